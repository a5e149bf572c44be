"""Ticket actions on SQLite and PostgreSQL: audited, timelined, optimistic locking, undo.

"Another workstation" is a second ``Database`` on the same URL: its own engine, connections
and sessions, exactly what a second desktop pointed at the shared database has.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import db.actions.tickets as actions
from db.actions.tickets import (
    DEFAULT_TARGETS,
    ActionRefused,
    TicketRef,
    add_note,
    add_notes,
    assign,
    change_priority,
    change_status,
    log_reply,
    queue_status_update,
    queue_status_updates,
    undo,
)
from db.engine import Database
from db.errors import ConcurrentEdit
from db.models import AuditLog, Notification, Ticket, TicketEvent
from desktop.core.domain import NotificationState, Priority, TicketEventKind, TicketStatus
from tests.db.ticket_seed import NOW, Seed, seed_tickets

M = timedelta(minutes=1)


@pytest.fixture
def seeded(any_db: Database) -> tuple[Database, Seed]:
    return any_db, seed_tickets(any_db)


@pytest.fixture
def other_workstation(any_db: Database) -> Iterator[Database]:
    other = Database(any_db.url)
    yield other
    other.dispose()


def ref(db: Database, ticket_id: int) -> TicketRef:
    """The ticket as a user's view shows it now."""
    with db.read() as s:
        return TicketRef(ticket_id, s.get(Ticket, ticket_id).version)


def counts(db: Database) -> tuple[int, int, int]:
    with db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(AuditLog)),
            s.scalar(select(func.count()).select_from(TicketEvent)),
            s.scalar(select(func.count()).select_from(Notification)),
        )


def test_assign_is_audited_timelined_and_versioned(seeded) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    tid = seed.tickets["unassigned"]
    before = ref(db, tid)
    with db.write() as s:
        result = assign(s, seed.lead, [before], seed.agent_b, NOW)
    assert result.refs == (TicketRef(tid, before.version + 1),)
    assert result.previous == {tid: None} and result.count == 1
    with db.read() as s:
        t = s.get(Ticket, tid)
        assert t.assignee_id == seed.agent_b and t.updated_at == NOW
        audit = s.scalars(select(AuditLog).where(AuditLog.entity_id == tid)).one()
        assert audit.actor_id == seed.lead.employee_id and audit.action == "ticket.assign"
        assert audit.before == {"assignee_id": None}
        assert audit.after == {"assignee_id": seed.agent_b}
        event = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == tid)).one()
        assert event.kind == TicketEventKind.OWNER_CHANGE and event.body == "Assigned to Bob Agent"


def test_status_follows_allowed_transitions(seeded) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    tid = seed.tickets["risk"]
    with pytest.raises(ActionRefused, match="cannot go from open to closed"), db.write() as s:
        change_status(s, seed.lead, [ref(db, tid)], TicketStatus.CLOSED, NOW)
    with db.write() as s:
        change_status(s, seed.lead, [ref(db, tid)], TicketStatus.SOLVED, NOW)
    with db.read() as s:
        assert s.get(Ticket, tid).solved_at == NOW
    with db.write() as s:
        change_status(s, seed.lead, [ref(db, tid)], TicketStatus.OPEN, NOW + M)
    with db.read() as s:
        t = s.get(Ticket, tid)
        assert t.status == TicketStatus.OPEN and t.solved_at is None  # re-opened


def test_priority_moves_default_targets_and_keeps_custom_ones(seeded) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    default_tid, custom_tid = seed.tickets["ok"], seed.tickets["risk"]
    with db.write() as s:
        t = s.get(Ticket, default_tid)
        t.frt_target_minutes, t.resolution_target_minutes = DEFAULT_TARGETS[Priority.NORMAL]
    with db.write() as s:
        change_priority(
            s, seed.lead, [ref(db, default_tid), ref(db, custom_tid)], Priority.URGENT, NOW
        )
    with db.read() as s:
        assert (
            s.get(Ticket, default_tid).frt_target_minutes,
            s.get(Ticket, default_tid).resolution_target_minutes,
        ) == DEFAULT_TARGETS[Priority.URGENT]
        assert s.get(Ticket, custom_tid).frt_target_minutes == 60  # set by hand: kept


def test_reply_stops_first_response_and_resets_silence(seeded) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    tid = seed.tickets["ok"]  # created NOW - 10 min, status new, never answered
    with pytest.raises(ActionRefused), db.write() as s:
        log_reply(s, seed.lead, ref(db, tid), "   ", NOW)
    with db.write() as s:
        log_reply(s, seed.lead, ref(db, tid), "On it!", NOW)
    with db.read() as s:
        t = s.get(Ticket, tid)
        assert t.first_response_at == NOW and t.last_heard_at == NOW
        assert t.status == TicketStatus.OPEN
        assert t.longest_silence_seconds == pytest.approx(600.0)
    with db.write() as s:
        log_reply(s, seed.lead, ref(db, tid), "Done.", NOW + 30 * M)
    with db.read() as s:
        t = s.get(Ticket, tid)
        assert t.first_response_at == NOW  # the first reply stays the first
        assert t.longest_silence_seconds == pytest.approx(1800.0)


