"""Notification engine figures: scheduling 100,000 messages, dispatch rate, wake precision.

Prints one JSON line::

    {"schedule_100k_s": ..., "dispatch_per_s": ..., "raw_twilio_per_s": ..., "ratio": ...,
     "wake_jitter_ms": ...}

- schedule_100k_s: one scheduling pass (read the facts, evaluate the policy, insert the
  rows) over 100,000 open tickets of 100,000 distinct customers that each need a message
  (extra keys: its phases, and ``schedule_repeat_100k_s``, the next pass with nothing new).
- dispatch_per_s: messages per second the real dispatcher (claim, send, record, on its
  APScheduler threads) delivers to the loopback fake Twilio server;
- raw_twilio_per_s: a bare loop of ``client.messages.create`` to the same server, same run;
- ratio: dispatch_per_s / raw_twilio_per_s;
- wake_jitter_ms: median lateness of a send after its due time, for messages falling due
  one by one while the dispatcher sleeps.

Goals (issue 5): schedule_100k_s <= 5, ratio >= 0.8, wake_jitter_ms <= 500.

The tables get planner statistics (``ANALYZE``) after each bulk load, as autovacuum gives a
live PostgreSQL database; CI's server runs with autovacuum off.

    python benchmarks/notify_throughput.py [--tickets 100000] [--messages 2000]
        [--database URL]   (default: a temporary SQLite file)

With a PostgreSQL URL the run works in a schema of its own (``bench_<random>``), dropped at
the end even when the run fails, so a database the tests share is left as it was.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# ruff: noqa: E402 - the imports below need the project root on sys.path first
from sqlalchemy import delete, func, insert, select, update

from db import migrate
from db.engine import Database, sqlite_url
from db.models import (
    Customer,
    Notification,
    NotificationPolicyRow,
    Queue,
    Team,
    Ticket,
)
from db.queries.notification_settings import PolicySettings, settings_to_json
from db.scratch import scratch_schema
from desktop.core.domain import Channel, NotificationState
from desktop.notify.dispatcher import Dispatcher, DispatcherConfig
from desktop.notify.rules import RetryRules
from desktop.notify.scheduler import ScheduleStats, schedule_pass
from desktop.notify.twilio_gateway import TwilioGateway, TwilioSettings
from desktop.notify.twilio_http import make_client

SENDER = "+15005550006"
# Mobile ranges of four countries, so quiet hours resolve several zones.
_PREFIXES = (
    ("+4479", 8, "Europe/London"),
    ("+336", 8, "Europe/Paris"),
    ("+49151", 8, "Europe/Berlin"),
    ("+4479", 8, None),
)


def phone(i: int) -> str:
    prefix, digits, _ = _PREFIXES[i % len(_PREFIXES)]
    return f"{prefix}{i:0{digits}d}"


def seed(db: Database, tickets: int, now: datetime) -> None:
    """Open tickets, one customer each, created 2 min to 2 days ago (not timed)."""
    with db.engine.begin() as conn:
        conn.execute(
            insert(Team.__table__),
            [{"id": 1, "name": "Bench", "timezone": "UTC", "created_at": now}],
        )
        conn.execute(
            insert(Queue.__table__),
            [
                {
                    "id": 1,
                    "name": "Bench",
                    "channel": Channel.SMS.value,
                    "team_id": 1,
                    "timezone": "Europe/London",
                    "sl_target": 0.8,
                    "sl_threshold_seconds": 20,
                    "sl_variant": "answered_plus_abandoned",
                    "short_abandon_seconds": 5,
                    "daily_reset": datetime.min.time(),
                    "shrinkage": 0.3,
                    "max_occupancy": 0.85,
                    "active": True,
                }
            ],
        )
        raw = settings_to_json(PolicySettings())
        raw.update(quiet_start="00:00", quiet_end="00:00")  # always open: the rates are pure
        conn.execute(
            insert(NotificationPolicyRow.__table__),
            [
                {
                    "queue_id": None,
                    "settings": raw,
                    "updated_at": now - timedelta(days=1),
                    "version": 1,
                }
            ],
        )
        for start in range(0, tickets, 20_000):
            ids = range(start + 1, min(tickets, start + 20_000) + 1)
            conn.execute(
                insert(Customer.__table__),
                [
                    {
                        "id": i,
                        "name": f"Customer {i}",
                        "phone_e164": phone(i),
                        "timezone": _PREFIXES[i % len(_PREFIXES)][2],
                        "language": "en",
                        "preferred_channel": "sms",
                        "sms_opt_out": False,
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(Ticket.__table__),
                [
                    {
                        "id": i,
                        "customer_id": i,
                        "queue_id": 1,
                        "subject": "Help",
                        "priority": "normal",
                        "status": "open",
                        "created_at": now - timedelta(minutes=2 + i % 2880),
                        "updated_at": now - timedelta(minutes=2 + i % 2880),
                        "contact_count": 1,
                        "version": 1,
                    }
                    for i in ids
                ],
            )


def measure_schedule(db: Database, now: datetime) -> ScheduleStats:
    return schedule_pass(db, now)


@dataclass(frozen=True)
class FakeServer:
    """The standalone loopback fake Twilio (its own process, as a remote Twilio would be)."""

    base_url: str
    account_sid: str
    auth_token: str


@contextmanager
def fake_server() -> Iterator[FakeServer]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.twilio_server", "--port", "0", "--no-seed"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        yield FakeServer(info["api_base"], info["account_sid"], info["auth_token"])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def measure_raw(fake: FakeServer, count: int) -> float:
    client = make_client(fake.account_sid, fake.auth_token, fake.base_url, 10.0)
    started = time.perf_counter()
    for i in range(count):
        client.messages.create(to=phone(10_000_000 + i), from_=SENDER, body=f"raw {i}")
    return count / (time.perf_counter() - started)


def _make_due(db: Database, count: int, due: datetime, spacing: timedelta) -> None:
    """The first ``count`` scheduled rows fall due one after the other from ``due``."""
    with db.write() as session:
        ids = session.scalars(
            select(Notification.id)
            .where(Notification.state == NotificationState.SCHEDULED)
            .order_by(Notification.id)
            .limit(count)
        ).all()
        for n, nid in enumerate(ids):
            moment = due + spacing * n
            session.execute(
                update(Notification)
                .where(Notification.id == nid)
                .values(due_at=moment, original_due_at=moment)
            )


def _sent(db: Database) -> int:
    with db.read() as session:
        return (
            session.scalar(select(func.count()).where(Notification.state == NotificationState.SENT))
            or 0
        )


def _sent_times(db: Database, since: datetime) -> list[tuple[datetime, datetime]]:
    with db.read() as session:
        return [
            (sent, due)
            for sent, due in session.execute(
                select(Notification.sent_at, Notification.due_at).where(
                    Notification.state == NotificationState.SENT, Notification.due_at >= since
                )
            )
        ]


def _sent_count(db: Database, since: datetime) -> int:
    with db.read() as session:
        return (
            session.scalar(
                select(func.count()).where(
                    Notification.state == NotificationState.SENT, Notification.due_at >= since
                )
            )
            or 0
        )


def _wait_for_sent(db: Database, count: int, since: datetime, timeout: float) -> None:
    # A count, not the rows: the harness polls while the dispatcher works, in its process.
    deadline = time.monotonic() + timeout
    while _sent_count(db, since) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def _send_round(db: Database, dispatcher: Dispatcher, count: int) -> tuple[int, float]:
    """Make ``count`` queued rows due now; (messages, seconds from first to last send)."""
    due = datetime.now(UTC) - timedelta(seconds=1)
    _make_due(db, count, due, timedelta(0))
    dispatcher.wake()
    _wait_for_sent(db, count, due, 600)
    sent = sorted(t for t, _ in _sent_times(db, due))
    return len(sent) - 1, (sent[-1] - sent[0]).total_seconds()


def measure_dispatch(
    db: Database, fake: FakeServer, count: int, rounds: int = 5
) -> tuple[float, float, float]:
    """Dispatch and raw rates, measured in alternating rounds so that the machine's load
    drifting during the run weighs on both alike; then the wake lateness.

    Returns:
        (dispatch_per_s, raw_per_s, median lateness in ms)
    """
    settings = TwilioSettings(
        fake.account_sid,
        fake.auth_token,
        from_number=SENDER,
        api_base=fake.base_url,
        timeout_seconds=10.0,
    )
    config = DispatcherConfig(
        run_scheduler=False,
        poll_delivery=False,
        safety_interval_s=60.0,
        lease_ttl_s=60.0,
        rules=RetryRules(),
    )
    far = datetime(2100, 1, 1, tzinfo=UTC)
    with db.write() as session:  # only the rows this measure makes due
        session.execute(update(Notification).values(due_at=far))
    dispatcher = Dispatcher(db, lambda: TwilioGateway(settings), config).start()
    sent = raw_sent = 0
    seconds = raw_seconds = 0.0
    per_round = max(2, count // rounds)
    try:
        deadline = time.monotonic() + 30
        while not dispatcher.is_leader and time.monotonic() < deadline:
            time.sleep(0.01)
        for _ in range(rounds):
            raw_rate = measure_raw(fake, per_round // 2)
            raw_sent += per_round // 2
            raw_seconds += (per_round // 2) / raw_rate
            n, took = _send_round(db, dispatcher, per_round)
            sent, seconds = sent + n, seconds + took
        raw_rate = measure_raw(fake, per_round // 2)
        raw_sent += per_round // 2
        raw_seconds += (per_round // 2) / raw_rate
        # Wake precision: rows queued in advance fall due one by one while it sleeps; the
        # dispatcher learns of them as it does of a scheduling pass (wake re-arms the timer).
        spacing, jitter_count = timedelta(milliseconds=250), 40
        first_due = datetime.now(UTC) + timedelta(seconds=2)
        _make_due(db, jitter_count, first_due, spacing)
        dispatcher.wake()
        _wait_for_sent(db, jitter_count, first_due, 60)
        lateness = [(s - d).total_seconds() * 1000 for s, d in _sent_times(db, first_due)]
    finally:
        dispatcher.stop()
    jitter = statistics.median(lateness) if lateness else float("nan")
    return sent / seconds, raw_sent / raw_seconds, jitter


@contextmanager
def bench_database(url: str | None, tmp: Path) -> Iterator[Database]:
    """A temporary SQLite file, or a private schema on the PostgreSQL server (dropped after)."""
    if url is None or url.startswith("sqlite"):
        db = Database(url or sqlite_url(tmp / "bench.db"))
        try:
            yield db
        finally:
            db.dispose()
        return
    with scratch_schema(url, prefix="bench") as db:
        yield db


def analyze(db: Database) -> None:
    """Planner statistics after a bulk load, as a live database has them (PostgreSQL's
    autovacuum analyses a table once a tenth of it changed; this test server runs with
    autovacuum off, and without statistics it plans the outbox queries as full scans)."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument(
        "--database",
        default=None,
        help="SQLAlchemy URL: an empty SQLite file, or a PostgreSQL server (own schema, dropped)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bench_database(args.database, Path(tmp)) as db:
        migrate.upgrade(db.engine)
        now = datetime.now(UTC)
        seed(db, args.tickets, now)
        analyze(db)
        schedule = measure_schedule(db, now)
        # The steady state: the next pass a minute later, nothing having changed meanwhile.
        repeat = measure_schedule(db, now + timedelta(minutes=1))
        with db.write() as session:  # keep one message per ticket for the dispatch measure
            session.execute(delete(Notification).where(Notification.kind != "acknowledgement"))
        analyze(db)
        with fake_server() as fake:
            dispatch, raw, jitter = measure_dispatch(db, fake, args.messages)
    scale = args.tickets / 100_000
    print(
        json.dumps(
            {
                "schedule_100k_s": round(schedule.seconds / scale, 3),
                "dispatch_per_s": round(dispatch, 1),
                "raw_twilio_per_s": round(raw, 1),
                "ratio": round(dispatch / raw, 3),
                "wake_jitter_ms": round(jitter, 1),
                "enqueued": schedule.enqueued,
                "schedule_repeat_100k_s": round(repeat.seconds / scale, 3),
                # where the scheduling time goes (read facts / evaluate the policy / write)
                "schedule_phases_s": [
                    round(schedule.read_s / scale, 2),
                    round(schedule.evaluate_s / scale, 2),
                    round(schedule.write_s / scale, 2),
                ],
            }
        )
    )


if __name__ == "__main__":
    main()
