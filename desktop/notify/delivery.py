"""Following each sent message until its delivery status is final.

Twilio reports queued, accepted, sending, sent, then delivered, undelivered or failed (and
may add statuses in the future: any unknown one is stored as it is and polled again, never a
crash). Polls back off with the message's age, from seconds to half an hour, and stop after a
few days without a final answer. Final failures keep Twilio's error code and a reason in
plain words; 30007 (carrier filtering) is marked as needing a changed message, not a retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from db.engine import Database
from db.models import Notification
from desktop.core.domain import NotificationState
from desktop.notify.scheduler import clip
from desktop.notify.twilio_errors import ErrorClass, GatewayError
from desktop.notify.twilio_gateway import DeliveryStatus, TwilioGateway

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=3)
_MIN_POLL = timedelta(seconds=5)
_MAX_POLL = timedelta(minutes=30)
_SENT = NotificationState.SENT


@dataclass(frozen=True)
class PollStats:
    """What one polling round did."""

    checked: int = 0
    delivered: int = 0
    failed: int = 0
    errors: int = 0


def next_poll(sent_at: datetime, now: datetime, shortest: timedelta = _MIN_POLL) -> datetime:
    """A quarter of the message's age from now, between ``shortest`` (5 s) and 30 min."""
    age = max(timedelta(0), now - sent_at)
    return now + min(_MAX_POLL, max(shortest, age / 4))


def _failure_reason(status: DeliveryStatus) -> str:
    code = status.error_code
    if status.error_class is ErrorClass.CARRIER_FILTERED:
        return f"carrier filtered the message ({code}): change the wording before retrying"
    if status.status == "canceled":
        return "cancelled at Twilio before it was sent"
    if code:
        return f"{status.status} (Twilio error {code})"
    return f"{status.status} by the carrier"


def apply_status(
    db: Database,
    nid: int,
    sent_at: datetime,
    status: DeliveryStatus,
    now: datetime,
    shortest: timedelta = _MIN_POLL,
) -> str:
    """Store a fetched status on a sent row; returns "delivered", "failed" or "pending"."""
    values: dict[str, object] = {"provider_status": status.status[:24], "updated_at": now}
    outcome = "pending"
    if status.is_delivered:
        values.update(
            state=NotificationState.DELIVERED,
            delivered_at=status.date_updated or now,
            next_attempt_at=None,
        )
        outcome = "delivered"
    elif status.is_final:
        values.update(
            state=NotificationState.FAILED,
            error_code=str(status.error_code) if status.error_code else status.status[:16],
            error_message=(status.error_message or "")[:2000] or None,
            reason=clip(_failure_reason(status)),
            next_attempt_at=None,
        )
        outcome = "failed"
    elif now - sent_at > GIVE_UP_AFTER:
        values.update(
            next_attempt_at=None,
            reason=clip(
                f"no final delivery status after {GIVE_UP_AFTER.days} days (last: {status.status})"
            ),
        )
    else:
        values["next_attempt_at"] = next_poll(sent_at, now, shortest)
    with db.write() as session:
        session.execute(
            update(Notification)
            .where(Notification.id == nid, Notification.state == _SENT)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return outcome


def poll_due(
    db: Database,
    gateway: TwilioGateway,
    clock: Callable[[], datetime],
    limit: int = 100,
    keep_going: Callable[[], bool] = lambda: True,
    shortest: timedelta = _MIN_POLL,
) -> PollStats:
    """Fetch the status of up to ``limit`` sent messages whose next check is due.

    Args:
        shortest: the least time between two checks of one message.
    """
    now = clock()
    with db.read() as session:
        rows = session.execute(
            select(Notification.id, Notification.provider_sid, Notification.sent_at)
            .where(
                Notification.state == _SENT,
                Notification.provider_sid.is_not(None),
                Notification.next_attempt_at <= now,
            )
            .order_by(Notification.next_attempt_at)
            .limit(limit)
        ).all()
    checked = delivered = failed = errors = 0
    for nid, sid, sent_at in rows:
        if not keep_going():
            break
        try:
            status = gateway.fetch_status(sid)
        except GatewayError as exc:
            errors += 1
            _after_error(db, nid, sent_at or now, exc, clock(), shortest)
            continue
        checked += 1
        outcome = apply_status(db, nid, sent_at or now, status, clock(), shortest)
        delivered += outcome == "delivered"
        failed += outcome == "failed"
    return PollStats(checked, delivered, failed, errors)


def _after_error(
    db: Database,
    nid: int,
    sent_at: datetime,
    exc: GatewayError,
    now: datetime,
    shortest: timedelta,
) -> None:
    """A 404 means Twilio does not know the SID: stop polling it; anything else, try later."""
    values: dict[str, object] = {"updated_at": now}
    if exc.info.http_status == 404:
        values.update(next_attempt_at=None, reason="Twilio does not know this message SID")
    else:
        values["next_attempt_at"] = next_poll(sent_at, now, shortest)
    with db.write() as session:
        session.execute(
            update(Notification)
            .where(Notification.id == nid, Notification.state == _SENT)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