def test_note_leaves_clocks_alone(seeded) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    tid = seed.tickets["ok"]
    with db.write() as s:
        add_note(s, seed.lead, ref(db, tid), "Customer is a VIP", NOW)
    with db.read() as s:
        t = s.get(Ticket, tid)
        assert t.first_response_at is None and t.last_heard_at is None
        kinds = s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == tid)).all()
        assert kinds == [TicketEventKind.INTERNAL_NOTE]


def test_status_update_queues_an_outbox_row_or_says_why_not(seeded) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    with db.write() as s:
        queue_status_update(s, seed.lead, ref(db, seed.tickets["ok"]), NOW)
    with db.read() as s:
        row = s.scalars(
            select(Notification).where(Notification.ticket_id == seed.tickets["ok"])
        ).one()
        assert row.state == NotificationState.SCHEDULED and row.due_at == NOW
        assert row.to_address == "+447911123456" and "Lena Lead" in (row.reason or "")
    with pytest.raises(ActionRefused, match="opted out"), db.write() as s:
        queue_status_update(s, seed.lead, ref(db, seed.tickets["breached"]), NOW)
    with pytest.raises(ActionRefused, match="no mobile number"), db.write() as s:
        queue_status_update(s, seed.lead, ref(db, seed.tickets["unassigned"]), NOW)


def test_bulk_actions_are_one_transaction(seeded) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    t = seed.tickets
    refs = [ref(db, t[k]) for k in ("ok", "breached", "unassigned", "risk")]
    with db.write() as s:
        result = queue_status_updates(s, seed.lead, refs, NOW)
    assert {r.ticket_id for r in result.refs} == {t["ok"], t["risk"]}
    assert {tid for tid, _ in result.skipped} == {t["breached"], t["unassigned"]}
    with db.write() as s:
        notes = add_notes(s, seed.lead, [ref(db, t["ok"]), ref(db, t["risk"])], "Escalated", NOW)
    assert notes.count == 2
    stale = TicketRef(t["risk"], 1)
    before = counts(db)
    with pytest.raises(ConcurrentEdit), db.write() as s:  # one stale ticket: none is changed
        assign(s, seed.lead, [ref(db, t["ok"]), stale], seed.agent_b, NOW)
    assert counts(db) == before
    with db.read() as s:
        assert s.get(Ticket, t["ok"]).assignee_id == seed.agent_a


def test_undo_restores_and_refuses_when_someone_changed_it_since(seeded) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    tid = seed.tickets["risk"]
    with db.write() as s:
        done = change_priority(s, seed.lead, [ref(db, tid)], Priority.URGENT, NOW)
    with db.write() as s:
        undone = undo(s, seed.lead, done, NOW + M)
    assert undone.action == "undo priority" and not undone.undoable
    with db.read() as s:
        assert s.get(Ticket, tid).priority == Priority.HIGH
    with db.write() as s:
        done = assign(s, seed.lead, [ref(db, tid)], seed.agent_a, NOW)
    with db.write() as s:
        add_note(s, seed.lead, ref(db, tid), "meanwhile", NOW + M)
    with pytest.raises(ConcurrentEdit), db.write() as s:
        undo(s, seed.lead, done, NOW + M)
    with db.write() as s:
        note = add_note(s, seed.lead, ref(db, tid), "x", NOW)
    with pytest.raises(ActionRefused), db.write() as s:
        undo(s, seed.lead, note, NOW)


def test_edit_from_another_workstation_gives_concurrent_edit(seeded, other_workstation) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    tid = seed.tickets["ok"]
    seen = ref(db, tid)  # what my board shows
    with other_workstation.write() as s:  # a colleague reassigns it meanwhile
        assign(s, seed.lead, [TicketRef(tid, seen.version)], seed.agent_b, NOW)
    before = counts(db)
    with pytest.raises(ConcurrentEdit) as caught, db.write() as s:
        change_status(s, seed.lead, [seen], TicketStatus.PENDING, NOW + M)
    assert "changed on another workstation" in caught.value.user_message
    assert "nothing was saved" in caught.value.user_message
    assert counts(db) == before
    with db.read() as s:
        t = s.get(Ticket, tid)
        assert t.status == TicketStatus.NEW and t.assignee_id == seed.agent_b


def test_commit_between_read_and_write_is_caught_by_the_version(  # type: ignore[no-untyped-def]
    seeded, other_workstation, monkeypatch
) -> None:
    """The other workstation commits after my action checked the version but before it wrote.

    PostgreSQL only: on SQLite my write transaction holds the lock from BEGIN IMMEDIATE, so
    the other workstation cannot commit in between (it waits), which is the same guarantee.
    """
    db, seed = seeded
    if db.is_sqlite:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE: no commit can interleave")
    tid = seed.tickets["ok"]
    seen = ref(db, tid)
    real_record = actions.record
    fired = []

    def record_then_colleague_commits(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not fired:
            fired.append(True)
            with other_workstation.write() as s:
                assign(s, seed.lead, [TicketRef(tid, seen.version)], seed.agent_b, NOW)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(actions, "record", record_then_colleague_commits)
    before = counts(db)
    with pytest.raises(ConcurrentEdit) as caught, db.write() as s:
        change_priority(s, seed.lead, [seen], Priority.URGENT, NOW)
    assert "reloaded" in caught.value.user_message
    after = counts(db)
    assert after[0] == before[0] + 1  # only the colleague's audit row
    with db.read() as s:
        t = s.get(Ticket, tid)
        assert t.priority == Priority.NORMAL and t.assignee_id == seed.agent_b
