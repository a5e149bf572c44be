"""Claiming outbox rows: due rows become "sending" in one committed transaction.

The claim is an ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`` on
PostgreSQL, so two dispatchers by mistake never claim the same row; on SQLite the same
statement runs inside ``BEGIN IMMEDIATE`` and is conditional on the row still being queued.
In the same transaction every claimed row is judged again at send time: obsolete rows are
skipped with the reason, rows inside the customer's quiet hours go back to "deferred" until
the window opens, and the text is rendered and stored so that a crash before the provider's
answer can be reconciled by matching this exact body. The HTTP call happens after the
commit; no transaction is ever held open across it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Notification
from db.queries.notification_ids import as_arrays, freed_key
from db.queries.notification_settings import load_policy_book
from db.queries.notification_text import (
    MissingTemplate,
    load_message_contexts,
    load_templates,
    render_message,
)
from desktop.core.domain import PENDING_NOTIFICATION_STATES, NotificationState
from desktop.core.quiet_hours import is_allowed, next_allowed
from desktop.core.sms_text import TemplateError
from desktop.notify.facts import load_ticket_infos
from desktop.notify.scheduler import clip, obsolete_reason

log = logging.getLogger(__name__)

RECORD_ONLY_REASON = "record only: Twilio is not configured, so this message was not sent"
SENDING = NotificationState.SENDING


@dataclass(frozen=True)
class Claimed:
    """A row this dispatcher owns and may send now (plain data, no ORM object)."""

    notification_id: int
    ticket_id: int
    customer_id: int
    kind: str
    to: str
    body: str
    claimed_at: datetime
    attempts: int


@dataclass(frozen=True)
class ClaimOutcome:
    """A claim's result: rows to send now, and how many were settled without sending."""

    to_send: list[Claimed]
    skipped: int = 0
    deferred: int = 0
    failed: int = 0
    recorded_only: int = 0

    @property
    def empty(self) -> bool:
        """Nothing was due: no row claimed."""
        settled = self.skipped + self.deferred + self.failed + self.recorded_only
        return not self.to_send and not settled


_TABLE = Notification.__table__
#: PostgreSQL: the rendered texts of a claimed batch, stored in one statement.
_PG_READY = text(
    f"UPDATE {_TABLE.name} AS n SET body = v.body, to_address = v.to_address, "
    "updated_at = :now "
    "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:bodies AS TEXT[]), CAST(:tos AS TEXT[])) "
    "AS v(id, body, to_address) "
    "WHERE n.id = v.id AND n.state = :state AND n.claimed_by = :holder"
)
#: Markers for ``settle`` values computed in SQL rather than bound.
FREE_KEY = object()  # the dedupe key is given up (``#c<id>`` appended)
ONE_MORE = object()  # attempts + 1


@functools.lru_cache(maxsize=64)
def owned_update(keys: tuple[str, ...], computed: tuple[str, ...]) -> Update:
    """A prepared UPDATE of one row this holder owns (built once per set of columns: the
    statement cache then makes each execution cheap, which matters once per message)."""
    values: dict[str, Any] = {key: bindparam(f"v_{key}") for key in keys}
    for key in computed:
        column = _TABLE.c[key]
        values[key] = freed_key(column, _TABLE.c.id) if key == "dedupe_key" else column + 1
    return (
        _TABLE.update()
        .where(
            _TABLE.c.id == bindparam("p_id"),
            _TABLE.c.state == bindparam("p_state", type_=_TABLE.c.state.type),
            _TABLE.c.claimed_by == bindparam("p_holder"),
        )
        .values(values)
    )


def settle(session: Session, holder: str, nid: int, **values: object) -> bool:
    """Update one "sending" row, only while ``holder`` still owns it; True when it did.

    ``FREE_KEY`` as the ``dedupe_key`` value frees the key; ``ONE_MORE`` as ``attempts``
    counts an attempt.
    """
    computed = tuple(sorted(k for k, v in values.items() if v is FREE_KEY or v is ONE_MORE))
    bound = {k: v for k, v in values.items() if k not in computed}
    stmt = owned_update(tuple(sorted(bound)), computed)
    params = {"p_id": nid, "p_state": SENDING, "p_holder": holder}
    params.update({f"v_{k}": v for k, v in bound.items()})
    return bool(session.connection().execute(stmt, params).rowcount)


def _settle(session: Session, nid: int, holder: str, now: datetime, **values: object) -> None:
    settle(session, holder, nid, updated_at=now, **values)


