"""Policy evaluation -> outbox rows, in bulk and idempotently.

One pass reads every open (and recently solved) ticket with a handful of aggregate queries,
asks the pure policy what each one is due, cancels queued messages that became obsolete
(ticket solved, a reply restarted the silence, a newer status change), and inserts the new
rows with ``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING``. Running it twice, or in two
processes at once, never creates a second row for the same occurrence.

The dedupe key names the occurrence: ticket, kind (and status) and the instant the rule made
it due. A cancelled or skipped row gives its key up (``#c<id>`` is appended), so the same
occurrence can be queued again later (a ticket reopened before anyone replied); a sent row
keeps it for good.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, bindparam, update
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Notification
from db.queries.notification_ids import freed_key
from db.queries.notification_settings import PolicyBook, load_policy_book
from db.queries.notification_text import MANUAL_UPDATE
from desktop.core.domain import PENDING_NOTIFICATION_STATES, NotificationState
from desktop.core.notification_policy import (
    Decision,
    NotificationKind,
    NotificationPolicy,
    evaluate,
    still_relevant,
)
from desktop.notify.facts import TicketInfo, load_ticket_infos

log = logging.getLogger(__name__)

_INSERT_CHUNK = 5_000
_PLAN_CHUNK = 5_000  # tickets planned, then written, together
_REASON_MAX = 200
# A still-working message due this much later than the current rule says is rescheduled.
_RESCHEDULE_SLACK = timedelta(minutes=1)
_KINDS = {kind.value: kind for kind in NotificationKind}


@dataclass(frozen=True)
class ScheduleStats:
    """What one pass did (for logs and the benchmark)."""

    tickets: int
    enqueued: int
    cancelled: int
    skipped_rules: int
    seconds: float
    read_s: float = 0.0  # reading the facts
    evaluate_s: float = 0.0  # the policy, per ticket
    # Waiting for the writes after the last chunk was planned (the writes of earlier chunks
    # overlap the planning of later ones).
    write_s: float = 0.0


def dedupe_key(ticket_id: int, kind: str, original_due_at: datetime, status: str | None) -> str:
    """The occurrence a row stands for, e.g. ``"42:status_change:pending:1764000000"``."""
    stamp = int(original_due_at.timestamp())
    if status is not None:
        return f"{ticket_id}:{kind}:{status}:{stamp}"
    return f"{ticket_id}:{kind}:{stamp}"


def clip(reason: str) -> str:
    """A reason that fits the column."""
    return reason if len(reason) <= _REASON_MAX else reason[: _REASON_MAX - 1] + "…"


def obsolete_reason(
    kind: str,
    original_due_at: datetime,
    info: TicketInfo,
    policy: NotificationPolicy,
    now: datetime,
) -> str | None:
    """Why a queued row should no longer be sent, or None when it still should.

    The policy's ``still_relevant`` decides for its own kinds; a still-working message whose
    silence limit got shorter (the priority went up) is also replaced, so it is not sent late.
    A manual update stays unless the customer can no longer receive SMS.
    """
    facts = info.facts(now)
    policy_kind = _KINDS.get(kind)
    if policy_kind is None:
        if kind == MANUAL_UPDATE:
            if info.opted_out:
                return "customer opted out of SMS"
            if not info.phone:
                return "no phone number for the customer"
        return None
    relevant, reason = still_relevant(policy_kind, original_due_at, facts, policy, now)
    if not relevant:
        return reason
    if policy_kind is NotificationKind.STILL_WORKING:
        interval = policy.still_working_interval(info.priority)
        since = max(
            (t for t in (info.created_at, facts.last_agent_reply_at, facts.last_notified_at) if t),
        )
        if interval is not None and since + interval < original_due_at - _RESCHEDULE_SLACK:
            return f"rescheduled: {info.priority} priority allows a shorter silence now"
    return None


def _row_values(info: TicketInfo, decision: Decision, now: datetime) -> dict[str, Any]:
    kind = decision.kind.value
    status = info.status if decision.kind is NotificationKind.STATUS_CHANGE else None
    return {
        "ticket_id": info.ticket_id,
        "customer_id": info.customer_id,
        "kind": kind,
        "channel": "sms",
        "dedupe_key": dedupe_key(info.ticket_id, kind, decision.original_due_at, status),
        "to_address": info.phone,
        "due_at": decision.due_at,
        "original_due_at": decision.original_due_at,
        "state": NotificationState.DEFERRED if decision.deferred else NotificationState.SCHEDULED,
        "attempts": 0,
        "reason": clip(decision.reason),
        "created_at": now,
        "updated_at": now,
    }


def plan(
    infos: Iterable[TicketInfo], book: PolicyBook, now: datetime
) -> tuple[list[dict[str, Any]], list[tuple[int, str]], int]:
    """Pure part of a pass: rows to insert, (row id, reason) to cancel, rule skips counted."""
    inserts: list[dict[str, Any]] = []
    cancels: list[tuple[int, str]] = []
    skipped = 0
    for info in infos:
        policy = book.for_queue(info.queue_id).policy
        ignore: list[int] = []
        changed = info.changed_at
        for entry in info.active:
            if entry.state not in PENDING_NOTIFICATION_STATES:
                continue  # being sent right now: the dispatcher judges it
            if _unchanged_since(entry.updated_at, changed, book.updated_at):
                continue  # nothing happened since it was queued (judged again when due)
            reason = obsolete_reason(entry.kind, entry.original_due_at, info, policy, now)
            if reason is not None:
                cancels.append((entry.notification_id, clip(reason)))
                ignore.append(entry.notification_id)
        for result in evaluate(info.facts(now, ignore), policy, now):
            if isinstance(result, Decision):
                inserts.append(_row_values(info, result, now))
            else:
                skipped += 1
    return inserts, cancels, skipped


def _unchanged_since(
    queued: datetime, ticket_changed: datetime | None, policy_changed: datetime | None
) -> bool:
    """True when neither the ticket (nor its customer) nor the policy changed after the row
    was last written, so judging it again cannot give another answer before it falls due.

    This keeps a pass over 100,000 queued rows cheap; the check at send time is always made.
    """
    return all(moment is None or moment < queued for moment in (ticket_changed, policy_changed))


def insert_rows(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert outbox rows, ignoring any whose dedupe key already exists; returns rows added.

    A pass may insert 100,000 rows, and converting each timestamp through its column type is
    most of the cost: each distinct value is converted once (created/updated are the same for
    the whole pass, and a due time is usually its original due time), with the real column
    types' own converters, and the rows go through an untyped statement.
    """
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    table = Notification.__table__
    names = list(rows[0])
    converters: list[tuple[int, Any, dict[Any, Any]]] = []
    for index, name in enumerate(names):
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            converters.append((index, convert, {}))
    pick = itemgetter(*names)
    prepared: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(pick(row))
        for index, convert, memo in converters:
            raw = values[index]
            if raw is not None:
                done = memo.get(raw)
                if done is None:
                    done = memo[raw] = convert(raw)
                values[index] = done
        prepared.append(tuple(values))
    if dialect.name == "postgresql":
        return _copy_insert(connection, names, prepared)
    # SQLite: one prepared statement run by the driver's executemany (no per-row statement
    # building); pysqlite sums the rows really added into rowcount, and ON CONFLICT DO NOTHING
    # does not count a row it leaves out.
    columns = ", ".join(names)
    marks = ", ".join("?" for _ in names)
    sql = (
        f"INSERT INTO {table.name} ({columns}) VALUES ({marks}) ON CONFLICT (dedupe_key) DO NOTHING"
    )
    return int(connection.exec_driver_sql(sql, prepared).rowcount or 0)


