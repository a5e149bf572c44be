"""The TaskRouter sync against the loopback TaskRouter (tests/fakes), into a real database.

Expected figures are worked out by hand from the tasks seeded in the fake.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import AgentStateLog, Employee, Queue, QueueSourceStats, SourceStatus
from db.queries.queues import queues_snapshot
from desktop.sources.taskrouter_client import TaskRouterClient, TaskRouterSettings, TokenBucket
from desktop.sources.taskrouter_sync import TaskRouterSync, start_taskrouter_sync
from tests.fakes.twilio_server import FakeTwilio


def seed(fake: FakeTwilio) -> dict[str, str]:
    tr = fake.taskrouter
    tr.add_activity("Busy", available=False)
    voice = tr.add_queue(
        "Support voice",
        pending=2,
        reserved=1,
        assigned=3,
        longest_wait=75,
        task_waits=[
            (3, "canceled"),
            (10, "accepted"),
            (15, "accepted"),
            (30, "accepted"),
            (40, "canceled"),
        ],
    )
    chat = tr.add_queue("Web chat", task_waits=[(50, "accepted")])
    return {
        "voice": voice,
        "chat": chat,
        "w1": tr.add_worker("Ada Lovelace", "Available", [voice, chat]),
        "w2": tr.add_worker("Bo Diddley", "Busy", [voice]),
        "w3": tr.add_worker("Cy Young", "Unavailable", [voice]),
        "w4": tr.add_worker("Di Prince", "Offline", [voice]),
    }


def make_sync(
    db: Database, settings: TaskRouterSettings, delays: list[float] | None = None, **kw
) -> TaskRouterSync:  # type: ignore[no-untyped-def]
    sleeps = delays if delays is not None else []
    # Pacing is proved in test_stays_under_the_rate_limit; elsewhere it would only slow tests.
    kw.setdefault("limiter", TokenBucket(rate_per_s=1000, burst=100))
    client = TaskRouterClient(settings, sleep=sleeps.append, rand=lambda: 0.5, **kw)
    return TaskRouterSync(db, client)


def test_sync_fills_the_tables_the_views_read(
    sqlite_db: Database, fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    sids = seed(fake_twilio)
    result = make_sync(sqlite_db, fake_taskrouter_settings).sync_once()
    assert result.outcome == "synced", result.message
    assert result.report is not None and result.report.queues_added == 2
    with sqlite_db.read() as s:
        queues = {q.name: q for q in s.scalars(select(Queue))}
        assert queues["Support voice"].external_sid == sids["voice"]
        assert queues["Web chat"].channel == "chat"
        people = {e.external_sid: e for e in s.scalars(select(Employee))}
        states = {
            people_sid: row.state
            for people_sid, e in people.items()
            for row in s.scalars(select(AgentStateLog).where(AgentStateLog.employee_id == e.id))
        }
        assert states == {sids["w1"]: "available", sids["w2"]: "busy", sids["w3"]: "away"}
        stats = s.get(QueueSourceStats, (queues["Support voice"].id, "today"))
        assert stats is not None
        # waiting = pending 2 + reserved 1; of 5 tasks, the one canceled after 3 s is a short
        # abandon (limit 5 s): offered 4, abandoned 1; accepted 3, of which 2 within 20 s.
        assert (stats.waiting, stats.longest_wait_seconds) == (3, 75)
        assert (stats.offered, stats.abandoned, stats.handled, stats.answered_within) == (
            4,
            1,
            3,
            2,
        )
        assert stats.answer_wait_total_seconds == 55
        assert (stats.agents_available, stats.agents_busy, stats.agents_away) == (1, 1, 1)
        assert {r.window for r in s.scalars(select(QueueSourceStats))} == {"today", "60m", "30m"}
        snap = queues_snapshot(s, datetime.now(UTC))
    voice = next(ln for ln in snap.queues if ln.name == "Support voice")
    assert voice.source == "taskrouter" and voice.volumes.service_level == pytest.approx(2 / 4)
    (age,) = snap.sources
    assert age.name == "taskrouter" and not age.failing
    # Six requests: three lists and the bulk statistics for three windows.
    assert len(fake_twilio.requests("/v1/")) == 6


def test_second_sync_moves_states_and_retires_queues(
    sqlite_db: Database, fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    sids = seed(fake_twilio)
    sync = make_sync(sqlite_db, fake_taskrouter_settings)
    sync.sync_once()
    fake_twilio.taskrouter.set_worker_activity(sids["w1"], "Offline")
    del fake_twilio.taskrouter.queues[sids["chat"]]
    result = sync.sync_once()
    assert result.report is not None
    assert (result.report.state_changes, result.report.queues_retired) == (1, 1)
    with sqlite_db.read() as s:
        ada = s.scalars(select(Employee).where(Employee.external_sid == sids["w1"])).one()
        rows = s.scalars(
            select(AgentStateLog)
            .where(AgentStateLog.employee_id == ada.id)
            .order_by(AgentStateLog.id)
        ).all()
        assert [(r.state, r.ended_at is None) for r in rows] == [
            ("available", False),
            ("offline", True),
        ]
        chat = s.scalars(select(Queue).where(Queue.external_sid == sids["chat"])).one()
        assert not chat.active


def test_reads_every_page(
    sqlite_db: Database, fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    for i in range(5):
        q = fake_twilio.taskrouter.add_queue(f"Queue {i}")
        fake_twilio.taskrouter.add_worker(f"Worker {i}", "Available", [q])
    result = make_sync(sqlite_db, fake_taskrouter_settings, page_size=2).sync_once()
    assert result.outcome == "synced"
    with sqlite_db.read() as s:
        assert len(s.scalars(select(Queue)).all()) == 5
        assert len(s.scalars(select(Employee)).all()) == 5
        assert len(s.scalars(select(QueueSourceStats)).all()) == 15
    assert any("PageToken" in str(r.query) for r in fake_twilio.requests("/Workers"))


def test_stays_under_the_rate_limit(sqlite_db: Database) -> None:
    with FakeTwilio(rate_limit_per_s=5) as fake:
        seed(fake)
        settings = TaskRouterSettings(
            fake.account_sid, fake.auth_token, fake.workspace_sid, fake.base_url, 2.0
        )
        sync = make_sync(sqlite_db, settings, limiter=TokenBucket())  # the real pacing
        for _ in range(3):
            assert sync.sync_once().outcome == "synced"
        assert fake.max_requests_in_window("/v1/") <= 5
        assert all(r.status == 200 for r in fake.requests("/v1/"))


def test_backs_off_on_429_and_still_syncs(
    sqlite_db: Database, fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    seed(fake_twilio)
    fake_twilio.fail_next(429, times=2, path_contains="Statistics")
    delays: list[float] = []
    result = make_sync(sqlite_db, fake_taskrouter_settings, delays).sync_once()
    assert result.outcome == "synced"
    assert len(delays) == 2 and delays[1] > delays[0] > 0  # exponential back-off
    statuses = [r.status for r in fake_twilio.requests("Statistics")]
    assert statuses[:3] == [429, 429, 200]


def test_unreachable_keeps_last_values_and_records_age(
    sqlite_db: Database, fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    seed(fake_twilio)
    sync = make_sync(sqlite_db, fake_taskrouter_settings)
    first = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert sync.sync_once(first).outcome == "synced"
    fake_twilio.delay_next(2.0, times=3)  # longer than the 0.5 s timeout
    later = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    result = sync.sync_once(later)
    assert result.outcome == "failed" and "unreachable" in result.message
    with sqlite_db.read() as s:
        status = s.get(SourceStatus, "taskrouter")
        assert status is not None and status.last_success_at == first
        assert status.last_attempt_at == later and "unreachable" in (status.last_error or "")
        assert len(s.scalars(select(QueueSourceStats)).all()) == 6  # last values kept
        snap = queues_snapshot(s, later)
    (age,) = snap.sources
    assert age.failing and age.age_s(later) == 300
    assert next(ln for ln in snap.queues if ln.name == "Support voice").waiting == 3
    sync.failures = 3
    assert sync.next_delay() == pytest.approx(8 * sync.interval_s)


def test_rejected_credentials_are_a_clear_failure(
    sqlite_db: Database, fake_twilio: FakeTwilio
) -> None:
    bad = TaskRouterSettings(
        fake_twilio.account_sid, "wrong-token", fake_twilio.workspace_sid, fake_twilio.base_url, 0.5
    )
    result = make_sync(sqlite_db, bad).sync_once()
    assert result.outcome == "failed" and "check the account" in result.message
    with sqlite_db.read() as s:
        assert s.get(SourceStatus, "taskrouter").last_success_at is None  # type: ignore[union-attr]


def test_only_the_lock_holder_syncs(
    sqlite_db: Database, fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    seed(fake_twilio)
    client = TaskRouterClient(fake_taskrouter_settings)
    assert TaskRouterSync(sqlite_db, client, holds_lock=lambda: False).sync_once().outcome == (
        "standby"
    )
    assert fake_twilio.requests("/v1/") == []


def test_runs_on_its_own_thread_until_stopped(
    sqlite_db: Database, fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    seed(fake_twilio)
    cycles = threading.Event()
    calls: list[datetime] = []

    def clock() -> datetime:
        calls.append(datetime.now(UTC))
        if len(calls) >= 2:
            cycles.set()
        return calls[-1]

    client = TaskRouterClient(fake_taskrouter_settings, limiter=TokenBucket(1000, 100))
    sync = TaskRouterSync(sqlite_db, client, interval_s=0.05, clock=clock).start()
    try:
        assert cycles.wait(10), "the schedule did not run twice"
    finally:
        sync.stop()
    assert sync._thread is None


def test_starter_needs_a_workspace_and_a_lock(sqlite_db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from desktop.config import load_settings

    settings = load_settings(env={}, frozen_dir=tmp_path)
    assert start_taskrouter_sync(settings, sqlite_db, holds_lock=lambda: True) is None
    configured = load_settings(
        cli={"taskrouter.workspace_sid": "WS" + "b" * 32, "twilio.account_sid": "AC" + "c" * 32},
        env={},
        frozen_dir=tmp_path,
    )
    # No auth token anywhere: refused with a log line, not an exception.
    assert start_taskrouter_sync(configured, sqlite_db, holds_lock=lambda: True) is None


def test_follows_the_dispatchers_site_lock(sqlite_db: Database) -> None:
    from datetime import timedelta

    from db.models import ServiceLease
    from desktop.notify.leader import LEASE_NAME, HolderId
    from desktop.sources.taskrouter_sync import site_lock_check

    check = site_lock_check(sqlite_db)
    assert check is not None and not check()  # nobody holds it
    now = datetime.now(UTC)
    me = HolderId.for_this_process("proximity")
    other = HolderId("notifier", "srv-01", 4242, "abcd")
    with sqlite_db.write() as s:
        s.add(
            ServiceLease(
                name=LEASE_NAME,
                holder=str(other),
                acquired_at=now,
                heartbeat_at=now,
                expires_at=now + timedelta(seconds=20),
            )
        )
    assert not check()  # another machine's notifier runs the dispatcher: it syncs, not us
    with sqlite_db.write() as s:
        s.get_one(ServiceLease, LEASE_NAME).holder = str(me)
    assert check()
    with sqlite_db.write() as s:
        s.get_one(ServiceLease, LEASE_NAME).expires_at = now - timedelta(seconds=1)
    assert not check()  # an expired lease is nobody's


@pytest.mark.skipif(os.name != "posix", reason="stops the notifier with SIGTERM")
def test_the_headless_notifier_runs_the_sync_under_its_lock(
    sqlite_db: Database, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    """``proximity notifier`` with a workspace configured syncs it: the site's one sync."""
    from tests.notify.helpers import wait_until

    sids = seed(fake_twilio)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROXIMITY_")}
    env.update(
        PROXIMITY_DATABASE_URL=sqlite_db.url,
        PROXIMITY_TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
        PROXIMITY_TWILIO_AUTH_TOKEN=fake_twilio.auth_token,
        PROXIMITY_TWILIO_API_BASE=fake_twilio.base_url,
        PROXIMITY_TASKROUTER_WORKSPACE_SID=fake_twilio.workspace_sid,
        PROXIMITY_TASKROUTER_INTERVAL_SECONDS="1",
        PROXIMITY_NOTIFICATIONS_LEASE_SECONDS="2",
        PROXIMITY_LOGGING_DIR=str(tmp_path / "logs"),
        PYTHONUNBUFFERED="1",
    )
    out = tmp_path / "notifier.out"
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "desktop", "notifier"],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:

            def synced() -> bool:
                with sqlite_db.read() as s:
                    return set(s.scalars(select(Queue.external_sid))) >= {
                        sids["voice"],
                        sids["chat"],
                    }

            wait_until(synced, 60, "the notifier's first TaskRouter sync")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    log = out.read_text()
    assert "with the TaskRouter sync" in log, log
    with sqlite_db.read() as s:
        status = s.get(SourceStatus, "taskrouter")
        assert status is not None and status.last_success_at is not None
