"""Recording a message Twilio has: the row, the ticket's silence clock, the timeline; and
an opt-out reported by Twilio (21610), which also cancels the customer's queued messages."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, text, update
from sqlalchemy.orm import Session

from db.audit import record as audit
from db.models import Customer, Notification, Ticket, TicketEvent
from db.queries.notification_ids import among, as_arrays
from desktop.core.domain import PENDING_NOTIFICATION_STATES, NotificationState, TicketEventKind
from desktop.notify.outbox import Claimed, owned_update
from desktop.notify.scheduler import clip, give_up_key

log = logging.getLogger(__name__)


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


# PostgreSQL: one statement over arrays instead of an executemany. psycopg spends about
# 0.1 ms of Python per executemany row, on the recorder thread, while the sender thread
# waits for the interpreter lock between two HTTP calls.
_NOTIFICATIONS = Notification.__table__
_PG_SENT = text(
    f"UPDATE {_NOTIFICATIONS.name} AS n SET state = :sent, provider_sid = v.sid, "
    "provider_status = v.status, sent_at = v.at, next_attempt_at = v.next_at, "
    "error_code = NULL, error_message = NULL, updated_at = v.at, "
    "attempts = n.attempts + v.more "
    "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:sids AS TEXT[]), CAST(:statuses AS TEXT[]), "
    "CAST(:ats AS TIMESTAMPTZ[]), CAST(:next_ats AS TIMESTAMPTZ[]), CAST(:mores AS INTEGER[])) "
    "AS v(id, sid, status, at, next_at, more) "
    "WHERE n.id = v.id AND n.state = :sending AND n.claimed_by = :holder"
)
_PG_HEARD = text(
    f"UPDATE {_TICKETS.name} AS t SET last_heard_at = v.heard, "
    "longest_silence_seconds = v.longest, first_response_at = v.first "
    "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:heard AS TIMESTAMPTZ[]), "
    "CAST(:longest AS DOUBLE PRECISION[]), CAST(:first AS TIMESTAMPTZ[])) "
    "AS v(id, heard, longest, first) WHERE t.id = v.id"
)


_PG_EVENTS = text(
    f"INSERT INTO {_EVENTS.name} (ticket_id, kind, actor_id, at, body, old_value, new_value, "
    "notification_id) SELECT v.ticket_id, :kind, NULL, v.at, v.body, NULL, v.new_value, v.id "
    "FROM unnest(CAST(:tickets AS BIGINT[]), CAST(:ats AS TIMESTAMPTZ[]), "
    "CAST(:bodies AS TEXT[]), CAST(:kinds AS TEXT[]), CAST(:ids AS BIGINT[])) "
    "AS v(ticket_id, at, body, new_value, id)"
)
#: The columns ``mark_sent`` sets on SQLite (``attempts`` is counted in SQL when asked).
_SENT_KEYS = tuple(
    sorted(
        (
            "state",
            "provider_sid",
            "provider_status",
            "sent_at",
            "next_attempt_at",
            "error_code",
            "error_message",
            "updated_at",
        )
    )
)


def mark_sent(session: Session, holder: str, items: Sequence[Accepted], first_poll_s: float) -> int:
    """Twilio has these messages: record them, reset the tickets' silence, add the timeline.

    A row no longer owned by ``holder`` is left alone (logged). Returns rows recorded.
    """
    conn = session.connection()
    poll = timedelta(seconds=first_poll_s)
    if conn.dialect.name == "postgresql":
        updated = _pg_mark_sent(conn, holder, items, poll)
    else:
        updated = _sqlite_mark_sent(conn, holder, items, poll)
    recorded = list(items) if updated == len(items) else _still_ours(conn, items)
    if not recorded:
        return 0
    _customers_heard(conn, recorded)
    _add_to_timeline(conn, recorded)
    return len(recorded)


def _pg_mark_sent(conn: Connection, holder: str, items: Sequence[Accepted], poll: timedelta) -> int:
    """``mark_sent``'s row update on PostgreSQL; returns the rows updated."""
    result = conn.execute(
        _PG_SENT,
        {
            "ids": [item.claimed.notification_id for item in items],
            "sids": [item.sid for item in items],
            "statuses": [(item.status or "queued")[:24] for item in items],
            "ats": [item.at for item in items],
            "next_ats": [item.at + poll for item in items],
            "mores": [1 if item.count_attempt else 0 for item in items],
            "sent": NotificationState.SENT.value,
            "sending": NotificationState.SENDING.value,
            "holder": holder,
        },
    )
    return int(result.rowcount or 0)


def _sqlite_mark_sent(
    conn: Connection, holder: str, items: Sequence[Accepted], poll: timedelta
) -> int:
    """``mark_sent``'s row update on SQLite: one executemany per shape (it runs in C)."""
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
                "v_next_attempt_at": item.at + poll,
                "v_error_code": None,
                "v_error_message": None,
                "v_updated_at": item.at,
            }
        )
    updated = 0
    for count, params in by_count.items():
        if params:
            stmt = owned_update(_SENT_KEYS, ("attempts",) if count else ())
            updated += int(conn.execute(stmt, params).rowcount or 0)
    return updated


def _still_ours(conn: Connection, items: Sequence[Accepted]) -> list[Accepted]:
    """The items whose row did get recorded (rare: some row was no longer ours)."""
    ids = [item.claimed.notification_id for item in items]
    mine = set(
        conn.execute(
            select(Notification.id, Notification.provider_sid).where(
                among(Notification.id, ids, conn.dialect.name),
                Notification.state == NotificationState.SENT,
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
    return recorded


def _add_to_timeline(conn: Connection, items: Sequence[Accepted]) -> None:
    """One "notification" event per message on its ticket's timeline."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            _PG_EVENTS,
            {
                "kind": TicketEventKind.NOTIFICATION.value,
                "tickets": [item.claimed.ticket_id for item in items],
                "ats": [item.at for item in items],
                "bodies": [item.claimed.body for item in items],
                "kinds": [item.claimed.kind[:100] for item in items],
                "ids": [item.claimed.notification_id for item in items],
            },
        )
        return
    conn.execute(
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
            for item in items
        ],
    )


def _customers_heard(conn: Connection, items: Sequence[Accepted]) -> None:
    """Close each ticket's silence gap (the same bookkeeping as an agent's public reply).

    A plain UPDATE, not a versioned ORM write: a message going out must not make an agent's
    open edit of the ticket fail as a conflicting change.
    """
    latest: dict[int, datetime] = {}
    for item in items:
        tid = item.claimed.ticket_id
        latest[tid] = max(item.at, latest.get(tid, item.at))
    rows = conn.execute(
        select(
            _TICKETS.c.id,
            _TICKETS.c.created_at,
            _TICKETS.c.last_heard_at,
            _TICKETS.c.longest_silence_seconds,
            _TICKETS.c.first_response_at,
        ).where(among(_TICKETS.c.id, latest, conn.dialect.name))
    ).all()
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
    if not params:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            _PG_HEARD,
            as_arrays(
                params,
                {"ids": "p_id", "heard": "v_heard", "longest": "v_longest", "first": "v_first"},
            ),
        )
    else:
        conn.execute(_HEARD, params)


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
