"""Ticket reads beyond the board: search, one ticket's detail and timeline, saved filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import ColumnElement

from db.models import Customer, Employee, Notification, Queue, SavedFilter, Ticket, TicketEvent
from db.queries.tickets import BOARD_VIEW, open_filter
from desktop.core.domain import PENDING_NOTIFICATION_STATES, TicketEventKind

_PENDING = tuple(s.value for s in PENDING_NOTIFICATION_STATES)


# Search -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchHit:
    ticket_id: int
    external_id: str | None
    subject: str
    customer_name: str
    status: str
    created_at: datetime


def search_tickets(
    session: Session, text: str, limit: int = 50, open_only: bool = False
) -> tuple[SearchHit, ...]:
    """Tickets (solved and closed too, unless ``open_only``) by id, customer, phone or subject.

    "#123" or "123" matches the ticket id or external id exactly; a value with 6 or more
    digits also matches phone numbers containing those digits; any text matches customer
    names and subjects case-insensitively. Newest first.
    """
    query = text.strip()
    if not query:
        return ()
    conditions: list[ColumnElement[bool]] = []
    bare = query.lstrip("#").strip()
    if bare.isdigit():
        if len(bare) <= 18:
            conditions.append(Ticket.id == int(bare))
        conditions.append(Ticket.external_id == bare)
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 6 and len(digits) >= len(query.replace(" ", "")) - 3:
        conditions.append(Customer.phone_e164.contains(digits, autoescape=True))
    pattern = query.lower()
    conditions.append(func.lower(Customer.name).contains(pattern, autoescape=True))
    conditions.append(func.lower(Ticket.subject).contains(pattern, autoescape=True))
    conditions.append(Ticket.external_id == query)
    stmt = (
        select(
            Ticket.id,
            Ticket.external_id,
            Ticket.subject,
            Customer.name,
            Ticket.status,
            Ticket.created_at,
        )
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(or_(*conditions))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    if open_only:
        stmt = stmt.where(open_filter())
    return tuple(SearchHit(r[0], r[1], r[2], r[3], str(r[4]), r[5]) for r in session.execute(stmt))


# Detail and timeline ------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerDetail:
    customer_id: int
    name: str
    phone_e164: str | None
    email: str | None
    timezone: str | None
    language: str
    preferred_channel: str
    sms_opt_out: bool
    sms_opt_out_at: datetime | None


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a ticket's history.

    ``kind`` is a ``TicketEventKind`` value; notifications carry their outbox ``state`` (with
    the provider's error, if any) so the timeline shows whether the customer got the message.
    """

    at: datetime
    kind: str
    actor: str | None
    body: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    notification_id: int | None = None
    notification_kind: str | None = None
    state: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class TicketDetail:
    ticket_id: int
    version: int
    external_id: str | None
    subject: str
    priority: str
    status: str
    queue: str
    assignee_id: int | None
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    last_heard_at: datetime | None
    last_customer_message_at: datetime | None
    longest_silence_seconds: float | None
    frt_target_minutes: int | None
    resolution_target_minutes: int | None
    contact_count: int
    customer: CustomerDetail
    timeline: tuple[TimelineEntry, ...] = field(default_factory=tuple)
    next_notification_at: datetime | None = None


