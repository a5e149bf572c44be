"""The supervisor view's snapshot: team panel, weekly links, scorecards, needs attention.

Every figure is aggregated in SQL (``supervisor_agg``) and computed with the METRICS.md
definitions; access is checked first with the acting user (``supervisor_access``). The same
function feeds the view and the exports, so the PDF shows what the screen shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Employee, Team
from db.queries import supervisor_agg as agg
from db.queries.supervisor_access import Access, TeamChoice, team_access, team_choices
from db.queries.supervisor_facts import agent_facts, due_follow_ups
from db.queries.supervisor_figures import (
    Raw,
    coached_figure,
    collect,
    figures,
    recency_figure,
)
from desktop.core import coaching, metrics
from desktop.core.coaching import CoachingThresholds, Flag
from desktop.core.domain import Role
from desktop.core.identity import Actor
from desktop.core.periods import Period, trend_weeks
from desktop.core.scorecard import Figure, Metric

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Scope:
    """The agents a panel is about."""

    team_ids: tuple[int, ...]
    label: str
    tz: str
    agents: tuple[int, ...]  # every agent of the teams, for history
    active_agents: tuple[int, ...]  # who is on the team now


def scope_for(session: Session, team_ids: Sequence[int]) -> Scope:
    """The agents of ``team_ids`` (call after checking access)."""
    teams = session.execute(
        select(Team.id, Team.name, Team.timezone).where(Team.id.in_(team_ids)).order_by(Team.name)
    ).all()
    rows = session.execute(
        select(Employee.id, Employee.active).where(
            Employee.team_id.in_(team_ids), Employee.role == Role.AGENT
        )
    ).all()
    label = " + ".join(t.name for t in teams) or "—"
    tz = teams[0].timezone if teams else "UTC"
    return Scope(
        tuple(t.id for t in teams),
        label,
        tz,
        tuple(int(r[0]) for r in rows),
        tuple(int(r[0]) for r in rows if r[1]),
    )


@dataclass(frozen=True)
class Scatter:
    """One weekly scatter of the team panel: a point per week with both figures.

    Attributes:
        points: (week start, x, y) for weeks where both figures exist.
        r: Pearson correlation (``metrics.pearson``); None under 3 weeks or no variation.
    """

    x: Metric
    y: Metric
    points: tuple[tuple[datetime, float, float], ...]
    r: float | None

    @property
    def n(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class TeamPanel:
    """Customer and employee figures of a scope, now, before, and over 12 weeks."""

    scope: Scope
    access: Access
    period: Period
    current: Mapping[Metric, Figure]
    previous: Mapping[Metric, Figure]
    weeks: tuple[Window, ...]
    trend: Mapping[Metric, tuple[Figure, ...]]
    esat_csat: Scatter
    occupancy_csat: Scatter


@dataclass(frozen=True)
class ScorecardRow:
    """One agent: the same figures as the panel, now and in the comparison period."""

    employee_id: int
    name: str
    team: str
    current: Mapping[Metric, Figure]
    previous: Mapping[Metric, Figure]
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class SupervisorSnapshot:
    """Everything the supervisor view shows for one team choice and period."""

    at: datetime
    teams: tuple[TeamChoice, ...]
    panel: TeamPanel
    scorecards: tuple[ScorecardRow, ...]
    attention: tuple[Flag, ...]
    thresholds: CoachingThresholds


def _scatter(x: Metric, y: Metric, weeks: Sequence[Window], trend: Mapping) -> Scatter:
    points = []
    for index, (start, _end) in enumerate(weeks):
        fx, fy = trend[x][index], trend[y][index]
        if fx.value is not None and fy.value is not None:
            points.append((start, float(fx.value), float(fy.value)))
    r = metrics.pearson([p[1] for p in points], [p[2] for p in points])
    return Scatter(x, y, tuple(points), r)


@dataclass(frozen=True)
class Cube:
    """Aggregates of a scope: the period and its comparison, and the 12 trend weeks."""

    period: Raw
    weeks: Raw
    week_windows: tuple[Window, ...]


def cube(
    session: Session,
    agents: Sequence[int],
    period: Period,
    now: datetime,
    tz: str,
    thresholds: CoachingThresholds,
) -> Cube:
    """One scan per source table for everything a panel, its scorecards and its flags need."""
    windows = [(period.start, period.end), (period.previous_start, period.previous_end)]
    weeks = trend_weeks(period.end)
    by_period, by_week = collect(
        session, agents, [windows, weeks], now, tz, thresholds.silence_hours
    )
    return Cube(by_period, by_week, weeks)


def team_panel(
    session: Session,
    actor: Actor,
    team_ids: Sequence[int],
    period: Period,
    now: datetime,
    thresholds: CoachingThresholds | None = None,
) -> TeamPanel:
    """The team panel of ``team_ids`` for ``period`` (team aggregates only).

    Raises:
        AccessDenied: the actor supervises or leads none of them.
    """
    t = thresholds or CoachingThresholds()
    access = team_access(session, actor, team_ids)
    scope = scope_for(session, team_ids)
    data = cube(session, scope.agents, period, now, scope.tz, t)
    return _panel(session, access, scope, period, data)


def _panel(session: Session, access: Access, scope: Scope, period: Period, data: Cube) -> TeamPanel:
    # Team aggregates of pulse answers are shown to team leads too (5 answers, 3 people).
    current = figures(data.period, (None, 0), pulse_allowed=True)
    previous = figures(data.period, (None, 1), pulse_allowed=True)
    weeks = data.week_windows
    trend_cells = [figures(data.weeks, (None, i), pulse_allowed=True) for i in range(len(weeks))]
    ends = [period.end, period.previous_end] + [w[1] for w in weeks]
    coached = agg.coached_agents(session, scope.active_agents, ends)
    active = len(scope.active_agents)
    current[Metric.COACHED] = coached_figure(coached[0], active)
    previous[Metric.COACHED] = coached_figure(coached[1], active)
    for i, cell in enumerate(trend_cells):
        cell[Metric.COACHED] = coached_figure(coached[2 + i], active)
    trend = {m: tuple(cell[m] for cell in trend_cells) for m in current}
    return TeamPanel(
        scope,
        access,
        period,
        current,
        previous,
        weeks,
        trend,
        _scatter(Metric.ESAT, Metric.CSAT, weeks, trend),
        _scatter(Metric.OCCUPANCY, Metric.CSAT, weeks, trend),
    )


def scorecards(
    session: Session,
    actor: Actor,
    team_ids: Sequence[int],
    period: Period,
    now: datetime,
    thresholds: CoachingThresholds | None = None,
) -> tuple[ScorecardRow, ...]:
    """One row per active agent of ``team_ids``; pulse figures only for individual access.

    Raises:
        AccessDenied: the actor supervises or leads none of them.
    """
    t = thresholds or CoachingThresholds()
    access = team_access(session, actor, team_ids)
    scope = scope_for(session, team_ids)
    windows = [(period.start, period.end), (period.previous_start, period.previous_end)]
    (raw,) = collect(session, scope.active_agents, [windows], now, scope.tz, t.silence_hours)
    return _scorecards(session, access, scope, period, raw, {})


def _scorecards(
    session: Session,
    access: Access,
    scope: Scope,
    period: Period,
    raw: Raw,
    flags: Mapping[int, Sequence[Flag]],
) -> tuple[ScorecardRow, ...]:
    agents = scope.active_agents
    last = agg.last_sessions(session, agents, period.end)
    last_before = agg.last_sessions(session, agents, period.previous_end)
    people = session.execute(
        select(Employee.id, Employee.full_name, Team.name)
        .join(Team, Team.id == Employee.team_id)
        .where(Employee.id.in_(agents))
        .order_by(Employee.full_name)
    ).all()
    rows = []
    for employee_id, name, team in people:
        current = figures(raw, (employee_id, 0), access.individual)
        previous = figures(raw, (employee_id, 1), access.individual)
        current[Metric.RECENCY] = recency_figure(last.get(employee_id), period.end, scope.tz)
        previous[Metric.RECENCY] = recency_figure(
            last_before.get(employee_id), period.previous_end, scope.tz
        )
        rows.append(
            ScorecardRow(
                employee_id, name, team, current, previous, tuple(flags.get(employee_id, ()))
            )
        )
    return tuple(rows)


def supervisor_snapshot(
    session: Session,
    actor: Actor,
    team_ids: Sequence[int] | None,
    period: Period,
    now: datetime,
    thresholds: CoachingThresholds | None = None,
) -> SupervisorSnapshot:
    """Panel, scorecards and needs-attention list for the actor's chosen teams.

    Args:
        team_ids: the teams to show; None or empty means every team the actor may open.

    Raises:
        AccessDenied: the actor may open no team, or not one of ``team_ids``.
    """
    t = thresholds or CoachingThresholds()
    choices = tuple(team_choices(session, actor))
    chosen = list(team_ids or [c.team_id for c in choices])
    access = team_access(session, actor, chosen)
    scope = scope_for(session, chosen)
    data = cube(session, scope.agents, period, now, scope.tz, t)
    panel = _panel(session, access, scope, period, data)
    facts = agent_facts(session, access, scope, period, now, t, data.period, data.weeks)
    today = now.astimezone(_zone(scope.tz)).date()
    per_agent: dict[int, list[Flag]] = {}
    for f in facts:
        per_agent[f.employee_id] = coaching.needs_attention(coaching.evaluate(f, t, today))
    rows = _scorecards(session, access, scope, period, data.period, per_agent)
    follow_ups = coaching.follow_up_flags(due_follow_ups(session, actor, today), t, today)
    attention = coaching.needs_attention(
        [flag for flags in per_agent.values() for flag in flags] + follow_ups
    )
    return SupervisorSnapshot(now, choices, panel, rows, tuple(attention), t)


def _zone(tz: str):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)
