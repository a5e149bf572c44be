"""What the policy needs to know about tickets, read in bulk with a few aggregate queries.

The scheduler reads every open (and recently solved) ticket at once; the dispatcher reads the
tickets of the rows it claims. Both get ``TicketInfo`` objects that build the pure
``TicketFacts`` of desktop/core/notification_policy.py.

The silence clock: ``tickets.last_heard_at`` is the last time the customer heard from us (an
agent's public reply or a status message); ``last_notified_at`` comes from the outbox (sent
or delivered rows), so a reply is told apart from a message by comparing the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Select, String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.models import Customer, Notification, Queue, Ticket, TicketEvent
from db.queries.notification_ids import among, customers_of
from desktop.core.domain import (
    OPEN_STATUSES,
    PENDING_NOTIFICATION_STATES,
    NotificationState,
    TicketEventKind,
)
from desktop.core.notification_policy import NotificationKind, TicketFacts
from desktop.core.quiet_hours import resolve_zones

#: Solved tickets stay candidates this long, for their "solved" message.
RECENTLY_CLOSED = timedelta(days=3)
_SENT_STATES = (NotificationState.SENT, NotificationState.DELIVERED)
#: Rows that count as "a message is coming" (a claimed one is being sent right now).
ACTIVE_STATES = (*PENDING_NOTIFICATION_STATES, NotificationState.SENDING)
_ACTIVE_VALUES = frozenset(state.value for state in ACTIVE_STATES)
_HEARD_TOLERANCE = timedelta(seconds=1)
_KINDS = {kind.value: kind for kind in NotificationKind}
_NO_KINDS: frozenset[NotificationKind] = frozenset()
_CHUNK = 500


@dataclass(slots=True)
class OutboxEntry:
    """An active outbox row of a ticket (scheduled, deferred or being sent)."""

    notification_id: int
    kind: str
    state: str
    original_due_at: datetime
    due_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class TicketInfo:
    """One ticket with its customer, queue and outbox summary."""

    ticket_id: int
    queue_id: int
    customer_id: int
    status: str
    priority: str
    created_at: datetime
    first_response_at: datetime | None
    last_heard_at: datetime | None
    phone: str | None
    customer_tz: str | None
    queue_tz: str | None
    language: str
    preferred_channel: str | None
    opted_out: bool
    updated_at: datetime | None = None
    opted_out_at: datetime | None = None
    last_status_change_at: datetime | None = None
    last_notified_at: datetime | None = None
    recent_sent: list[datetime] = field(default_factory=list)
    active: list[OutboxEntry] = field(default_factory=list)

    @property
    def changed_at(self) -> datetime | None:
        """The latest change that could make a queued message obsolete: an edit of the
        ticket (status, priority, reply all touch it), the customer heard from us, a status
        change, an opt-out."""
        moments = [
            m
            for m in (
                self.updated_at,
                self.last_heard_at,
                self.last_status_change_at,
                self.last_notified_at,
                self.opted_out_at,
            )
            if m is not None
        ]
        return max(moments) if moments else None

    @property
    def is_open(self) -> bool:
        return self.status in _OPEN_VALUES

    def zones(self) -> tuple:  # type: ignore[type-arg]
        """Quiet-hours zones of the customer (customer record, else phone, else queue)."""
        return resolve_zones(self.customer_tz, self.phone, self.queue_tz)

    def facts(self, now: datetime, ignore: Iterable[int] = ()) -> TicketFacts:
        """The policy's view of this ticket; rows in ``ignore`` do not count as pending."""
        pending: frozenset[NotificationKind] = _NO_KINDS
        if self.active:  # most tickets have nothing queued: no sets to build for them
            skip = set(ignore)
            kinds: set[NotificationKind] = set()
            for entry in self.active:
                if entry.notification_id in skip:
                    continue
                kind = _KINDS.get(entry.kind)
                # Any other message (a manual update) also restarts the silence clock.
                kinds.add(kind if kind is not None else NotificationKind.STILL_WORKING)
            pending = frozenset(kinds)
        heard = self.last_heard_at
        notified = self.last_notified_at
        reply = (
            heard
            if heard is not None and (notified is None or heard > notified + _HEARD_TOLERANCE)
            else None
        )
        change = (
            (self.status, self.last_status_change_at)
            if self.last_status_change_at is not None
            else None
        )
        return TicketFacts(
            ticket_id=self.ticket_id,
            status=self.status,
            priority=self.priority,
            created_at=self.created_at,
            first_response_at=self.first_response_at,
            last_agent_reply_at=reply,
            last_notified_at=notified,
            last_status_change=change,
            phone_e164=self.phone,
            customer_tz=self.customer_tz,
            queue_tz=self.queue_tz,
            language=self.language,
            preferred_channel=self.preferred_channel,
            sms_opted_out=self.opted_out,
            sent_today_for_ticket=self._sent_today(now),
            pending_kinds=pending,
        )

    def _sent_today(self, now: datetime) -> int:
        if not self.recent_sent:
            return 0
        zone = self.zones()[0]
        local = now.astimezone(zone)
        start = datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
        return sum(1 for sent in self.recent_sent if start <= sent < end.astimezone(UTC))


_OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)


def candidate_condition(now: datetime) -> ColumnElement[bool]:
    """Tickets the scheduler evaluates: open ones and those solved in the last few days."""
    return or_(
        Ticket.status.in_([s.value for s in OPEN_STATUSES]),
        Ticket.solved_at >= now - RECENTLY_CLOSED,
    )


def _ticket_query() -> Select:  # type: ignore[type-arg]
    return (
        select(
            Ticket.id,
            Ticket.queue_id,
            Ticket.customer_id,
            # Plain strings: skipping the enum conversion matters at 100,000 rows.
            type_coerce(Ticket.status, String),
            type_coerce(Ticket.priority, String),
            Ticket.created_at,
            Ticket.first_response_at,
            Ticket.last_heard_at,
            Customer.phone_e164,
            Customer.timezone,
            Queue.timezone,
            Customer.language,
            Customer.preferred_channel,
            Customer.sms_opt_out,
            Ticket.updated_at,
            Customer.sms_opt_out_at,
        )
        .join(Customer, Customer.id == Ticket.customer_id)
        .join(Queue, Queue.id == Ticket.queue_id)
    )


def _info(row: Sequence) -> TicketInfo:  # type: ignore[type-arg]
    return TicketInfo(
        row[0],
        row[1],
        row[2],
        str(row[3]),
        str(row[4]),
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11] or "en",
        row[12],
        bool(row[13]),
        row[14],
        row[15],
    )


def load_ticket_infos(
    session: Session, now: datetime, ticket_ids: Iterable[int] | None = None
) -> dict[int, TicketInfo]:
    """Ticket, customer, queue and outbox facts, keyed by ticket id.

    Args:
        session: any session.
        now: the current instant (the "recently solved" window and the local day).
        ticket_ids: these tickets only; None means every scheduling candidate.
    """
    infos: dict[int, TicketInfo] = {}
    if ticket_ids is None:
        cond = candidate_condition(now)
        for row in session.connection().execute(_ticket_query().where(cond)):
            infos[row[0]] = _info(row)
        scope = select(Ticket.id).where(cond).scalar_subquery()
        _add_outbox(session, infos, now, lambda col: col.in_(scope))
        return infos
    ids = sorted(set(ticket_ids))
    dialect = session.connection().dialect.name
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = session.connection().execute(
            _ticket_query().where(among(Ticket.id, chunk, dialect), customers_of(chunk, dialect))
        )
        for row in rows:
            infos[row[0]] = _info(row)
        _add_outbox(session, infos, now, lambda col, c=chunk: among(col, c, dialect))
    return infos


def _add_outbox(session: Session, infos: dict[int, TicketInfo], now: datetime, within) -> None:  # type: ignore[no-untyped-def]
    """Status-change times, last and recent sends, and active rows, for the tickets in scope."""
    changes = select(TicketEvent.ticket_id, func.max(TicketEvent.at)).where(
        TicketEvent.kind == TicketEventKind.STATUS_CHANGE, within(TicketEvent.ticket_id)
    )
    conn = session.connection()
    for ticket_id, at in conn.execute(changes.group_by(TicketEvent.ticket_id)):
        info = infos.get(ticket_id)
        if info is not None and at is not None:
            info.last_status_change_at = at
    sent = select(Notification.ticket_id, func.max(Notification.sent_at)).where(
        Notification.state.in_(_SENT_STATES),
        Notification.sent_at.is_not(None),
        within(Notification.ticket_id),
    )
    for ticket_id, at in conn.execute(sent.group_by(Notification.ticket_id)):
        info = infos.get(ticket_id)
        if info is not None:
            info.last_notified_at = at
    recent_cut = now - timedelta(days=2)
    rows = select(
        Notification.id,
        Notification.ticket_id,
        Notification.kind,
        type_coerce(Notification.state, String),
        Notification.original_due_at,
        Notification.due_at,
        Notification.sent_at,
        Notification.updated_at,
    ).where(
        within(Notification.ticket_id),
        or_(
            Notification.state.in_(ACTIVE_STATES),
            and_(Notification.state.in_(_SENT_STATES), Notification.sent_at >= recent_cut),
        ),
    )
    for nid, ticket_id, kind, state, original, due, sent_at, updated in conn.execute(rows):
        info = infos.get(ticket_id)
        if info is None:
            continue
        if state in _ACTIVE_VALUES:
            info.active.append(OutboxEntry(nid, kind, state, original, due, updated))
        elif sent_at is not None:
            info.recent_sent.append(sent_at)