def claim_due(
    db: Database,
    holder: str,
    now: datetime,
    limit: int,
    record_only: bool = False,
) -> ClaimOutcome:
    """Claim up to ``limit`` due rows and judge each one again; commit before returning.

    Args:
        db: the database.
        holder: this dispatcher's identity (stored in ``claimed_by``).
        now: the claim instant (stored in ``claimed_at``; reconciliation searches from it).
        limit: batch size.
        record_only: settle every sendable row as "skipped: record only" instead.
    """
    pending = [s.value for s in PENDING_NOTIFICATION_STATES]
    due = (
        select(Notification.id)
        .where(Notification.state.in_(pending), Notification.due_at <= now)
        .order_by(Notification.due_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(Notification)
        .where(Notification.id.in_(due.scalar_subquery()), Notification.state.in_(pending))
        # next_attempt_at cleared: on a "sending" row it means "check with Twilio at".
        .values(
            state=SENDING, claimed_at=now, claimed_by=holder, next_attempt_at=None, updated_at=now
        )
        .returning(
            Notification.id,
            Notification.ticket_id,
            Notification.customer_id,
            Notification.kind,
            Notification.body,
            Notification.attempts,
            Notification.original_due_at,
        )
        .execution_options(synchronize_session=False)
    )
    with db.write() as session:
        rows = sorted(session.execute(claim).all(), key=lambda r: r[0])
        if not rows:
            return ClaimOutcome([])
        return _judge(session, rows, holder, now, record_only)


def _judge(
    session: Session,
    rows: Sequence,
    holder: str,
    now: datetime,
    record_only: bool,  # type: ignore[type-arg]
) -> ClaimOutcome:
    ticket_ids = {r[1] for r in rows}
    infos = load_ticket_infos(session, now, ticket_ids)
    book = load_policy_book(session)
    templates = load_templates(session)
    contexts = load_message_contexts(session, ticket_ids)
    to_send: list[Claimed] = []
    ready: list[dict[str, Any]] = []
    skipped = deferred = failed = recorded = 0
    for nid, ticket_id, customer_id, kind, body, attempts, original in rows:
        info = infos.get(ticket_id)
        if info is None:
            _settle(
                session,
                nid,
                holder,
                now,
                state=NotificationState.SKIPPED,
                reason="not sent: the ticket no longer exists",
                dedupe_key=FREE_KEY,
            )
            skipped += 1
            continue
        settings = book.for_queue(info.queue_id)
        policy = settings.policy
        why = obsolete_reason(kind, original, info, policy, now)
        if why is None and not info.phone:
            why = "no phone number for the customer"
        if why is not None:
            _settle(
                session,
                nid,
                holder,
                now,
                state=NotificationState.SKIPPED,
                reason=clip(f"not sent: {why}"),
                dedupe_key=FREE_KEY,
            )
            skipped += 1
            continue
        zones = info.zones()
        if not is_allowed(now, zones, policy.window):
            opens = next_allowed(now, zones, policy.window)
            local = opens.astimezone(zones[0])
            _settle(
                session,
                nid,
                holder,
                now,
                state=NotificationState.DEFERRED,
                due_at=opens,
                claimed_by=None,
                claimed_at=None,
                reason=clip(f"deferred by quiet hours until {local:%a %H:%M} customer time"),
            )
            deferred += 1
            continue
        if body is None:
            ctx = contexts.get(ticket_id)
            try:
                if ctx is None:
                    raise MissingTemplate("the ticket's details could not be read")
                body = render_message(templates, ctx, kind, settings.company)
            except (MissingTemplate, TemplateError) as exc:
                _settle(
                    session,
                    nid,
                    holder,
                    now,
                    state=NotificationState.FAILED,
                    reason=clip(f"template problem: {exc}"),
                )
                failed += 1
                continue
        if record_only:
            _settle(
                session,
                nid,
                holder,
                now,
                state=NotificationState.SKIPPED,
                body=body,
                to_address=info.phone,
                reason=RECORD_ONLY_REASON,
            )
            recorded += 1
            continue
        ready.append(
            {
                "p_id": nid,
                "p_state": SENDING,
                "p_holder": holder,
                "v_body": body,
                "v_to_address": info.phone,
                "v_updated_at": now,
            }
        )
        to_send.append(
            Claimed(nid, ticket_id, customer_id, kind, info.phone, body, now, int(attempts or 0))
        )
    if ready:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # One statement over arrays: psycopg's executemany costs ~0.1 ms of Python per
            # row, and that CPU is taken from the sender thread.
            connection.execute(
                _PG_READY,
                {
                    **as_arrays(ready, {"ids": "p_id", "bodies": "v_body", "tos": "v_to_address"}),
                    "now": now,
                    "state": SENDING.value,
                    "holder": holder,
                },
            )
        else:  # SQLite's executemany runs in C
            stmt = owned_update(("body", "to_address", "updated_at"), ())
            connection.execute(stmt, ready)
    return ClaimOutcome(to_send, skipped, deferred, failed, recorded)


def release(db: Database, holder: str, ids: Sequence[int], now: datetime) -> int:
    """Give claimed rows that were never tried back to the queue (clean stop, lost lease)."""
    if not ids:
        return 0
    with db.write() as session:
        result = session.execute(
            update(Notification)
            .where(
                Notification.id.in_(list(ids)),
                Notification.state == SENDING,
                Notification.claimed_by == holder,
                Notification.provider_sid.is_(None),
            )
            .values(
                state=NotificationState.SCHEDULED,
                claimed_by=None,
                claimed_at=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)


def next_due(db: Database, holder: str) -> datetime | None:
    """The earliest moment something needs this dispatcher: a queued row or a pending check."""
    pending = [s.value for s in PENDING_NOTIFICATION_STATES]
    with db.read() as session:
        queued = session.scalar(
            select(func.min(Notification.due_at)).where(Notification.state.in_(pending))
        )
        check = session.scalar(
            select(func.min(Notification.next_attempt_at)).where(
                Notification.state == SENDING, Notification.claimed_by == holder
            )
        )
    moments = [m for m in (queued, check) if m is not None]
    return min(moments) if moments else None
