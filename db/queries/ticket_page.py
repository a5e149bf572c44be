"""The board's first page in SQL: the same filters and sort as the in-memory board.

The board paints these few hundred rows at once while the full index of every open ticket
loads. ``page_ids`` reads only ticket columns (unless the search text or the sort needs the
customer), which the partial index ``ix_tickets_open_clocks`` covers, so the tickets table is
not touched; the tests hold this SQL and the in-memory filters to the same answers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, func, literal, null, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from db.models import Customer, Employee, Notification, Queue, Ticket
from db.queries.tickets import (
    OPEN_STATUS_ORDER,
    PENDING_STATES,
    SORT_COLUMNS,
    BoardPage,
    open_filter,
)
from db.types import UTCDateTime
from desktop.core.domain import Priority, TicketStatus


class clock_seconds(FunctionElement[float]):
    """``clock_seconds(ts)``: like ``epoch_seconds`` for comparing and ordering in SQL, without
    the rounding and type check (cheaper per row; never returned to Python)."""

    type = Float()
    inherit_cache = True
    name = "clock_seconds"


@compiles(clock_seconds, "sqlite")
def _clock_sqlite(element: clock_seconds, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"((julianday({compiler.process(arg, **kw)}) - 2440587.5) * 86400.0)"


@compiles(clock_seconds, "postgresql")
def _clock_pg(element: clock_seconds, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(arg, **kw)}) AS DOUBLE PRECISION)"


def _next_due() -> Any:
    return (
        select(Notification.ticket_id, func.min(Notification.due_at).label("due"))
        .where(Notification.state.in_(PENDING_STATES))
        .group_by(Notification.ticket_id)
        .subquery()
    )


def page_ids(session: Session, now: datetime, page: BoardPage) -> list[int]:
    """Ids of the first ``page.limit`` open tickets of ``page.flt`` in ``page.sort`` order.

    Only ticket columns are read unless the search text or the sort needs the customer or
    the notifications, so the partial index ``ix_tickets_open_clocks`` answers it without
    touching the (large) tickets table.
    """
    stmt = select(Ticket.id).where(open_filter())
    if page.flt.text.strip() or page.sort == "customer":
        stmt = stmt.join(Customer, Customer.id == Ticket.customer_id)
    next_due = _next_due()
    if page.sort == "next_notification":
        stmt = stmt.outerjoin(next_due, next_due.c.ticket_id == Ticket.id)
    return list(session.scalars(_paged(stmt, page, now, next_due.c.due)))


def _paged(stmt: Any, page: BoardPage, now: datetime, next_due: Any) -> Any:
    """Filter and sort in SQL exactly as the board does in memory."""
    flt, viewer = page.flt, page.viewer
    now_s = now.timestamp()
    created = clock_seconds(Ticket.created_at)
    fr_missing = Ticket.first_response_at.is_(None)
    frt_s = Ticket.frt_target_minutes * 60.0
    res_s = Ticket.resolution_target_minutes * 60.0
    has_frt = Ticket.frt_target_minutes.is_not(None)
    has_res = Ticket.resolution_target_minutes.is_not(None)
    # Timestamps are compared as stored (UTC text on SQLite sorts chronologically): no
    # conversion per row where none is needed.
    heard = func.coalesce(Ticket.last_heard_at, Ticket.created_at)
    conditions: list[ColumnElement[bool]] = []
    who: list[ColumnElement[bool]] = []
    if flt.mine:
        who.append(Ticket.assignee_id == (viewer.employee_id or -1))
    if flt.my_team:
        teams = viewer.team_ids or (-3,)
        members = select(Employee.id).where(Employee.team_id.in_(teams))
        team_queues = select(Queue.id).where(Queue.team_id.in_(teams))
        who.append(
            Ticket.assignee_id.in_(members)
            | (Ticket.assignee_id.is_(None) & Ticket.queue_id.in_(team_queues))
        )
    if flt.unassigned:
        who.append(Ticket.assignee_id.is_(None))
    if who:
        conditions.append(or_(*who))
    if flt.at_risk or flt.breached:
        # Each comparison is guarded by its target being set, so no term is ever NULL.
        breached = or_(
            and_(fr_missing, has_frt, created + frt_s < now_s),
            and_(has_res, created + res_s < now_s),
        )
        risk = or_(
            and_(fr_missing, has_frt, created + frt_s * page.at_risk_fraction <= now_s),
            and_(has_res, created + res_s * page.at_risk_fraction <= now_s),
        )
        sla: list[ColumnElement[bool]] = []
        if flt.at_risk:
            sla.append(and_(risk, ~breached))
        if flt.breached:
            sla.append(breached)
        conditions.append(or_(*sla))
    if flt.silent_hours is not None:
        quiet_since = now - timedelta(hours=flt.silent_hours)
        conditions.append(heard < literal(quiet_since, UTCDateTime()))
    if flt.queue_id is not None:
        conditions.append(Ticket.queue_id == flt.queue_id)
    if flt.priority is not None:
        conditions.append(Ticket.priority == Priority(flt.priority))
    if flt.status is not None:
        conditions.append(Ticket.status == TicketStatus(flt.status))
    if flt.text.strip():
        query = flt.text.strip().lower()
        conditions.append(
            or_(
                func.lower(Customer.name).contains(query, autoescape=True),
                func.lower(Ticket.subject).contains(query, autoescape=True),
                func.lower(Ticket.external_id).contains(query, autoescape=True),
            )
        )
    stmt = stmt.where(*conditions)
    keys = _sort_keys(page.sort, created, fr_missing, frt_s, res_s, heard, next_due)
    ordered = [
        (k.desc() if page.descending != invert else k.asc()).nulls_last() for k, invert in keys
    ]
    return stmt.order_by(*ordered, Ticket.id).limit(page.limit)


def _sort_keys(
    sort: str,
    created: Any,
    fr_missing: Any,
    frt_s: Any,
    res_s: Any,
    heard: Any,
    next_due: Any,
) -> list[tuple[Any, bool]]:
    """ORDER BY terms that order as ``BoardData.sort_key`` does (NULLs last either way), each
    with whether it runs the other way (age: the oldest ticket has the largest age)."""
    if sort not in SORT_COLUMNS:
        raise ValueError(f"unknown board sort column {sort!r}")
    if sort == "customer":
        return [(func.lower(Customer.name), False)]
    if sort == "subject":
        return [(func.lower(Ticket.subject), False)]
    if sort == "priority":
        return [(case({p.value: p.rank for p in Priority}, value=Ticket.priority), False)]
    if sort == "status":
        return [(case({s: i for i, s in enumerate(OPEN_STATUS_ORDER)}, value=Ticket.status), False)]
    if sort == "queue":
        name = select(func.lower(Queue.name)).where(Queue.id == Ticket.queue_id)
        return [(name.scalar_subquery(), False)]
    if sort == "assignee":
        name = select(func.lower(Employee.full_name)).where(Employee.id == Ticket.assignee_id)
        return [(name.scalar_subquery(), False)]
    if sort == "age":
        return [(Ticket.created_at, True)]
    if sort == "first_response":
        # Running clocks by due time, then answered tickets by when they were answered.
        has_target = Ticket.frt_target_minutes.is_not(None)
        # NULL (last either way) for a running clock without a target, as NaN is in memory.
        answered = case((and_(fr_missing, has_target), 0), (~fr_missing, 1), else_=null())
        when = case((fr_missing, created + frt_s), else_=clock_seconds(Ticket.first_response_at))
        return [(answered, False), (when, False)]
    if sort == "resolution":
        return [(created + res_s, False)]
    if sort == "silence":
        return [(heard, True)]
    if sort == "next_notification":
        return [(next_due, False)]
    return [(Ticket.id, False)]
