"""Read queries of the notifications view: outbox and history, today's figures, silence
against the policy limit, who holds the dispatcher, and a message's rendered text.

Everything aggregates in SQL and returns frozen dataclasses; phone numbers leave here masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from db.models import AppMeta, Customer, Notification, ServiceLease, Ticket
from db.queries.notification_settings import load_policy_book
from db.queries.notification_text import (
    MissingTemplate,
    load_message_contexts,
    load_templates,
    render_message,
)
from db.queries.sqltime import count_where, seconds_between
from db.types import UTCDateTime
from desktop.core.domain import (
    OPEN_STATUSES,
    PENDING_NOTIFICATION_STATES,
    NotificationState,
    Priority,
)
from desktop.core.notification_policy import NotificationPolicy
from desktop.core.privacy import mask_phone
from desktop.core.sms_text import SegmentInfo, TemplateError, sms_segments

LEASE_NAME = "notifications.dispatcher"
MODE_KEY = "notifications.mode"
PAUSE_UNTIL_KEY = "notifications.paused_until"
PAUSE_REASON_KEY = "notifications.pause_reason"
ACTIVE_STATES = (*PENDING_NOTIFICATION_STATES, NotificationState.SENDING)
#: Failure codes in words, for "failed by reason".
FAILURE_LABELS = {
    "21610": "unsubscribed (STOP)",
    "21211": "invalid number",
    "21614": "not a mobile number",
    "21408": "region not enabled",
    "30003": "handset unreachable",
    "30005": "unknown handset",
    "30006": "landline or unreachable carrier",
    "30007": "carrier filtered",
    "30008": "unknown carrier error",
    "63038": "daily limit reached",
    "20429": "rate limited",
}


@dataclass(frozen=True)
class OutboxRow:
    """One outbox or history row as the table shows it."""

    notification_id: int
    ticket_id: int
    customer_name: str
    phone_masked: str
    kind: str
    state: str
    due_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    attempts: int
    error_code: str | None
    reason: str | None
    provider_status: str | None
    updated_at: datetime


@dataclass(frozen=True)
class OutboxFilter:
    """What the table shows: states (empty = all), a search text, a row limit."""

    states: tuple[str, ...] = ()
    search: str = ""
    limit: int = 500


def _row_columns():  # type: ignore[no-untyped-def]
    return (
        Notification.id,
        Notification.ticket_id,
        Customer.name,
        func.coalesce(Notification.to_address, Customer.phone_e164),
        Notification.kind,
        Notification.state,
        Notification.due_at,
        Notification.sent_at,
        Notification.delivered_at,
        Notification.attempts,
        Notification.error_code,
        Notification.reason,
        Notification.provider_status,
        Notification.updated_at,
    )


def _to_row(r) -> OutboxRow:  # type: ignore[no-untyped-def]
    return OutboxRow(
        r[0],
        r[1],
        r[2],
        mask_phone(r[3]),
        r[4],
        str(r[5]),
        r[6],
        r[7],
        r[8],
        int(r[9] or 0),
        r[10],
        r[11],
        r[12],
        r[13],
    )


def _search_condition(text: str):  # type: ignore[no-untyped-def]
    """Ticket number, customer name, phone digits, message text or reason."""
    needle = text.strip()
    if not needle:
        return None
    like = f"%{needle}%"
    options = [
        Customer.name.ilike(like),
        Notification.body.ilike(like),
        Notification.reason.ilike(like),
        Notification.kind.ilike(like),
    ]
    digits = "".join(ch for ch in needle if ch.isdigit())
    if digits and len(digits) == len(needle.lstrip("#+")):
        options.append(Notification.ticket_id == int(digits))
        if len(digits) >= 4:
            options.append(Notification.to_address.like(f"%{digits}%"))
    return or_(*options)


def outbox_rows(session: Session, flt: OutboxFilter) -> tuple[OutboxRow, ...]:
    """Rows for the table: what is queued (soonest first), then history (newest first)."""
    base = select(*_row_columns()).join(Customer, Customer.id == Notification.customer_id)
    condition = _search_condition(flt.search)
    if condition is not None:
        base = base.where(condition)
    if flt.states:
        base = base.where(Notification.state.in_(flt.states))
    queued = base.where(Notification.state.in_(ACTIVE_STATES)).order_by(
        Notification.due_at, Notification.id
    )
    # Newest rows first, by primary key: an index the database always has, at any size.
    history = base.where(Notification.state.not_in(ACTIVE_STATES)).order_by(Notification.id.desc())
    rows = [_to_row(r) for r in session.execute(queued.limit(flt.limit))]
    remaining = flt.limit - len(rows)
    if remaining > 0:
        rows += [_to_row(r) for r in session.execute(history.limit(remaining))]
    return tuple(rows)


def ticket_notifications(session: Session, ticket_id: int) -> tuple[OutboxRow, ...]:
    """Every message of one ticket, oldest first (the ticket timeline's history)."""
    stmt = (
        select(*_row_columns())
        .join(Customer, Customer.id == Notification.customer_id)
        .where(Notification.ticket_id == ticket_id)
        .order_by(Notification.created_at, Notification.id)
    )
    return tuple(_to_row(r) for r in session.execute(stmt))


@dataclass(frozen=True)
class TodayFigures:
    """Today's notification figures (from ``day_start``, the workstation's local midnight).

    Attributes:
        delivered_ratio: delivered / messages sent today whose status is final (0-1), None
            when none is final yet.
        failed_by_reason: (label, count), most frequent first.
        queued / deferred / sending: the outbox right now.
    """

    sent: int
    delivered: int
    in_transit: int
    delivered_ratio: float | None
    failed: int
    failed_by_reason: tuple[tuple[str, int], ...]
    opt_outs: int
    queued: int
    deferred: int
    sending: int


def failure_label(code: str | None, reason: str | None) -> str:
    """A failure's cause in words."""
    if code in FAILURE_LABELS:
        return FAILURE_LABELS[code]
    if reason and reason.startswith("template problem"):
        return "template problem"
    if reason and "gave up" in reason:
        return "gave up after retries"
    return f"error {code}" if code else "other"


def today_figures(session: Session, day_start: datetime, now: datetime) -> TodayFigures:
    """Sent, delivered %, failed by reason and opt-outs since ``day_start``."""
    state = Notification.state
    sent_today = and_(Notification.sent_at >= day_start, Notification.sent_at <= now)
    totals = session.execute(
        select(
            count_where(sent_today),
            count_where(and_(sent_today, state == NotificationState.DELIVERED)),
            count_where(and_(sent_today, state == NotificationState.SENT)),
            count_where(state == NotificationState.SCHEDULED),
            count_where(state == NotificationState.DEFERRED),
            count_where(state == NotificationState.SENDING),
        )
    ).one()
    sent, delivered, in_transit, queued, deferred, sending = (int(v or 0) for v in totals)
    failures = session.execute(
        select(Notification.error_code, Notification.reason, func.count())
        .where(state == NotificationState.FAILED, Notification.updated_at >= day_start)
        .group_by(Notification.error_code, Notification.reason)
    ).all()
    by_label: dict[str, int] = {}
    for code, reason, n in failures:
        label = failure_label(code, reason)
        by_label[label] = by_label.get(label, 0) + int(n)
    opt_outs = session.scalar(select(func.count()).where(Customer.sms_opt_out_at >= day_start)) or 0
    final = sent - in_transit
    return TodayFigures(
        sent=sent,
        delivered=delivered,
        in_transit=in_transit,
        delivered_ratio=delivered / final if final > 0 else None,
        failed=sum(by_label.values()),
        failed_by_reason=tuple(sorted(by_label.items(), key=lambda kv: (-kv[1], kv[0]))),
        opt_outs=int(opt_outs),
        queued=queued,
        deferred=deferred,
        sending=sending,
    )


# Silence buckets as fractions of the priority's limit: [low, high).
SILENCE_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("< 25 %", 0.0, 0.25),
    ("25–50 %", 0.25, 0.5),
    ("50–75 %", 0.5, 0.75),
    ("75–100 %", 0.75, 1.0),
    ("over limit", 1.0, float("inf")),
)


