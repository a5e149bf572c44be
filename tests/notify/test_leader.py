"""One active dispatcher per database: the lock, standby takeover, and the claim as last guard."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from db.engine import Database
from db.models import ServiceLease
from desktop.notify.dispatcher import Dispatcher
from desktop.notify.leader import (
    LEASE_NAME,
    HolderId,
    PostgresLease,
    SqliteLease,
    advisory_key,
    describe_holder,
    make_leadership,
)
from desktop.notify.outbox import claim_due
from desktop.notify.scheduler import schedule_pass
from desktop.notify.service import dispatcher_config
from desktop.notify.twilio_gateway import TwilioGateway
from tests.notify.conftest import FAST, OPEN_POLICY
from tests.notify.helpers import (
    count_by_state,
    many_tickets,
    rows,
    save_policy,
    seed_site,
    uk_phones,
    wait_until,
)


def _lease(db: Database) -> ServiceLease | None:
    with db.read() as s:
        return s.get(ServiceLease, LEASE_NAME)


def test_holder_ids_are_readable_and_parse_back() -> None:
    holder = HolderId.for_this_process("notifier")
    assert HolderId.parse(str(holder)) == holder
    assert (
        describe_holder(str(holder))
        == holder.label
        == f"notifier on {holder.host} (pid {os.getpid()})"
    )


def test_sqlite_lease_one_holder_then_takeover_after_expiry(sqlite_db: Database) -> None:
    now = [datetime(2026, 1, 5, 9, 0, tzinfo=UTC)]
    first = SqliteLease(sqlite_db, HolderId("a", "elsewhere", 1, "x"), 10, lambda: now[0])
    second = SqliteLease(sqlite_db, HolderId("b", "elsewhere", 2, "y"), 10, lambda: now[0])
    assert first.try_acquire() and not second.try_acquire()
    assert first.valid_for() > 8
    now[0] += timedelta(seconds=5)
    assert first.renew() and not second.try_acquire()
    now[0] += timedelta(seconds=11)  # the holder stopped renewing: its lease ran out
    assert second.try_acquire()
    assert not first.renew() and first.valid_for() == 0
    lease = _lease(sqlite_db)
    assert lease.holder == str(second.holder) and lease.acquired_at == now[0]
    second.release()
    assert _lease(sqlite_db) is None


def test_sqlite_takes_over_at_once_from_a_dead_process_on_this_machine(sqlite_db: Database) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)  # that process has exited
    me = HolderId.for_this_process("test")
    ghost = SqliteLease(sqlite_db, HolderId("notifier", me.host, pid, "dead"), 600, _utc)
    assert ghost.try_acquire()
    assert SqliteLease(sqlite_db, me, 600, _utc).try_acquire()  # no 10-minute wait


def _utc() -> datetime:
    return datetime.now(UTC)


def test_default_lease_lets_a_standby_take_over_within_30_seconds() -> None:
    from desktop.config import load_settings

    config = dispatcher_config(load_settings(env={}))
    # Worst case: the holder renewed just before dying; the standby notices at its next try.
    assert config.lease_ttl_s + config.lease_ttl_s / 3 < 30


def test_standby_takes_over_when_the_leader_dies(site, fake_twilio, fake_twilio_settings) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    factory = lambda: TwilioGateway(fake_twilio_settings)  # noqa: E731
    first = Dispatcher(db, factory, FAST, role="first").start()
    wait_until(lambda: first.is_leader, what="first leads")
    second = Dispatcher(db, factory, FAST, role="second").start()
    try:
        many_tickets(db, queue, uk_phones(2), _utc() - timedelta(minutes=5))
        wait_until(lambda: count_by_state(db).get("delivered", 0) == 2, what="first sends")
        assert not second.is_leader and "first on" in _lease(db).holder
        # The leader dies without a word: no release, no more heartbeats.
        first._stopping.set()
        with first._wake_lock:  # (as Dispatcher.stop does, so no job is mid-change)
            pass
        first._scheduler.shutdown(wait=True)
        died = _utc()
        wait_until(lambda: second.is_leader, 10, "the standby's takeover")
        assert (_utc() - died).total_seconds() < FAST.lease_ttl_s * 2
        assert "second on" in _lease(db).holder
        many_tickets(db, queue, uk_phones(2, start=50), _utc() - timedelta(minutes=5))
        wait_until(lambda: count_by_state(db).get("delivered", 0) == 4, what="second sends")
    finally:
        second.stop()
        first._recorder.stop()
    assert set(Counter(m["to"] for m in fake_twilio.sent_messages()).values()) == {1}
    senders = {r.claimed_by.split(" on ")[0] for r in rows(db, kind="acknowledgement")}
    assert senders == {"first", "second"}


# ------------------------------------------------------------------------------ PostgreSQL
def test_postgres_advisory_lock_is_exclusive_and_freed_with_the_connection(postgres_db) -> None:  # type: ignore[no-untyped-def]
    first = make_leadership(postgres_db, HolderId("a", "h", 1, "x"), 5)
    second = make_leadership(postgres_db, HolderId("b", "h", 2, "y"), 5)
    assert isinstance(first, PostgresLease)
    assert first.try_acquire() and not second.try_acquire()
    assert first.renew()
    assert _lease(postgres_db).holder == str(first.holder)
    # The holder's connection dies (process killed): PostgreSQL frees the lock at once.
    with postgres_db.engine.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND objid = :low"
            ),
            {"low": advisory_key(_schema(postgres_db)) & 0xFFFFFFFF},
        )
    assert not first.renew()
    assert second.try_acquire()
    assert _lease(postgres_db).holder == str(second.holder)
    second.release()


def _schema(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(text("SELECT current_schema()")).scalar())


def test_postgres_two_dispatchers_one_leader_nothing_twice(
    postgres_db, fake_twilio, fake_twilio_settings
) -> None:  # type: ignore[no-untyped-def]
    queue = seed_site(postgres_db)
    save_policy(postgres_db, **OPEN_POLICY)
    many_tickets(postgres_db, queue, uk_phones(30), _utc() - timedelta(minutes=5))
    factory = lambda: TwilioGateway(fake_twilio_settings)  # noqa: E731
    pair = [Dispatcher(postgres_db, factory, FAST, role=f"d{i}").start() for i in range(2)]
    try:
        wait_until(lambda: count_by_state(postgres_db).get("delivered", 0) == 30, 30, "all sent")
        assert sum(d.is_leader for d in pair) == 1
    finally:
        for d in pair:
            d.stop()
    assert sorted(Counter(m["to"] for m in fake_twilio.sent_messages()).values()) == [1] * 30


def test_postgres_two_dispatchers_without_the_lock_still_never_send_twice(
    postgres_db, fake_twilio, fake_twilio_settings
) -> None:  # type: ignore[no-untyped-def]
    """By mistake both think they lead: FOR UPDATE SKIP LOCKED keeps their claims apart."""
    queue = seed_site(postgres_db)
    save_policy(postgres_db, **OPEN_POLICY)
    many_tickets(postgres_db, queue, uk_phones(60), _utc() - timedelta(minutes=5))
    schedule_pass(postgres_db, _utc())
    config = dataclasses.replace(FAST, require_leader=False, batch_size=5, run_scheduler=False)
    factory = lambda: TwilioGateway(fake_twilio_settings)  # noqa: E731
    pair = [Dispatcher(postgres_db, factory, config, role=f"m{i}").start() for i in range(2)]
    try:
        wait_until(lambda: count_by_state(postgres_db).get("delivered", 0) == 60, 30, "all sent")
    finally:
        for d in pair:
            d.stop()
    assert sorted(Counter(m["to"] for m in fake_twilio.sent_messages()).values()) == [1] * 60
    senders = Counter(r.claimed_by.split(" on ")[0] for r in rows(postgres_db))
    assert set(senders) == {"m0", "m1"}, senders  # both really worked


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_concurrent_claims_never_overlap(backend, request) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    db = request.getfixturevalue("sqlite_db" if backend == "sqlite" else "postgres_db")
    queue = seed_site(db)
    save_policy(db, **OPEN_POLICY)
    many_tickets(db, queue, uk_phones(40), _utc() - timedelta(minutes=5))
    schedule_pass(db, _utc())

    def claim_all(name: str) -> list[int]:
        got: list[int] = []
        while batch := claim_due(db, name, _utc(), 3).to_send:
            got += [c.notification_id for c in batch]
        return got

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(claim_all, ["w1", "w2", "w3", "w4"]))
    claimed = [nid for ids in results for nid in ids]
    assert len(claimed) == len(set(claimed)) == 40