def ticket_detail(session: Session, ticket_id: int) -> TicketDetail | None:
    """One ticket with its customer and full timeline (events and notifications), or None."""
    assignee = aliased(Employee)
    row = session.execute(
        select(Ticket, Customer, Queue.name, assignee.full_name)
        .join(Customer, Customer.id == Ticket.customer_id)
        .join(Queue, Queue.id == Ticket.queue_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .where(Ticket.id == ticket_id)
    ).first()
    if row is None:
        return None
    t, c, queue_name, assignee_name = row
    timeline = ticket_timeline(session, ticket_id)
    pending = [e.at for e in timeline if e.notification_id is not None and e.state in _PENDING]
    return TicketDetail(
        ticket_id=t.id,
        version=t.version,
        external_id=t.external_id,
        subject=t.subject,
        priority=str(t.priority),
        status=str(t.status),
        queue=queue_name,
        assignee_id=t.assignee_id,
        assignee=assignee_name,
        created_at=t.created_at,
        updated_at=t.updated_at,
        first_response_at=t.first_response_at,
        solved_at=t.solved_at,
        last_heard_at=t.last_heard_at,
        last_customer_message_at=t.last_customer_message_at,
        longest_silence_seconds=t.longest_silence_seconds,
        frt_target_minutes=t.frt_target_minutes,
        resolution_target_minutes=t.resolution_target_minutes,
        contact_count=t.contact_count,
        customer=CustomerDetail(
            c.id,
            c.name,
            c.phone_e164,
            c.email,
            c.timezone,
            c.language,
            c.preferred_channel,
            bool(c.sms_opt_out),
            c.sms_opt_out_at,
        ),
        timeline=timeline,
        next_notification_at=min(pending) if pending else None,
    )


def ticket_timeline(session: Session, ticket_id: int) -> tuple[TimelineEntry, ...]:
    """Events and notifications of one ticket, oldest first.

    A notification appears once, at the time it was sent (or is due), with its current state;
    a timeline event that merely records a notification is folded into it.
    """
    actor = aliased(Employee)
    entries: list[TimelineEntry] = []
    events = session.execute(
        select(
            TicketEvent.at,
            TicketEvent.kind,
            actor.full_name,
            TicketEvent.body,
            TicketEvent.old_value,
            TicketEvent.new_value,
            TicketEvent.notification_id,
        )
        .outerjoin(actor, actor.id == TicketEvent.actor_id)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.at, TicketEvent.id)
    ).all()
    notifications = {
        n.id: n
        for n in session.scalars(
            select(Notification)
            .where(Notification.ticket_id == ticket_id)
            .order_by(Notification.created_at, Notification.id)
        )
    }
    names = _owner_names(session, events)
    folded: set[int] = set()
    for at, kind, who, body, old, new, notification_id in events:
        if kind == TicketEventKind.OWNER_CHANGE:
            # Owner changes store employee ids; the timeline shows who.
            old = names.get(old or "", old) if old else None
            new = names.get(new or "", new) if new else None
        note = notifications.get(notification_id) if notification_id is not None else None
        if note is not None:
            folded.add(note.id)
            entries.append(_notification_entry(note, body, who))
        else:
            entries.append(TimelineEntry(at, str(kind), who, body, old, new, notification_id))
    for note in notifications.values():
        if note.id not in folded:
            entries.append(_notification_entry(note, None, None))
    entries.sort(key=lambda e: e.at)
    return tuple(entries)


def _owner_names(session: Session, events: list[Any]) -> dict[str, str]:
    ids = {
        int(value)
        for _at, kind, _who, _body, old, new, _n in events
        if kind == TicketEventKind.OWNER_CHANGE
        for value in (old, new)
        if value and str(value).isdigit()
    }
    if not ids:
        return {}
    rows = session.execute(select(Employee.id, Employee.full_name).where(Employee.id.in_(ids)))
    return {str(eid): name for eid, name in rows}


def _notification_entry(note: Notification, body: str | None, who: str | None) -> TimelineEntry:
    error = None
    if note.error_code or note.error_message:
        error = " ".join(p for p in (note.error_code, note.error_message) if p)
    return TimelineEntry(
        at=note.sent_at or note.due_at,
        kind=TicketEventKind.NOTIFICATION.value,
        actor=who or note.reason,
        body=note.body or body,
        notification_id=note.id,
        notification_kind=note.kind,
        state=str(note.state),
        error=error,
    )


# Saved filters ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SavedFilterRow:
    filter_id: int
    name: str
    definition: dict[str, Any]


def saved_filters(
    session: Session, employee_id: int | None, view: str = BOARD_VIEW
) -> tuple[SavedFilterRow, ...]:
    """The employee's saved filters for ``view``, by name (none for an unknown user)."""
    if employee_id is None:
        return ()
    rows = session.execute(
        select(SavedFilter.id, SavedFilter.name, SavedFilter.definition)
        .where(and_(SavedFilter.employee_id == employee_id, SavedFilter.view == view))
        .order_by(func.lower(SavedFilter.name))
    )
    return tuple(SavedFilterRow(r[0], r[1], dict(r[2] or {})) for r in rows)
