"""Recording what happened to each send: sent, retry later, check first, give up, opt out.

Results are written in small batches after the HTTP calls (never inside a transaction held
across them). A crash before a batch is written leaves its rows "sending" without a SID;
reconciliation asks Twilio about each before anything is resent. What a failure means comes
from the error table (a setting): retryable failures back off with full jitter up to the
attempt limit; the daily limit (63038) and bad credentials (20003) pause all sending; an
unsubscribed recipient (21610) marks the customer opted out and cancels their queued
messages; permanent and carrier-filtered failures are never retried automatically.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from db.audit import record as audit
from db.engine import Database
from db.models import AppMeta, Customer, Notification, Ticket, TicketEvent
from desktop.core.domain import PENDING_NOTIFICATION_STATES, NotificationState, TicketEventKind
from desktop.notify.outbox import Claimed, owned_update, settle
from desktop.notify.scheduler import clip, give_up_key
from desktop.notify.twilio_errors import DEFAULT_ERROR_TABLE, ErrorClass, ErrorTable, retry_delay
from desktop.notify.twilio_gateway import SendResult

log = logging.getLogger(__name__)

PAUSE_UNTIL_KEY = "notifications.paused_until"
PAUSE_REASON_KEY = "notifications.pause_reason"
MODE_KEY = "notifications.mode"
_UNKNOWN_MAX_ATTEMPTS = 3
_TOO_MANY_REQUESTS = {429, 20429}


@dataclass(frozen=True)
class RetryRules:
    """How failures turn into retries and pauses (from the policy settings)."""

    max_attempts: int = 5
    base_s: float = 30.0
    cap_s: float = 3600.0
    error_table: ErrorTable = DEFAULT_ERROR_TABLE
    reconcile_after_s: float = 1.0  # the floor; 3x the HTTP timeout applies (Dispatcher._grace)
    first_poll_s: float = 5.0
    credentials_pause_s: float = 900.0
    rand: Callable[[], float] = field(default=random.random)

    def classify(self, result: SendResult) -> ErrorClass:
        """The settings' class for a failed send (an override by code wins)."""
        if result.error_code is not None and result.error_code in self.error_table.codes:
            return self.error_table.codes[result.error_code]
        return result.error_class or ErrorClass.UNKNOWN


@dataclass(frozen=True)
class Pause:
    """All sending stops until ``until``; ``reason`` is shown to the user."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class SendOutcome:
    """One send attempt and when its answer came."""

    claimed: Claimed
    result: SendResult
    at: datetime


@dataclass
class RecordSummary:
    """What a batch of outcomes means for the dispatcher as a whole."""

    pause: Pause | None = None
    throttle: bool = False
    sent: int = 0
    failed: int = 0
    retried: int = 0
    uncertain: int = 0


def next_utc_midnight(now: datetime) -> datetime:
    """When an account's daily message limit resets (00:00 UTC), plus a minute of margin."""
    tomorrow = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 1), tzinfo=UTC)