def _copy_insert(connection: Connection, names: list[str], rows: list[tuple[Any, ...]]) -> int:
    """PostgreSQL: COPY into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING.

    An executemany costs a round trip per row (24 s for 100,000 rows measured); COPY streams
    them, and the final statement's row count is exact. About half of what remains is the
    server checking the two foreign keys and filling five indexes.
    """
    columns = ", ".join(names)
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        # Same column types, no constraints or defaults (an id default would burn sequence
        # numbers); dropped with the transaction.
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS notifications_incoming ON COMMIT DROP AS "
            f"SELECT {columns} FROM notifications WITH NO DATA"
        )
        # Binary COPY with the server's own column types: psycopg then encodes in C (a text
        # COPY formats every value in Python, five times slower at 100,000 rows).
        cursor.execute(f"SELECT {columns} FROM notifications_incoming LIMIT 0")
        types = [column.type_code for column in cursor.description or ()]
        command = f"COPY notifications_incoming ({columns}) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(command) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO notifications ({columns}) SELECT {columns} "
            "FROM notifications_incoming ON CONFLICT (dedupe_key) DO NOTHING"
        )
        added = cursor.rowcount
        cursor.execute("DELETE FROM notifications_incoming")  # a second chunk, same transaction
    finally:
        cursor.close()
    return max(0, int(added))


