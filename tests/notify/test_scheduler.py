"""Policy evaluation -> outbox rows, on SQLite and PostgreSQL: idempotent, obsolete rows
cancelled, each rule's row with the right due time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Notification, Ticket, TicketEvent
from desktop.core.domain import NotificationState, Priority, TicketEventKind, TicketStatus
from desktop.notify.scheduler import dedupe_key, schedule_pass
from tests.notify.conftest import OPEN_POLICY
from tests.notify.helpers import add_customer, add_ticket, rows, save_policy, seed_site, uk_phones

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 15:00 in London: inside the window


@pytest.fixture
def world(any_db: Database) -> tuple[Database, int]:
    queue = seed_site(any_db)
    save_policy(any_db, **OPEN_POLICY)
    return any_db, queue


def _ticket(db: Database, queue: int, minutes_ago: float, phone: str = "+447900000001", **kw):  # type: ignore[no-untyped-def]
    customer = add_customer(db, phone, "Ann Lee", tz=kw.pop("tz", None))
    return add_ticket(db, queue, customer, NOW - timedelta(minutes=minutes_ago), **kw)


def _kinds(db: Database, ticket: int) -> dict[str, list[Notification]]:
    out: dict[str, list[Notification]] = {}
    for row in rows(db, ticket_id=ticket):
        out.setdefault(row.kind, []).append(row)
    return out


def test_a_new_ticket_gets_its_acknowledgement_once(world) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    ticket = _ticket(db, queue, minutes_ago=0.5)
    first = schedule_pass(db, NOW)
    again = schedule_pass(db, NOW + timedelta(seconds=30))
    (ack,) = rows(db, ticket_id=ticket)
    assert (first.enqueued, again.enqueued) == (1, 0)
    assert ack.kind == "acknowledgement" and ack.state == NotificationState.SCHEDULED
    assert ack.due_at == NOW + timedelta(seconds=30)  # 1 min after creation
    assert ack.dedupe_key == dedupe_key(ticket, "acknowledgement", ack.original_due_at, None)
    assert ack.to_address == "+447900000001" and ack.body is None  # rendered at send time


def test_passes_running_at_once_never_duplicate(world) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    for i, phone in enumerate(uk_phones(20)):
        _ticket(db, queue, minutes_ago=5 + i, phone=phone)
    threads = [threading.Thread(target=schedule_pass, args=(db, NOW)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [r.dedupe_key for r in rows(db)]
    assert len(keys) == len(set(keys)) == 20


def test_an_agent_reply_cancels_the_queued_update_and_restarts_the_clock(world) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    heard = NOW - timedelta(hours=3)
    ticket = _ticket(db, queue, 300, status=TicketStatus.OPEN, last_heard_at=heard)
    schedule_pass(db, NOW)
    (still,) = _kinds(db, ticket)["still_working"]
    assert still.due_at == heard + timedelta(hours=24)
    reply = NOW + timedelta(minutes=10)
    with db.write() as s:  # what db.actions.tickets.log_reply records
        s.get(Ticket, ticket).last_heard_at = reply
    schedule_pass(db, reply + timedelta(minutes=1))
    old, new = sorted(_kinds(db, ticket)["still_working"], key=lambda r: r.id)
    assert old.state == NotificationState.CANCELLED and "silence now counts" in old.reason
    assert old.dedupe_key.endswith(f"#c{old.id}")  # the key is free again
    assert new.state == NotificationState.SCHEDULED and new.due_at == reply + timedelta(hours=24)


def test_higher_priority_reschedules_the_update_sooner(world) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    heard = NOW - timedelta(hours=1)
    ticket = _ticket(db, queue, 120, status=TicketStatus.OPEN, last_heard_at=heard)
    schedule_pass(db, NOW)
    with db.write() as s:  # as db.actions.tickets.change_priority does
        t = s.get(Ticket, ticket)
        t.priority, t.updated_at = Priority.URGENT, NOW + timedelta(seconds=30)
    schedule_pass(db, NOW + timedelta(minutes=1))
    old, new = sorted(_kinds(db, ticket)["still_working"], key=lambda r: r.id)
    assert old.state == NotificationState.CANCELLED and "shorter silence" in old.reason
    assert new.due_at == heard + timedelta(hours=4)


def test_status_change_is_announced_and_a_solved_ticket_cancels_the_rest(world) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    ticket = _ticket(
        db, queue, 600, status=TicketStatus.PENDING, last_heard_at=NOW - timedelta(hours=9)
    )
    changed = NOW - timedelta(minutes=2)
    with db.write() as s:
        s.add(
            TicketEvent(
                ticket_id=ticket,
                kind=TicketEventKind.STATUS_CHANGE,
                at=changed,
                old_value="open",
                new_value="pending",
            )
        )
    schedule_pass(db, NOW)
    (status,) = _kinds(db, ticket)["status_change"]
    assert status.due_at == NOW and "pending" in status.dedupe_key
    assert "still_working" not in _kinds(db, ticket)  # the status message restarts silence
    solved = NOW + timedelta(minutes=5)
    with db.write() as s:
        t = s.get(Ticket, ticket)
        t.status, t.solved_at = TicketStatus.SOLVED, solved
        s.add(
            TicketEvent(
                ticket_id=ticket,
                kind=TicketEventKind.STATUS_CHANGE,
                at=solved,
                old_value="pending",
                new_value="solved",
            )
        )
    schedule_pass(db, solved + timedelta(seconds=5))
    by_kind = _kinds(db, ticket)["status_change"]
    pending, solved_row = sorted(by_kind, key=lambda r: r.id)
    assert pending.state == NotificationState.CANCELLED and "newer status change" in pending.reason
    assert solved_row.state == NotificationState.SCHEDULED and "solved" in solved_row.dedupe_key


def test_customers_who_cannot_get_sms_get_no_row(world) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    opted = add_customer(db, "+447900000002", opted_out=True)
    email = add_customer(db, "+447900000003", channel="email")
    no_phone = add_customer(db, None)
    for customer in (opted, email, no_phone):
        add_ticket(db, queue, customer, NOW - timedelta(minutes=5))
    stats = schedule_pass(db, NOW)
    assert stats.enqueued == 0 and stats.skipped_rules == 3
    assert rows(db) == []


def test_the_daily_limit_moves_the_next_message_to_tomorrow(world) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    save_policy(db, **{**OPEN_POLICY, "max_per_ticket_per_day": 1})
    ticket = _ticket(
        db,
        queue,
        600,
        status=TicketStatus.OPEN,
        priority=Priority.URGENT,
        tz="Europe/London",
        last_heard_at=NOW - timedelta(hours=5),
    )
    with db.write() as s:  # one message already went out today
        s.add(
            Notification(
                ticket_id=ticket,
                customer_id=s.get(Ticket, ticket).customer_id,
                kind="acknowledgement",
                dedupe_key="x",
                due_at=NOW,
                original_due_at=NOW,
                state=NotificationState.DELIVERED,
                sent_at=NOW - timedelta(hours=5),
                created_at=NOW,
                updated_at=NOW,
            )
        )
    schedule_pass(db, NOW)
    (still,) = _kinds(db, ticket)["still_working"]
    assert still.state == NotificationState.DEFERRED and "daily limit" in still.reason
    assert still.due_at == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)  # next London day


def test_a_queued_row_is_not_judged_again_until_something_changes(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    ticket = _ticket(
        db, queue, 60, status=TicketStatus.OPEN, last_heard_at=NOW - timedelta(hours=1)
    )
    schedule_pass(db, NOW + timedelta(seconds=1))  # after the policy was saved (at NOW)
    judged: list[int] = []
    import desktop.notify.scheduler as scheduler

    real = scheduler.obsolete_reason
    monkeypatch.setattr(scheduler, "obsolete_reason", lambda *a: judged.append(1) or real(*a))
    schedule_pass(db, NOW + timedelta(minutes=5))
    assert judged == []  # nothing changed: no work per queued row
    with db.write() as s:
        s.get(Ticket, ticket).updated_at = NOW + timedelta(minutes=6)  # e.g. reassigned
    schedule_pass(db, NOW + timedelta(minutes=7))
    assert judged == [1]


def test_bulk_insert_stores_timestamps_exactly_as_the_orm_does(world) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    if not db.is_sqlite:
        pytest.skip("text storage of timestamps is SQLite's")
    ticket = _ticket(db, queue, 5)
    schedule_pass(db, NOW)
    with db.write() as s:  # the same instant written through the ORM
        row = s.scalar(select(Notification).where(Notification.ticket_id == ticket))
        s.add(
            Notification(
                ticket_id=ticket,
                customer_id=row.customer_id,
                kind="x",
                dedupe_key="orm",
                due_at=row.due_at,
                original_due_at=row.due_at,
                state=NotificationState.SCHEDULED,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    raw = db.engine.raw_connection()
    try:
        stored = raw.execute("SELECT due_at, created_at FROM notifications ORDER BY id").fetchall()
    finally:
        raw.close()
    assert stored[0] == stored[1]  # e.g. "2026-03-10 15:00:30.000000" both times


def test_queued_rows_store_the_current_phone_and_facts_come_from_sql(world) -> None:  # type: ignore[no-untyped-def]
    db, queue = world
    ticket = _ticket(db, queue, 5)
    schedule_pass(db, NOW)
    with db.read() as s:
        stored = s.scalar(select(Notification.to_address).where(Notification.ticket_id == ticket))
    assert stored == "+447900000001"
