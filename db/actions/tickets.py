"""Ticket actions: assign, status, priority, note, reply, "send a status update now".

Each action runs in the caller's write transaction, checks the version the user saw (optimistic
locking: a conflicting edit from another workstation raises ``ConcurrentEdit`` and nothing is
written), writes the ticket timeline event and the audit row, and returns what is needed to
undo it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.audit import record
from db.errors import ConcurrentEdit
from db.models import Customer, Employee, Notification, Ticket, TicketEvent
from desktop.core.domain import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    NotificationState,
    Priority,
    TicketEventKind,
    TicketStatus,
)
from desktop.core.identity import Actor

# Default SLA targets per priority, in minutes (first response, resolution); the demo data
# uses the same figures. A ticket whose targets are these defaults follows a priority change.
DEFAULT_TARGETS: dict[Priority, tuple[int, int]] = {
    Priority.LOW: (1440, 10080),
    Priority.NORMAL: (480, 4320),
    Priority.HIGH: (240, 1440),
    Priority.URGENT: (60, 480),
}


class ActionRefused(ValueError):
    """The action is not allowed (e.g. a status transition); the message says why."""


@dataclass(frozen=True)
class TicketRef:
    """A ticket as the user saw it: id and the version their view showed."""

    ticket_id: int
    version: int


@dataclass(frozen=True)
class ActionResult:
    """What changed, with the new versions and the values to restore on undo.

    Attributes:
        skipped: (ticket id, reason) of tickets a bulk action left alone, e.g. a status update
            for a customer who opted out of SMS.
    """

    action: str
    refs: tuple[TicketRef, ...]
    previous: dict[int, str | None]
    undoable: bool = True
    skipped: tuple[tuple[int, str], ...] = ()

    @property
    def count(self) -> int:
        """How many tickets the action changed."""
        return len(self.refs)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _load(session: Session, refs: Sequence[TicketRef]) -> list[Ticket]:
    """Load the tickets and check each still has the version the user saw."""
    ids = [r.ticket_id for r in refs]
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    for ref in refs:
        ticket = tickets.get(ref.ticket_id)
        if ticket is None:
            raise ConcurrentEdit(f"Ticket #{ref.ticket_id} no longer exists.")
        if ticket.version != ref.version:
            raise ConcurrentEdit(
                f"Ticket #{ref.ticket_id} was changed on another workstation since you opened "
                "it; nothing was saved and the view has been refreshed."
            )
    return [tickets[i] for i in ids]


def _event(
    session: Session,
    ticket: Ticket,
    kind: TicketEventKind,
    actor: Actor,
    at: datetime,
    body: str | None = None,
    old: str | None = None,
    new: str | None = None,
) -> None:
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind=kind,
            actor_id=actor.employee_id,
            at=at,
            body=body,
            old_value=old,
            new_value=new,
        )
    )


def _finish(
    session: Session,
    action: str,
    tickets: list[Ticket],
    previous: dict[int, str | None],
    undoable: bool = True,
) -> ActionResult:
    session.flush()  # bumps the versions; a concurrent writer's stale update fails here
    refs = tuple(TicketRef(t.id, t.version) for t in tickets)
    return ActionResult(action, refs, previous, undoable)


def assign(
    session: Session,
    actor: Actor,
    refs: Sequence[TicketRef],
    assignee_id: int | None,
    now: datetime | None = None,
) -> ActionResult:
    """Assign (or with None, unassign) tickets."""
    at = _now(now)
    new_name = None
    if assignee_id is not None:
        employee = session.get(Employee, assignee_id)
        if employee is None or not employee.active:
            raise ActionRefused("That employee does not exist or is no longer active.")
        new_name = employee.full_name
    tickets = _load(session, refs)
    previous: dict[int, str | None] = {}
    for t in tickets:
        previous[t.id] = str(t.assignee_id) if t.assignee_id is not None else None
        if t.assignee_id == assignee_id:
            continue
        record(
            session,
            actor,
            "ticket.assign",
            "ticket",
            t.id,
            {"assignee_id": t.assignee_id},
            {"assignee_id": assignee_id},
            at,
        )
        _event(
            session,
            t,
            TicketEventKind.OWNER_CHANGE,
            actor,
            at,
            old=previous[t.id],
            new=str(assignee_id) if assignee_id else None,
            body=f"Assigned to {new_name}" if new_name else "Unassigned",
        )
        t.assignee_id = assignee_id
        t.updated_at = at
    return _finish(session, "assign", tickets, previous)


def change_status(
    session: Session,
    actor: Actor,
    refs: Sequence[TicketRef],
    status: TicketStatus,
    now: datetime | None = None,
    enforce_transitions: bool = True,
) -> ActionResult:
    """Move tickets to ``status`` along the allowed transitions."""
    at = _now(now)
    tickets = _load(session, refs)
    previous: dict[int, str | None] = {}
    for t in tickets:
        previous[t.id] = t.status.value
        if t.status == status:
            continue
        if enforce_transitions and status not in ALLOWED_TRANSITIONS[t.status]:
            raise ActionRefused(
                f"Ticket #{t.id} cannot go from {t.status.value.replace('_', ' ')} to "
                f"{status.value.replace('_', ' ')}."
            )
        record(
            session,
            actor,
            "ticket.status",
            "ticket",
            t.id,
            {"status": t.status},
            {"status": status},
            at,
        )
        _event(
            session,
            t,
            TicketEventKind.STATUS_CHANGE,
            actor,
            at,
            old=t.status.value,
            new=status.value,
        )
        if status == TicketStatus.SOLVED:
            t.solved_at = at
        elif status in OPEN_STATUSES and t.status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
            t.solved_at = None  # re-opened: resolution runs until the last solve
        t.status = status
        t.updated_at = at
    return _finish(session, "status", tickets, previous)


def change_priority(
    session: Session,
    actor: Actor,
    refs: Sequence[TicketRef],
    priority: Priority,
    now: datetime | None = None,
) -> ActionResult:
    """Change tickets' priority.

    The SLA targets follow the new priority's defaults when they were the old priority's
    defaults (or unset); targets set by hand or by an import are kept.
    """
    at = _now(now)
    tickets = _load(session, refs)
    previous: dict[int, str | None] = {}
    for t in tickets:
        previous[t.id] = t.priority.value
        if t.priority == priority:
            continue
        record(
            session,
            actor,
            "ticket.priority",
            "ticket",
            t.id,
            {"priority": t.priority},
            {"priority": priority},
            at,
        )
        _event(
            session,
            t,
            TicketEventKind.PRIORITY_CHANGE,
            actor,
            at,
            old=t.priority.value,
            new=priority.value,
        )
        if (t.frt_target_minutes, t.resolution_target_minutes) in (
            DEFAULT_TARGETS[t.priority],
            (None, None),
        ):
            t.frt_target_minutes, t.resolution_target_minutes = DEFAULT_TARGETS[priority]
        t.priority = priority
        t.updated_at = at
    return _finish(session, "priority", tickets, previous)


def add_note(
    session: Session, actor: Actor, ref: TicketRef, body: str, now: datetime | None = None
) -> ActionResult:
    """An internal note: on the timeline, invisible to the customer, clocks untouched."""
    if not body.strip():
        raise ActionRefused("A note cannot be empty.")
    at = _now(now)
    (t,) = _load(session, [ref])
    _event(session, t, TicketEventKind.INTERNAL_NOTE, actor, at, body=body.strip())
    record(session, actor, "ticket.note", "ticket", t.id, None, {"length": len(body)}, at)
    t.updated_at = at
    return _finish(session, "note", [t], {t.id: None}, undoable=False)


def log_reply(
    session: Session, actor: Actor, ref: TicketRef, body: str, now: datetime | None = None
) -> ActionResult:
    """A public reply: stops the first-response clock and resets silence."""
    if not body.strip():
        raise ActionRefused("A reply cannot be empty.")
    at = _now(now)
    (t,) = _load(session, [ref])
    _heard(t, at)
    if t.first_response_at is None:
        t.first_response_at = at
    if t.status == TicketStatus.NEW:
        t.status = TicketStatus.OPEN
    _event(session, t, TicketEventKind.PUBLIC_REPLY, actor, at, body=body.strip())
    record(session, actor, "ticket.reply", "ticket", t.id, None, {"length": len(body)}, at)
    t.updated_at = at
    return _finish(session, "reply", [t], {t.id: None}, undoable=False)


def _heard(ticket: Ticket, at: datetime) -> None:
    """The customer hears from us at ``at``: close the current silence gap."""
    last = ticket.last_heard_at or ticket.created_at
    gap = max(0.0, (at - last).total_seconds())
    ticket.longest_silence_seconds = max(ticket.longest_silence_seconds or 0.0, gap)
    ticket.last_heard_at = at


def queue_status_update(
    session: Session, actor: Actor, ref: TicketRef, now: datetime | None = None
) -> ActionResult:
    """ "Send a status update now": an outbox row due immediately; the dispatcher sends it."""
    at = _now(now)
    (t,) = _load(session, [ref])
    customer = session.get(Customer, t.customer_id)
    if customer is None:
        raise ActionRefused(f"Ticket #{t.id} has no customer to notify.")
    if customer.sms_opt_out:
        raise ActionRefused(f"{customer.name} has opted out of SMS; no message was queued.")
    if not customer.phone_e164:
        raise ActionRefused(f"{customer.name} has no mobile number on file.")
    session.add(
        Notification(
            ticket_id=t.id,
            customer_id=customer.id,
            kind="manual_update",
            channel="sms",
            dedupe_key=f"{t.id}:manual_update:{at.isoformat()}",
            to_address=customer.phone_e164,
            due_at=at,
            original_due_at=at,
            state=NotificationState.SCHEDULED,
            reason=f"requested by {actor.full_name}",
            created_at=at,
            updated_at=at,
        )
    )
    record(session, actor, "ticket.status_update", "ticket", t.id, None, {"due_at": at}, at)
    t.updated_at = at
    return _finish(session, "status_update", [t], {t.id: None}, undoable=False)


def add_notes(
    session: Session,
    actor: Actor,
    refs: Sequence[TicketRef],
    body: str,
    now: datetime | None = None,
) -> ActionResult:
    """The same internal note on several tickets, in one transaction."""
    return _each(session, "note", refs, lambda ref: add_note(session, actor, ref, body, now))


def log_replies(
    session: Session,
    actor: Actor,
    refs: Sequence[TicketRef],
    body: str,
    now: datetime | None = None,
) -> ActionResult:
    """The same public reply logged on several tickets, in one transaction."""
    return _each(session, "reply", refs, lambda ref: log_reply(session, actor, ref, body, now))


def queue_status_updates(
    session: Session, actor: Actor, refs: Sequence[TicketRef], now: datetime | None = None
) -> ActionResult:
    """ "Send a status update now" for several tickets.

    Customers who opted out of SMS or have no mobile number are skipped and listed in
    ``skipped``; the others are queued in one transaction. Only when every ticket is skipped
    is the action refused.
    """
    queued: list[TicketRef] = []
    skipped: list[tuple[int, str]] = []
    for ref in refs:
        try:
            # A refusal comes before anything is added, so nothing needs rolling back.
            queued.extend(queue_status_update(session, actor, ref, now).refs)
        except ActionRefused as exc:
            skipped.append((ref.ticket_id, str(exc)))
    if not queued:
        raise ActionRefused(
            skipped[0][1]
            if len(skipped) == 1
            else f"No status update was queued: {len(skipped)} "
            "customers opted out of SMS or have no mobile number."
        )
    return ActionResult("status_update", tuple(queued), {}, False, tuple(skipped))


def _each(
    session: Session,
    action: str,
    refs: Sequence[TicketRef],
    one: Callable[[TicketRef], ActionResult],
) -> ActionResult:
    out: list[TicketRef] = []
    for ref in refs:
        out.extend(one(ref).refs)
    return ActionResult(action, tuple(out), {r.ticket_id: None for r in out}, undoable=False)


UNDOABLE = {"assign", "status", "priority"}


def undo(
    session: Session, actor: Actor, result: ActionResult, now: datetime | None = None
) -> ActionResult:
    """Undo an assign, status or priority change, if nobody changed the tickets since."""
    if result.action not in UNDOABLE or not result.undoable:
        raise ActionRefused("That action cannot be undone.")
    out: list[TicketRef] = []
    for ref in result.refs:
        old = result.previous.get(ref.ticket_id)
        if result.action == "assign":
            r = assign(session, actor, [ref], int(old) if old else None, now)
        elif result.action == "status":
            r = change_status(
                session, actor, [ref], TicketStatus(old), now, enforce_transitions=False
            )
        else:
            r = change_priority(session, actor, [ref], Priority(old), now)
        out.extend(r.refs)
    return ActionResult(f"undo {result.action}", tuple(out), {}, undoable=False)