def give_up_key() -> Any:
    """SQL for a row's dedupe key once it is cancelled or skipped: freed for a new row."""
    return freed_key(Notification.dedupe_key, Notification.id)


def cancel_rows(
    session: Session,
    cancels: Sequence[tuple[int, str]],
    now: datetime,
    state: NotificationState = NotificationState.CANCELLED,
) -> int:
    """Cancel queued rows (only while still queued: a row just claimed is left alone)."""
    if not cancels:
        return 0
    stmt = (
        update(Notification)
        .where(
            Notification.id == bindparam("nid"),
            Notification.state.in_(PENDING_NOTIFICATION_STATES),
        )
        .values(state=state, reason=bindparam("why"), updated_at=now, dedupe_key=give_up_key())
        .execution_options(synchronize_session=False)
    )
    params = [{"nid": nid, "why": why} for nid, why in cancels]
    result = session.connection().execute(stmt, params)
    return int(result.rowcount or 0)


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector off for a bulk pass (nested and thread-safe).

    A pass over 100,000 tickets allocates millions of short-lived containers, none of them in
    a cycle; each allocation burst triggers collections that walk every live object, which
    cost a third of the pass. Reference counting still frees everything as it goes; the
    collector runs again as usual afterwards.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def schedule_pass(db: Database, now: datetime, book: PolicyBook | None = None) -> ScheduleStats:
    """Evaluate every candidate ticket and bring the outbox up to date.

    Args:
        db: the database.
        now: the current instant.
        book: the policies (read from the database when None).

    Returns:
        Counts and the time taken.
    """
    with collector_paused():
        return _schedule_pass(db, now, book)


def _write_chunk(
    db: Database,
    inserts: Sequence[dict[str, Any]],
    cancels: Sequence[tuple[int, str]],
    now: datetime,
    failed: threading.Event,
) -> tuple[int, int]:
    """One short transaction: a chunk's obsolete rows cancelled, then its new rows added.

    Cancelling first matters: it frees the dedupe key a new row of the same occurrence
    needs (a ticket reopened). A ticket's cancels and inserts are always in the same chunk.
    """
    if failed.is_set():
        return 0, 0  # an earlier chunk failed: the pass stops, the next one starts over
    try:
        with db.write() as session:
            cancelled = cancel_rows(session, cancels, now)
            added = 0
            for start in range(0, len(inserts), _INSERT_CHUNK):
                added += insert_rows(session, inserts[start : start + _INSERT_CHUNK])
    except BaseException:
        failed.set()
        raise
    return added, cancelled


def _schedule_pass(db: Database, now: datetime, book: PolicyBook | None) -> ScheduleStats:
    started = time.perf_counter()
    with db.read() as session:
        if book is None:
            book = load_policy_book(session)
        infos = load_ticket_infos(session, now)
    read = time.perf_counter()
    tickets = list(infos.values())
    skipped = 0
    planning = 0.0
    failed = threading.Event()
    futures: list[Future[tuple[int, int]]] = []
    # Tickets are planned in chunks and each chunk is written (in a short transaction of its
    # own, so other writers get their turn) on a second thread while the next one is being
    # planned: the database works while Python evaluates, instead of after it.
    with ThreadPoolExecutor(1, thread_name_prefix="notify-schedule-writer") as writer:
        for start in range(0, len(tickets), _PLAN_CHUNK):
            if failed.is_set():
                break
            begun = time.perf_counter()
            inserts, cancels, chunk_skipped = plan(tickets[start : start + _PLAN_CHUNK], book, now)
            planning += time.perf_counter() - begun
            skipped += chunk_skipped
            if inserts or cancels:
                futures.append(writer.submit(_write_chunk, db, inserts, cancels, now, failed))
        planned = time.perf_counter()
    added = cancelled = 0
    for future in futures:  # the first failure (in chunk order) is raised here
        chunk_added, chunk_cancelled = future.result()
        added += chunk_added
        cancelled += chunk_cancelled
    done = time.perf_counter()
    stats = ScheduleStats(
        len(infos),
        added,
        cancelled,
        skipped,
        done - started,
        read - started,
        planning,
        done - planned,
    )
    if added or cancelled:
        log.info(
            "scheduled %d message(s), cancelled %d obsolete, over %d ticket(s) in %.2f s",
            stats.enqueued,
            stats.cancelled,
            stats.tickets,
            stats.seconds,
        )
    return stats