@dataclass(frozen=True)
class SilenceDistribution:
    """Open tickets by current silence relative to the policy's limit for their priority.

    Attributes:
        counts: per bucket of ``SILENCE_BUCKETS``, per priority (priority -> count).
        no_limit: open tickets whose priority has no still-working interval.
        limits_h: the limit per priority, in hours.
    """

    counts: tuple[dict[str, int], ...]
    no_limit: int
    limits_h: dict[str, float]

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(bucket.values()) for bucket in self.counts)


def silence_vs_limit(
    session: Session, now: datetime, policy: NotificationPolicy
) -> SilenceDistribution:
    """Bucket every open ticket's silence (now - last heard, else created) by its limit."""
    limits = {p.value: policy.still_working_hours.get(p.value) for p in Priority}
    known = {k: v for k, v in limits.items() if v}
    silence = seconds_between(
        func.coalesce(Ticket.last_heard_at, Ticket.created_at), literal(now, UTCDateTime())
    )
    limit_s = case(
        *((Ticket.priority == p, literal(float(h) * 3600.0)) for p, h in known.items()),
        else_=literal(None, Float),
    )
    fraction = silence / limit_s
    bucket = case(
        (limit_s.is_(None), literal(-1)),
        *((fraction < high, literal(i)) for i, (_, _, high) in enumerate(SILENCE_BUCKETS[:-1])),
        else_=literal(len(SILENCE_BUCKETS) - 1),
    )
    per_ticket = (
        select(bucket.label("bucket"), Ticket.priority.label("priority"))
        .where(Ticket.status.in_([s.value for s in OPEN_STATUSES]))
        .subquery()
    )
    # Grouped outside: PostgreSQL cannot match a CASE full of bound literals to its GROUP BY.
    rows = session.execute(
        select(per_ticket.c.bucket, per_ticket.c.priority, func.count()).group_by(
            per_ticket.c.bucket, per_ticket.c.priority
        )
    ).all()
    counts: list[dict[str, int]] = [{} for _ in SILENCE_BUCKETS]
    no_limit = 0
    for index, priority, n in rows:
        if index is None or int(index) < 0:
            no_limit += int(n)
        else:
            counts[int(index)][str(priority)] = int(n)
    return SilenceDistribution(tuple(counts), no_limit, {k: float(v) for k, v in known.items()})


