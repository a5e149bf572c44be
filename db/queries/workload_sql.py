"""The workload view's SQL, each statement built once with bound parameters.

Building these statements cost more than running them for one team, and the interpreter
lock it holds is the one the GUI thread needs. Every query reads a covering index:
``ix_agent_states_employee_started`` (time per state today), ``ix_contacts_agent_answered``
(contacts handled today), ``ix_tickets_open_assignee_load`` (open tickets by priority and the
oldest), ``ix_agent_states_current`` (the current state).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from db.models import AgentStateLog, Contact, Customer, Employee, Team, Ticket
from db.queries.sqltime import count_where, seconds_between
from db.tables import OPEN_STATUS_SQL
from db.types import UTCDateTime
from desktop.core.domain import AgentState, Priority, Role

# No presence state lasts a day; older rows need not be scanned for today's sums, except an
# agent's current row (read separately through its partial index).
STATE_LOOKBACK = timedelta(hours=24)


@cache
def team_statement(filtered: bool) -> Select:  # type: ignore[type-arg]
    agents = (
        select(Employee.team_id, func.count().label("n"))
        .where(Employee.role == Role.AGENT, Employee.active.is_(True))
        .group_by(Employee.team_id)
        .subquery()
    )
    stmt = (
        select(Team.id, Team.name, Team.timezone, func.coalesce(agents.c.n, 0))
        .outerjoin(agents, agents.c.team_id == Team.id)
        .order_by(Team.name)
    )
    return stmt.where(Team.id.in_(_teams())) if filtered else stmt


def _ts(name: str) -> BindParameter[datetime]:
    return bindparam(name, type_=UTCDateTime())


def _teams() -> BindParameter[list[int]]:
    return bindparam("teams", expanding=True)


@cache
def _state_statements() -> tuple[Select, Select]:  # type: ignore[type-arg]
    """Seconds per agent and state inside [start, now]: today's rows (by the started-at
    index), then current rows that started before the look-back (by the partial index).

    Built once: statement construction would cost more than these queries, and it holds the
    interpreter lock the GUI thread needs.
    """
    start, now, lookback = _ts("start"), _ts("now"), _ts("lookback")
    lo = case((AgentStateLog.started_at > start, AgentStateLog.started_at), else_=start)
    end = func.coalesce(AgentStateLog.ended_at, now)
    hi = case((end < now, end), else_=now)
    overlaps = and_(
        AgentStateLog.state != AgentState.OFFLINE.value,
        AgentStateLog.started_at < now,
        func.coalesce(AgentStateLog.ended_at, now) > start,
    )
    recent = AgentStateLog.started_at >= lookback
    old_current = and_(AgentStateLog.ended_at.is_(None), AgentStateLog.started_at < lookback)

    def one(extra):  # type: ignore[no-untyped-def]
        return (
            select(
                AgentStateLog.employee_id,
                AgentStateLog.state,
                func.sum(seconds_between(lo, hi)),
            )
            .join(Employee, Employee.id == AgentStateLog.employee_id)
            .where(Employee.team_id.in_(_teams()), overlaps, extra)
            .group_by(AgentStateLog.employee_id, AgentStateLog.state)
        )

    return one(recent), one(old_current)


def state_seconds(
    session: Session, team_ids: Sequence[int], start: datetime, now: datetime
) -> dict[int, dict[str, float]]:
    """Seconds per agent and state since ``start`` (offline is not counted)."""
    params = {
        "teams": list(team_ids),
        "start": start,
        "now": now,
        "lookback": start - STATE_LOOKBACK,
    }
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for stmt in _state_statements():
        for employee_id, state, seconds in session.execute(stmt, params):
            out[employee_id][str(state)] += max(0.0, float(seconds or 0.0))
    return out


@cache
def _contacts_statement() -> Select:  # type: ignore[type-arg]
    done = Contact.ended_at.is_not(None)
    handle = Contact.talk_seconds + Contact.hold_seconds + Contact.wrap_seconds
    return (
        select(
            Contact.agent_id,
            func.count(),
            count_where(done),
            func.coalesce(func.sum(case((done, handle), else_=0.0)), 0.0),
        )
        .join(Employee, Employee.id == Contact.agent_id)
        .where(
            Employee.team_id.in_(_teams()),
            Contact.answered_at >= _ts("start"),
            Contact.answered_at <= _ts("now"),
        )
        .group_by(Contact.agent_id)
    )


def contacts_today(
    session: Session, team_ids: Sequence[int], start: datetime, now: datetime
) -> dict[int, tuple[int, int, float]]:
    """Per agent: contacts answered since ``start``, completed ones, their handle time."""
    rows = session.execute(
        _contacts_statement(), {"teams": list(team_ids), "start": start, "now": now}
    )
    return {a: (int(n), int(c), float(h)) for a, n, c, h in rows}


@cache
def _ticket_statements() -> tuple[Select, Select]:  # type: ignore[type-arg]
    """Open tickets per agent and priority; each agent's oldest open ticket.

    Both read ``ix_tickets_open_assignee_load`` alone; the open-status predicate is the
    index's own text, which is what lets SQLite use a partial index.
    """
    is_open = text(f"tickets.{OPEN_STATUS_SQL}")
    in_teams = Employee.team_id.in_(_teams())
    counts = (
        select(Ticket.assignee_id, Ticket.priority, func.count())
        .join(Employee, Employee.id == Ticket.assignee_id)
        .where(is_open, in_teams)
        .group_by(Ticket.assignee_id, Ticket.priority)
    )
    firsts = (
        select(Ticket.assignee_id.label("assignee_id"), func.min(Ticket.created_at).label("m"))
        .join(Employee, Employee.id == Ticket.assignee_id)
        .where(is_open, in_teams)
        .group_by(Ticket.assignee_id)
        .subquery()
    )
    oldest = (
        select(
            Ticket.assignee_id, Ticket.id, Ticket.subject, Ticket.created_at, Ticket.last_heard_at
        )
        .join(
            firsts,
            and_(firsts.c.assignee_id == Ticket.assignee_id, firsts.c.m == Ticket.created_at),
        )
        .where(is_open)
        .order_by(Ticket.id)
    )
    return counts, oldest


def open_tickets(
    session: Session, team_ids: Sequence[int]
) -> tuple[dict[int, dict[str, int]], dict[int, tuple[int, str, datetime, datetime | None]]]:
    """Open tickets per agent and priority, and each agent's oldest open ticket."""
    counts_stmt, oldest_stmt = _ticket_statements()
    params = {"teams": list(team_ids)}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for assignee, priority, n in session.execute(counts_stmt, params):
        counts[assignee][str(priority)] = int(n)
    oldest: dict[int, tuple[int, str, datetime, datetime | None]] = {}
    for assignee, ticket_id, subject, created, heard in session.execute(oldest_stmt, params):
        oldest.setdefault(assignee, (ticket_id, subject, created, heard))
    return counts, oldest


