"""Rows left "sending" without a message SID: ask Twilio before anything is resent.

Such a row was claimed, and the HTTP call may or may not have reached Twilio: the process
died between the provider's accept and the local commit, or the answer never came (timeout,
dropped connection, 5xx). Twilio's message list is searched for a message to the same number
with the same body created since the claim (``TwilioGateway.find_sent``): found, the row is
recorded as sent with that SID; certainly absent, it goes back to the queue; no certain
answer, it is checked again later and never resent meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Notification
from desktop.core.domain import NotificationState
from desktop.notify.accepted import Accepted, mark_sent
from desktop.notify.outbox import SENDING, Claimed, settle
from desktop.notify.scheduler import clip
from desktop.notify.twilio_errors import GatewayError, retry_delay
from desktop.notify.twilio_gateway import TwilioGateway

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unsettled:
    """A row left "sending" without a message SID: Twilio may or may not have it."""

    notification_id: int
    ticket_id: int
    customer_id: int
    kind: str
    to: str | None
    body: str | None
    claimed_at: datetime
    claimed_by: str | None
    attempts: int

    def as_claimed(self) -> Claimed:
        """The row as a claim of this holder (to record it like a fresh send)."""
        return Claimed(
            self.notification_id,
            self.ticket_id,
            self.customer_id,
            self.kind,
            self.to or "",
            self.body or "",
            self.claimed_at,
            self.attempts,
        )


def unsettled_rows(
    db: Database,
    holder: str,
    now: datetime,
    leader_since: datetime | None,
    orphan_after: timedelta,
    grace: timedelta,
    limit: int = 100,
) -> list[Unsettled]:
    """Rows whose check with Twilio is due now; orphans are adopted for a later check.

    Mine: an uncertain send whose check is due (``next_attempt_at``). Others': claims made
    before this process became the leader (the previous holder is gone), or older than
    ``orphan_after`` (a holder never keeps a claim that long). An orphan is adopted first
    and checked only after ``grace``: a request its dead holder had in flight may still be
    reaching Twilio, and looking too early would find nothing and send a second copy.
    """
    others = or_(Notification.claimed_by.is_(None), Notification.claimed_by != holder)
    stale = Notification.claimed_at < now - orphan_after
    if leader_since is not None:
        stale = or_(stale, Notification.claimed_at < leader_since)
    orphan = and_(others, or_(stale, Notification.claimed_at.is_(None)))
    mine_due = and_(Notification.claimed_by == holder, Notification.next_attempt_at <= now)
    unsettled = and_(Notification.state == SENDING, Notification.provider_sid.is_(None))
    cond = and_(unsettled, or_(mine_due, orphan))
    with db.read() as session:  # the common case, nothing to do, takes no write lock
        if session.scalar(select(Notification.id).where(cond).limit(1)) is None:
            return []
    columns = (
        Notification.id,
        Notification.ticket_id,
        Notification.customer_id,
        Notification.kind,
        Notification.to_address,
        Notification.body,
        Notification.claimed_at,
        Notification.claimed_by,
        Notification.attempts,
    )
    with db.write() as session:
        orphans = session.execute(
            select(Notification.id, Notification.claimed_by)
            .where(unsettled, orphan)
            .with_for_update(skip_locked=True)
        ).all()
        for nid, claimed_by in orphans:
            log.info("adopting notification %s left sending by %s", nid, claimed_by)
            session.execute(
                update(Notification)
                .where(Notification.id == nid, Notification.state == SENDING)
                .values(
                    claimed_by=holder,
                    claimed_at=func.coalesce(Notification.claimed_at, now),
                    next_attempt_at=now + grace,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        rows = session.execute(
            select(*columns)
            .where(unsettled, mine_due)
            .order_by(Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        checks: list[Unsettled] = []
        for nid, ticket_id, customer_id, kind, to, body, claimed_at, claimed_by, attempts in rows:
            settle(session, holder, nid, next_attempt_at=None, updated_at=now)
            checks.append(
                Unsettled(
                    nid,
                    ticket_id,
                    customer_id,
                    kind,
                    to,
                    body,
                    claimed_at or now,
                    claimed_by,
                    int(attempts or 0),
                )
            )
        return checks


def known_sids(session: Session, to: str, since: datetime) -> set[str]:
    """Message SIDs already recorded for a number since ``since`` (never a reconcile match)."""
    return set(
        session.scalars(
            select(Notification.provider_sid).where(
                Notification.to_address == to,
                Notification.provider_sid.is_not(None),
                Notification.sent_at >= since,
            )
        )
    )


@dataclass(frozen=True)
class ReconcileStats:
    """What one round found."""

    found: int = 0
    requeued: int = 0
    unsure: int = 0


def _update(db: Database, holder: str, nid: int, **values: object) -> None:
    with db.write() as session:
        session.execute(
            update(Notification)
            .where(
                Notification.id == nid,
                Notification.state == NotificationState.SENDING,
                Notification.claimed_by == holder,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def requeue(db: Database, holder: str, row: Unsettled, now: datetime, reason: str) -> None:
    """Twilio certainly has no such message: queue the row to be sent again now."""
    _update(
        db,
        holder,
        row.notification_id,
        state=NotificationState.SCHEDULED,
        due_at=now,
        next_attempt_at=None,
        claimed_by=None,
        claimed_at=None,
        reason=clip(reason),
        updated_at=now,
    )


def reconcile(
    db: Database,
    holder: str,
    gateway: TwilioGateway | None,
    clock: Callable[[], datetime],
    leader_since: datetime | None,
    orphan_after: timedelta,
    grace: timedelta,
    first_poll_s: float,
    keep_going: Callable[[], bool] = lambda: True,
) -> ReconcileStats:
    """Settle every row this holder may reconcile now (see ``outbox.unsettled_rows``).

    Without a gateway (record-only mode) Twilio cannot be asked, and nothing will be sent
    either: the rows simply go back to the queue.
    """
    if gateway is None:
        grace = timedelta(0)  # nothing will be sent, so nothing can be sent twice
    rows = unsettled_rows(db, holder, clock(), leader_since, orphan_after, grace)
    found = requeued = unsure = 0
    sender = (
        gateway.settings.from_number
        if gateway and not gateway.settings.messaging_service_sid
        else None
    )
    for row in rows:
        now = clock()
        if gateway is None or not row.to or not row.body:
            requeue(db, holder, row, now, "claim interrupted before sending: queued again")
            requeued += 1
            continue
        if not keep_going():
            _update(db, holder, row.notification_id, next_attempt_at=now, updated_at=now)
            continue
        try:
            with db.read() as session:
                known = known_sids(session, row.to, row.claimed_at - timedelta(days=1))
            sid = gateway.find_sent(row.to, sender, row.body, row.claimed_at, known_sids=known)
        except GatewayError as exc:
            unsure += 1
            delay = retry_delay(max(1, row.attempts), base=10.0, cap=600.0)
            _update(
                db,
                holder,
                row.notification_id,
                next_attempt_at=now + timedelta(seconds=delay),
                reason=clip(f"could not check with Twilio yet ({exc}); not resent meanwhile"),
                updated_at=now,
            )
            continue
        if sid is not None:
            with db.write() as session:
                accepted = Accepted(row.as_claimed(), sid, None, now, row.attempts == 0)
                mark_sent(session, holder, [accepted], first_poll_s)
            found += 1
            log.info("notification %s was already at Twilio as %s", row.notification_id, sid)
        else:
            requeue(db, holder, row, now, "not found at Twilio after an interrupted send: sending")
            requeued += 1
    return ReconcileStats(found, requeued, unsure)