@dataclass(frozen=True)
class DispatcherStatus:
    """Who sends, in which mode, and whether sending is paused."""

    holder: str | None
    since: datetime | None
    heartbeat_at: datetime | None
    alive: bool
    record_only: bool
    mode_detail: str | None
    paused_until: datetime | None
    pause_reason: str | None


def dispatcher_status(session: Session, now: datetime) -> DispatcherStatus:
    """The lease row and the dispatcher's stored mode and pause."""
    lease = session.get(ServiceLease, LEASE_NAME)
    meta = {
        row.key: row.value
        for row in session.scalars(
            select(AppMeta).where(AppMeta.key.in_([MODE_KEY, PAUSE_UNTIL_KEY, PAUSE_REASON_KEY]))
        )
    }
    mode = meta.get(MODE_KEY, "")
    paused_until = None
    if meta.get(PAUSE_UNTIL_KEY):
        try:
            paused_until = datetime.fromisoformat(meta[PAUSE_UNTIL_KEY])
        except ValueError:
            paused_until = None
    if paused_until is not None and paused_until <= now:
        paused_until = None
    return DispatcherStatus(
        holder=lease.holder.rsplit(" #", 1)[0] if lease else None,
        since=lease.acquired_at if lease else None,
        heartbeat_at=lease.heartbeat_at if lease else None,
        alive=bool(lease and lease.expires_at > now),
        record_only=mode.startswith("record_only"),
        mode_detail=mode.split(": ", 1)[1] if ": " in mode else None,
        paused_until=paused_until,
        pause_reason=meta.get(PAUSE_REASON_KEY) if paused_until else None,
    )


@dataclass(frozen=True)
class MessagePreview:
    """A message's text as sent (or as it would be sent now), with its SMS cost."""

    notification_id: int
    text: str | None
    rendered_now: bool
    segments: SegmentInfo | None
    problem: str | None
    error_message: str | None


def message_preview(session: Session, notification_id: int) -> MessagePreview | None:
    """The stored body, else the text rendered from the current templates and values."""
    row = session.execute(
        select(
            Notification.ticket_id,
            Notification.kind,
            Notification.body,
            Notification.error_message,
            Ticket.queue_id,
        )
        .join(Ticket, Ticket.id == Notification.ticket_id)
        .where(Notification.id == notification_id)
    ).first()
    if row is None:
        return None
    ticket_id, kind, body, error_message, queue_id = row
    if body:
        return MessagePreview(notification_id, body, False, sms_segments(body), None, error_message)
    contexts = load_message_contexts(session, [ticket_id])
    company = load_policy_book(session).for_queue(queue_id).company
    try:
        text = render_message(load_templates(session), contexts[ticket_id], kind, company)
    except (MissingTemplate, TemplateError, KeyError) as exc:
        return MessagePreview(notification_id, None, True, None, str(exc), error_message)
    return MessagePreview(notification_id, text, True, sms_segments(text), None, error_message)
