"""The rows behind a supervisor figure: the surveys, tickets, contacts, reviews or sessions it
was computed from (METRICS.md, "Every figure can be traced").

The filters are those of ``supervisor_agg``, so the rows listed are exactly the rows counted.
Individual pulse answers are listed only for individual access; coaching notes never.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from db.models import (
    Employee,
)
from db.queries.supervisor import scope_for
from db.queries.supervisor_access import AccessDenied, agent_access, team_access
from db.queries.supervisor_trace_rows import BUILDERS
from desktop.core.coaching import CoachingThresholds
from desktop.core.identity import Actor
from desktop.core.scorecard import CATALOGUE, Metric

LIMIT = 500


@dataclass(frozen=True)
class TraceTable:
    """Rows behind a figure.

    Attributes:
        kinds: per column, how to show a value: id, ticket, datetime, date, seconds, hours,
            fraction, pct, number, bool, text.
        total: rows matching (``rows`` holds at most ``LIMIT`` of them).
    """

    title: str
    definition: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: int


def _limited(session: Session, stmt: Select[Any], limit: int) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return list(session.execute(stmt.limit(limit)).all()), int(total)


def rows_behind(
    session: Session,
    actor: Actor,
    metric: Metric,
    start: datetime,
    end: datetime,
    now: datetime,
    team_ids: Sequence[int] = (),
    employee_id: int | None = None,
    thresholds: CoachingThresholds | None = None,
    limit: int = LIMIT,
) -> TraceTable:
    """The rows ``metric`` was computed from, for a team or one agent, in ``[start, end)``.

    Raises:
        AccessDenied: no access to the team or agent; pulse answers without individual access.
    """
    if employee_id is not None:
        access = agent_access(session, actor, employee_id)
        agents: list[int] = [employee_id]
        tz = _tz_of_agent(session, employee_id)
        active = agents
    else:
        access = team_access(session, actor, team_ids)
        scope = scope_for(session, team_ids)
        agents, tz, active = list(scope.agents), scope.tz, list(scope.active_agents)
    info = CATALOGUE[metric]
    if info.pulse and not access.individual:
        raise AccessDenied(
            "Individual pulse answers are visible only to the team's supervisors and to "
            "admins; you see the team's aggregate."
        )
    hours = (thresholds or CoachingThresholds()).silence_hours
    builder = BUILDERS[metric]
    columns, kinds, stmt_or_rows = builder(session, agents, active, start, end, now, tz, hours)
    if isinstance(stmt_or_rows, list):
        rows, total = stmt_or_rows[:limit], len(stmt_or_rows)
    else:
        rows, total = _limited(session, stmt_or_rows, limit)
    return TraceTable(
        f"{info.label}: {info.rows}",
        info.definition,
        columns,
        kinds,
        tuple(tuple(r) for r in rows),
        total,
    )


def _tz_of_agent(session: Session, employee_id: int) -> str:
    from db.models import Team

    tz = session.scalar(
        select(Team.timezone)
        .join(Employee, Employee.team_id == Team.id)
        .where(Employee.id == employee_id)
    )
    return tz or "UTC"