def set_meta(session: Session, key: str, value: str | None) -> None:
    """Write (or with None, delete) an ``app_meta`` entry."""
    row = session.get(AppMeta, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(AppMeta(key=key, value=value))
    else:
        row.value = value


def save_pause(session: Session, pause: Pause | None) -> None:
    """Persist a pause so that a restarted or another dispatcher respects it too."""
    set_meta(session, PAUSE_UNTIL_KEY, pause.until.isoformat() if pause else None)
    set_meta(session, PAUSE_REASON_KEY, pause.reason if pause else None)


def load_pause(session: Session) -> Pause | None:
    """The stored pause, if any (expired ones included: the caller compares with now)."""
    until = session.get(AppMeta, PAUSE_UNTIL_KEY)
    if until is None:
        return None
    reason = session.get(AppMeta, PAUSE_REASON_KEY)
    try:
        moment = datetime.fromisoformat(until.value)
    except ValueError:
        return None
    return Pause(moment.astimezone(UTC), reason.value if reason else "sending paused")


@dataclass(frozen=True)
class Accepted:
    """A message Twilio has: the row, its SID and status, when, and whether to count a try."""

    claimed: Claimed
    sid: str
    status: str | None
    at: datetime
    count_attempt: bool = True


_EVENTS = TicketEvent.__table__
_TICKETS = Ticket.__table__
_HEARD = (
    _TICKETS.update()
    .where(_TICKETS.c.id == bindparam("p_id"))
    .values(
        last_heard_at=bindparam("v_heard"),
        longest_silence_seconds=bindparam("v_longest"),
        first_response_at=bindparam("v_first"),
    )
)


def mark_sent(session: Session, holder: str, items: Sequence[Accepted], first_poll_s: float) -> int:
    """Twilio has these messages: record them, reset the tickets' silence, add the timeline.

    A row no longer owned by ``holder`` is left alone (logged). Returns rows recorded.
    """
    keys = (
        "state",
        "provider_sid",
        "provider_status",
        "sent_at",
        "next_attempt_at",
        "error_code",
        "error_message",
        "updated_at",
    )
    by_count: dict[bool, list[dict[str, object]]] = {True: [], False: []}
    for item in items:
        by_count[item.count_attempt].append(
            {
                "p_id": item.claimed.notification_id,
                "p_state": NotificationState.SENDING,
                "p_holder": holder,
                "v_state": NotificationState.SENT,
                "v_provider_sid": item.sid,
                "v_provider_status": (item.status or "queued")[:24],
                "v_sent_at": item.at,
                "v_next_attempt_at": item.at + timedelta(seconds=first_poll_s),
                "v_error_code": None,
                "v_error_message": None,
                "v_updated_at": item.at,
            }
        )
    conn = session.connection()
    updated = 0
    for count, params in by_count.items():
        if params:  # one executemany per shape: this runs once per message sent
            stmt = owned_update(tuple(sorted(keys)), ("attempts",) if count else ())
            updated += int(conn.execute(stmt, params).rowcount or 0)
    recorded = list(items)
    if updated != len(items):  # rare: some row was no longer ours; find out which
        ids = [item.claimed.notification_id for item in items]
        mine = set(
            conn.execute(
                select(Notification.id, Notification.provider_sid).where(
                    Notification.id.in_(ids), Notification.state == NotificationState.SENT
                )
            ).all()
        )
        recorded = [i for i in items if (i.claimed.notification_id, i.sid) in mine]
        for item in items:
            if item not in recorded:
                log.error(
                    "notification %s was sent but is no longer ours to record",
                    item.claimed.notification_id,
                )
    if not recorded:
        return 0
    _customers_heard(session, recorded)
    session.connection().execute(
        _EVENTS.insert(),
        [
            {
                "ticket_id": item.claimed.ticket_id,
                "kind": TicketEventKind.NOTIFICATION,
                "actor_id": None,
                "at": item.at,
                "body": item.claimed.body,
                "old_value": None,
                "new_value": item.claimed.kind[:100],
                "notification_id": item.claimed.notification_id,
            }
            for item in recorded
        ],
    )
    return len(recorded)


def _customers_heard(session: Session, items: Sequence[Accepted]) -> None:
    """Close each ticket's silence gap (the same bookkeeping as an agent's public reply).

    A plain UPDATE, not a versioned ORM write: a message going out must not make an agent's
    open edit of the ticket fail as a conflicting change.
    """
    latest: dict[int, datetime] = {}
    for item in items:
        tid = item.claimed.ticket_id
        latest[tid] = max(item.at, latest.get(tid, item.at))
    rows = (
        session.connection()
        .execute(
            select(
                _TICKETS.c.id,
                _TICKETS.c.created_at,
                _TICKETS.c.last_heard_at,
                _TICKETS.c.longest_silence_seconds,
                _TICKETS.c.first_response_at,
            ).where(_TICKETS.c.id.in_(list(latest)))
        )
        .all()
    )
    params = []
    for tid, created, heard, longest, first in rows:
        at = latest[tid]
        if heard is not None and heard >= at:
            continue
        gap = max(0.0, (at - (heard or created)).total_seconds())
        params.append(
            {
                "p_id": tid,
                "v_heard": at,
                "v_longest": max(longest or 0.0, gap),
                "v_first": first or at,
            }
        )
    if params:
        session.connection().execute(_HEARD, params)


def opt_out_customer(session: Session, customer_id: int, at: datetime, source: str) -> int:
    """Mark the customer opted out of SMS and cancel their queued messages; returns cancelled."""
    customer = session.get(Customer, customer_id)
    if customer is not None and not customer.sms_opt_out:
        customer.sms_opt_out = True
        customer.sms_opt_out_at = at
        audit(
            session,
            None,
            "customer.sms_opt_out",
            "customer",
            customer_id,
            {"sms_opt_out": False},
            {"sms_opt_out": True, "source": source},
            at,
        )
    result = session.execute(
        update(Notification)
        .where(
            Notification.customer_id == customer_id,
            Notification.state.in_(PENDING_NOTIFICATION_STATES),
        )
        .values(
            state=NotificationState.CANCELLED,
            reason=clip(f"customer opted out of SMS ({source})"),
            dedupe_key=give_up_key(),
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def _settle(session: Session, holder: str, nid: int, **values: object) -> None:
    settle(session, holder, nid, **values)


def _describe(result: SendResult) -> str:
    if result.error_code:
        return f"Twilio error {result.error_code}"
    if result.http_status:
        return f"HTTP {result.http_status}"
    return "no answer (timeout or connection error)"


def _record_one(
    session: Session,
    holder: str,
    outcome: SendOutcome,
    rules: RetryRules,
    summary: RecordSummary,
    accepted: list[Accepted],
) -> None:
    claimed, result, at = outcome.claimed, outcome.result, outcome.at
    nid = claimed.notification_id
    if result.ok and result.sid:
        accepted.append(Accepted(claimed, result.sid, result.status, at))
        return
    code = str(result.error_code or result.http_status or "network")[:16]
    message = (result.error_message or "")[:2000] or None
    attempts = claimed.attempts + 1
    what = _describe(result)
    if result.uncertain:
        summary.uncertain += 1
        _settle(
            session,
            holder,
            nid,
            attempts=attempts,
            error_code=code,
            error_message=message,
            next_attempt_at=at + timedelta(seconds=rules.reconcile_after_s),
            updated_at=at,
            reason=clip(f"{what}: Twilio may have the message; checking before any resend"),
        )
        return
    error_class = rules.classify(result)
    if result.error_code in _TOO_MANY_REQUESTS or result.http_status == 429:
        summary.throttle = True
    if error_class is ErrorClass.DAILY_LIMIT_PAUSE:
        until = next_utc_midnight(at)
        summary.pause = Pause(
            until, f"daily message limit reached ({code}): sending paused until {until:%H:%M} UTC"
        )
        _back_to_queue(session, holder, nid, at, at, code, message, summary.pause.reason)
        return
    if error_class is ErrorClass.CONFIGURATION:
        until = at + timedelta(seconds=rules.credentials_pause_s)
        reason = (
            f"Twilio rejected the account credentials ({code}): check the Account SID and "
            "the auth token (keyring or PROXIMITY_TWILIO_AUTH_TOKEN)"
        )
        summary.pause = Pause(until, reason)
        _back_to_queue(session, holder, nid, at, at, code, message, reason)
        return
    if error_class is ErrorClass.OPTED_OUT:
        summary.failed += 1
        _settle(
            session,
            holder,
            nid,
            state=NotificationState.FAILED,
            attempts=attempts,
            error_code=code,
            error_message=message,
            updated_at=at,
            reason="customer has unsubscribed (replied STOP): marked opted out",
        )
        cancelled = opt_out_customer(session, claimed.customer_id, at, f"Twilio {code}")
        log.info(
            "customer %s opted out (%s); %d queued message(s) cancelled",
            claimed.customer_id,
            code,
            cancelled,
        )
        return
    if error_class in (ErrorClass.PERMANENT, ErrorClass.CARRIER_FILTERED):
        summary.failed += 1
        reason = (
            f"carrier filtered the message ({code}): change the wording before retrying"
            if error_class is ErrorClass.CARRIER_FILTERED
            else f"{what}: permanent failure, not retried"
        )
        _settle(
            session,
            holder,
            nid,
            state=NotificationState.FAILED,
            attempts=attempts,
            error_code=code,
            error_message=message,
            updated_at=at,
            reason=clip(reason),
        )
        return
    limit = rules.max_attempts
    if error_class is not ErrorClass.RETRYABLE:
        limit = min(limit, _UNKNOWN_MAX_ATTEMPTS)
    if attempts >= limit:
        summary.failed += 1
        _settle(
            session,
            holder,
            nid,
            state=NotificationState.FAILED,
            attempts=attempts,
            error_code=code,
            error_message=message,
            updated_at=at,
            reason=clip(f"{what}: gave up after {attempts} attempt(s)"),
        )
        return
    delay = retry_delay(attempts, rules.base_s, rules.cap_s, rand=rules.rand)
    retry_at = at + timedelta(seconds=delay)
    summary.retried += 1
    _back_to_queue(
        session,
        holder,
        nid,
        at,
        retry_at,
        code,
        message,
        f"{what}: attempt {attempts} of {limit} failed, retrying at {retry_at:%H:%M:%S} UTC",
        attempts,
    )


def _back_to_queue(
    session: Session,
    holder: str,
    nid: int,
    at: datetime,
    due: datetime,
    code: str,
    message: str | None,
    reason: str,
    attempts: int | None = None,
) -> None:
    values: dict[str, object] = {
        "state": NotificationState.SCHEDULED,
        "due_at": due,
        "next_attempt_at": due,
        "claimed_by": None,
        "error_code": code,
        "error_message": message,
        "reason": clip(reason),
        "updated_at": at,
    }
    if attempts is not None:
        values["attempts"] = attempts
    _settle(session, holder, nid, **values)


def record_outcomes(
    db: Database, holder: str, outcomes: Sequence[SendOutcome], rules: RetryRules
) -> RecordSummary:
    """Write a batch of send outcomes in one transaction.

    Raises:
        db.errors.DatabaseError: the database is locked or gone; the caller keeps the
            outcomes and tries again (the rows stay "sending" meanwhile, which is safe).
    """
    summary = RecordSummary()
    if not outcomes:
        return summary
    accepted: list[Accepted] = []
    with db.write() as session:
        for outcome in outcomes:
            _record_one(session, holder, outcome, rules, summary, accepted)
        summary.sent = mark_sent(session, holder, accepted, rules.first_poll_s)
        if summary.pause is not None:
            save_pause(session, summary.pause)
    return summary