@cache
def agents_statement() -> Select:  # type: ignore[type-arg]
    """Agents of the teams with their current state (plain columns: no ORM objects)."""
    return (
        select(
            Employee.id,
            Employee.full_name,
            Employee.team_id,
            Employee.shift_start,
            Employee.shift_end,
            Employee.shift_days,
            AgentStateLog.state,
            AgentStateLog.started_at,
            AgentStateLog.reason,
        )
        .outerjoin(
            AgentStateLog,
            and_(AgentStateLog.employee_id == Employee.id, AgentStateLog.ended_at.is_(None)),
        )
        .where(
            Employee.role == Role.AGENT,
            Employee.active.is_(True),
            Employee.team_id.in_(_teams()),
        )
        .order_by(Employee.full_name, Employee.id)
    )


@cache
def tickets_statement() -> Select:  # type: ignore[type-arg]
    rank = case(*((Ticket.priority == p.value, -p.rank) for p in Priority), else_=0)
    return (
        select(
            Ticket.id,
            Ticket.version,
            Ticket.subject,
            Customer.name,
            Ticket.priority,
            Ticket.status,
            Ticket.created_at,
            Ticket.last_heard_at,
        )
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.assignee_id == bindparam("agent"), text(f"tickets.{OPEN_STATUS_SQL}"))
        .order_by(rank, Ticket.created_at, Ticket.id)
    )
