"""The real ``proximity notifier`` process against a SQLite file and the loopback Twilio:
killed with SIGKILL in the middle of a batch, restarted, stopped with SIGTERM.

Nothing may be lost and nothing sent twice, which is checked on the fake Twilio's own record
of every message it accepted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from db.engine import Database
from desktop.notify.scheduler import schedule_pass
from tests.fakes.fixtures import TEST_FROM_NUMBER
from tests.fakes.twilio_server import FakeTwilio
from tests.notify.conftest import OPEN_POLICY
from tests.notify.helpers import (
    count_by_state,
    many_tickets,
    rows,
    save_policy,
    seed_site,
    uk_phones,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 30


def _env(db: Database, fake: FakeTwilio, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROXIMITY_")}
    env.update(
        PROXIMITY_DATABASE_URL=db.url,
        PROXIMITY_TWILIO_ACCOUNT_SID=fake.account_sid,
        PROXIMITY_TWILIO_AUTH_TOKEN=fake.auth_token,
        PROXIMITY_TWILIO_FROM=TEST_FROM_NUMBER,
        PROXIMITY_TWILIO_API_BASE=fake.base_url,
        PROXIMITY_TWILIO_TIMEOUT_SECONDS="0.5",
        PROXIMITY_NOTIFICATIONS_LEASE_SECONDS="2",
        PROXIMITY_LOGGING_DIR=str(tmp_path / "logs"),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def notifier(sqlite_db: Database, fake_twilio: FakeTwilio, tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """Start ``python -m desktop notifier`` processes; all are killed at the end."""
    procs: list[subprocess.Popen[str]] = []

    def start(name: str) -> subprocess.Popen[str]:
        out = (tmp_path / f"{name}.out").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "desktop", "notifier"],
            cwd=ROOT,
            env=_env(sqlite_db, fake_twilio, tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.fixture
def backlog(sqlite_db: Database) -> list[str]:
    """MESSAGES acknowledgements due now; returns their bodies' ticket markers."""
    queue = seed_site(sqlite_db)
    save_policy(sqlite_db, **OPEN_POLICY)
    now = datetime.now(UTC)
    many_tickets(sqlite_db, queue, uk_phones(MESSAGES), now - timedelta(minutes=5))
    schedule_pass(sqlite_db, now)
    return [r.to_address for r in rows(sqlite_db, kind="acknowledgement")]


def _delivered(db: Database) -> int:
    counts = count_by_state(db)
    return counts.get("sent", 0) + counts.get("delivered", 0)


def test_kill_9_mid_batch_then_restart_loses_nothing_and_sends_nothing_twice(
    sqlite_db: Database, fake_twilio: FakeTwilio, notifier, backlog: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # Each send takes a while, so the batch is still going when the process dies.
    fake_twilio.delay_next(0.08, times=10_000, path_contains="/Messages.json", method="POST")
    first = notifier("first")
    wait_until(lambda: len(fake_twilio.sent_messages()) >= 8, 60, "the first sends")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    accepted_before = len(fake_twilio.sent_messages())
    states = count_by_state(sqlite_db)
    assert states.get("sending", 0) > 0, states  # claimed, and some sent but not recorded
    assert _delivered(sqlite_db) < accepted_before  # Twilio has more than we wrote down

    fake_twilio.clear_faults()
    second = notifier("second")
    wait_until(lambda: _delivered(sqlite_db) == MESSAGES, 60, "every message sent")
    second.send_signal(signal.SIGTERM)
    assert second.wait(30) == 0

    per_number = Counter(m["to"] for m in fake_twilio.sent_messages())
    assert sorted(per_number) == sorted(backlog)  # nothing lost
    assert set(per_number.values()) == {1}  # nothing sent twice
    sids = {m["sid"] for m in fake_twilio.sent_messages()}
    assert {r.provider_sid for r in rows(sqlite_db, kind="acknowledgement")} == sids
    log = (tmp_path / "second.out").read_text()
    assert "adopting notification" in log and "already at Twilio" in log
    assert "SIGTERM received" in log


def test_sigterm_finishes_the_message_in_flight_and_gives_the_rest_back(
    sqlite_db: Database, fake_twilio: FakeTwilio, notifier, backlog: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake_twilio.delay_next(0.3, times=10_000, path_contains="/Messages.json", method="POST")
    proc = notifier("graceful")
    wait_until(lambda: len(fake_twilio.sent_messages()) >= 2, 60, "the first sends")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    accepted = len(fake_twilio.sent_messages())
    states = count_by_state(sqlite_db)
    assert "sending" not in states, states  # in flight finished and recorded, rest released
    assert _delivered(sqlite_db) == accepted
    assert states.get("scheduled", 0) == MESSAGES - accepted
    log = (tmp_path / "graceful.out").read_text()
    assert "finishing the message in flight" in log
    assert fake_twilio.auth_token not in log  # the token never reaches a log
    assert "+4479000000" not in log  # phone numbers are masked
    assert (tmp_path / "logs" / "proximity.log").is_file()
