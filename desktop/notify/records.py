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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from db.engine import Database
from desktop.core.domain import NotificationState
from desktop.notify.accepted import Accepted, mark_sent, opt_out_customer
from desktop.notify.outbox import Claimed, settle
from desktop.notify.rules import Pause, RetryRules, next_utc_midnight, save_pause
from desktop.notify.scheduler import clip
from desktop.notify.twilio_errors import ErrorClass, retry_delay
from desktop.notify.twilio_gateway import SendResult

log = logging.getLogger(__name__)

_UNKNOWN_MAX_ATTEMPTS = 3
_TOO_MANY_REQUESTS = {429, 20429}


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

    def failed(reason: str) -> None:  # for good: counted, never retried automatically
        summary.failed += 1
        settle(
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

    if result.uncertain:
        summary.uncertain += 1
        settle(
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
        failed("customer has unsubscribed (replied STOP): marked opted out")
        cancelled = opt_out_customer(session, claimed.customer_id, at, f"Twilio {code}")
        log.info(
            "customer %s opted out (%s); %d queued message(s) cancelled",
            claimed.customer_id,
            code,
            cancelled,
        )
        return
    if error_class in (ErrorClass.PERMANENT, ErrorClass.CARRIER_FILTERED):
        failed(
            f"carrier filtered the message ({code}): change the wording before retrying"
            if error_class is ErrorClass.CARRIER_FILTERED
            else f"{what}: permanent failure, not retried"
        )
        return
    limit = rules.max_attempts
    if error_class is not ErrorClass.RETRYABLE:
        limit = min(limit, _UNKNOWN_MAX_ATTEMPTS)
    if attempts >= limit:
        failed(f"{what}: gave up after {attempts} attempt(s)")
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
    settle(session, holder, nid, **values)


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
