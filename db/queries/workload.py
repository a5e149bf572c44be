"""The workload view's snapshot: one row per agent of the chosen teams, and each team's balance.

Definitions are METRICS.md's (Employees, Workload fairness). An agent's "today" starts at
midnight in their team's time zone. Everything is aggregated in SQL per group of teams that
share a day start (usually one or two groups), through the partial open-ticket indexes, the
agent-state index and the contacts-by-agent index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.orm import Session

from db.queries.workload_sql import (
    agents_statement,
    contacts_today,
    open_tickets,
    state_seconds,
    team_statement,
    tickets_statement,
)
from desktop.core import metrics
from desktop.core.balance import LoadedAgent, TeamBalance, team_balance
from desktop.core.domain import AgentState, Priority
from desktop.core.intraday import day_start, scheduled_shift_seconds, zone

__all__ = [
    "AgentLoad",
    "TeamChoice",
    "TicketLine",
    "WorkloadSnapshot",
    "agent_tickets",
    "team_choices",
    "workload_snapshot",
]


@dataclass(frozen=True)
class TeamChoice:
    """A team the user may show."""

    team_id: int
    name: str
    timezone: str
    agents: int


@dataclass(frozen=True)
class AgentLoad:
    """One agent's row of the workload table (durations in seconds).

    ``occupancy_today`` is busy / (busy + available); ``logged_in_s`` is time in any state
    but offline since the day start; ``overtime_s`` is logged-in time beyond the scheduled
    shift (None when no shift is defined).
    """

    employee_id: int
    name: str
    team_id: int | None
    team: str | None
    state: str
    state_since: datetime | None
    state_reason: str | None
    urgent: int
    high: int
    normal: int
    low: int
    weighted_load: float
    handled_today: int
    aht_today_s: float | None
    busy_s: float
    available_s: float
    away_s: float
    occupancy_today: float | None
    logged_in_s: float
    scheduled_s: float | None
    overtime_s: float | None
    oldest_ticket_id: int | None
    oldest_subject: str | None
    oldest_created_at: datetime | None
    oldest_silence_s: float | None
    in_state_s: float | None = None
    oldest_age_s: float | None = None

    @property
    def open_total(self) -> int:
        return self.urgent + self.high + self.normal + self.low

    @property
    def logged_in(self) -> bool:
        return self.state != AgentState.OFFLINE


@dataclass(frozen=True)
class TicketLine:
    """An open ticket held by the focused agent, with the version for optimistic locking."""

    ticket_id: int
    version: int
    subject: str
    customer: str
    priority: str
    status: str
    created_at: datetime
    silence_s: float
    age_s: float


@dataclass(frozen=True)
class WorkloadSnapshot:
    """Everything the workload view shows at one moment."""

    at: datetime
    team_ids: tuple[int, ...]
    agents: tuple[AgentLoad, ...]
    balances: tuple[TeamBalance, ...]
    focus_agent_id: int | None
    focus_tickets: tuple[TicketLine, ...]


def team_choices(session: Session, team_ids: Sequence[int] | None = None) -> list[TeamChoice]:
    """Teams (all, or those in ``team_ids``) with their number of active agents."""
    params = {"teams": list(team_ids)} if team_ids is not None else {}
    rows = session.execute(team_statement(team_ids is not None), params)
    return [TeamChoice(i, n, tz or "UTC", int(a)) for i, n, tz, a in rows]


def _whole_minutes(seconds: float) -> float:
    return max(0.0, seconds // 60 * 60)


def agent_tickets(session: Session, employee_id: int, now: datetime) -> tuple[TicketLine, ...]:
    """Open tickets held by one agent: most urgent first, then oldest.

    Ages and silences are in whole minutes: a ticket's row then changes once a minute, not
    on every refresh (the rebalancing pane has hundreds of rows for a loaded agent).
    """
    return tuple(
        TicketLine(
            ticket_id,
            version,
            subject,
            customer,
            str(priority),
            str(status),
            created,
            _whole_minutes((now - (heard or created)).total_seconds()),
            _whole_minutes((now - created).total_seconds()),
        )
        for ticket_id, version, subject, customer, priority, status, created, heard in (
            session.execute(tickets_statement(), {"agent": employee_id})
        )
    )


def _balances(agents: Iterable[AgentLoad], teams: Mapping[int, str]) -> tuple[TeamBalance, ...]:
    by_team: dict[int, list[LoadedAgent]] = {tid: [] for tid in teams}
    for a in agents:
        if a.team_id in by_team and a.logged_in:
            by_team[a.team_id].append(LoadedAgent(a.employee_id, a.name, a.weighted_load))
    return tuple(team_balance(tid, teams[tid], loaded) for tid, loaded in by_team.items())


def workload_snapshot(
    session: Session,
    now: datetime,
    team_ids: Sequence[int],
    focus_agent_id: int | None = None,
    weights: Mapping[str, float] = metrics.DEFAULT_PRIORITY_WEIGHTS,
) -> WorkloadSnapshot:
    """Per agent of ``team_ids``: state, open tickets, load and today's figures; per team,
    the load balance; and the open tickets of the focused agent.

    Args:
        session: a read session.
        now: the current time (aware).
        team_ids: the teams to show (an empty sequence shows nobody).
        focus_agent_id: the agent whose tickets the rebalancing pane lists.
        weights: priority weights of the load (METRICS.md defaults).
    """
    teams = team_choices(session, team_ids)
    team_names = {t.team_id: t.name for t in teams}
    groups: dict[datetime, list[int]] = defaultdict(list)
    starts: dict[int, datetime] = {}
    for t in teams:
        starts[t.team_id] = day_start(now, t.timezone, time(0, 0))
        groups[starts[t.team_id]].append(t.team_id)
    states: dict[int, dict[str, float]] = {}
    contacts: dict[int, tuple[int, int, float]] = {}
    for start, ids in groups.items():
        states.update(state_seconds(session, ids, start, now))
        contacts.update(contacts_today(session, ids, start, now))
    counts, oldest = open_tickets(session, list(team_names))
    team_tz = {t.team_id: t.timezone for t in teams}

    rows: list[AgentLoad] = []
    for (
        emp_id,
        name,
        team_id,
        shift_start,
        shift_end,
        shift_days,
        state,
        since,
        reason,
    ) in session.execute(agents_statement(), {"teams": list(team_names)}):
        by_priority = counts.get(emp_id, {})
        per_state = states.get(emp_id, {})
        busy = per_state.get(AgentState.BUSY, 0.0)
        available = per_state.get(AgentState.AVAILABLE, 0.0)
        away = per_state.get(AgentState.AWAY, 0.0)
        logged_in = busy + available + away
        weekday = now.astimezone(zone(team_tz.get(team_id))).isoweekday()
        scheduled = scheduled_shift_seconds(shift_start, shift_end, shift_days, weekday)
        handled, completed, handle_total = contacts.get(emp_id, (0, 0, 0.0))
        old = oldest.get(emp_id)
        rows.append(
            AgentLoad(
                employee_id=emp_id,
                name=name,
                team_id=team_id,
                team=team_names.get(team_id) if team_id is not None else None,
                state=str(state or AgentState.OFFLINE),
                state_since=since,
                state_reason=reason,
                urgent=by_priority.get(Priority.URGENT, 0),
                high=by_priority.get(Priority.HIGH, 0),
                normal=by_priority.get(Priority.NORMAL, 0),
                low=by_priority.get(Priority.LOW, 0),
                weighted_load=metrics.weighted_load(by_priority, weights),
                handled_today=handled,
                aht_today_s=metrics.average_handle_time(handle_total, 0.0, 0.0, completed),
                busy_s=busy,
                available_s=available,
                away_s=away,
                occupancy_today=metrics.occupancy(busy, available),
                logged_in_s=logged_in,
                scheduled_s=scheduled,
                overtime_s=metrics.overtime(logged_in, scheduled),
                oldest_ticket_id=old[0] if old else None,
                oldest_subject=old[1] if old else None,
                oldest_created_at=old[2] if old else None,
                oldest_silence_s=(
                    max(0.0, (now - (old[3] or old[2])).total_seconds()) if old else None
                ),
                in_state_s=max(0.0, (now - since).total_seconds()) if since else None,
                oldest_age_s=max(0.0, (now - old[2]).total_seconds()) if old else None,
            )
        )
    focus = agent_tickets(session, focus_agent_id, now) if focus_agent_id is not None else ()
    return WorkloadSnapshot(
        now, tuple(team_names), tuple(rows), _balances(rows, team_names), focus_agent_id, focus
    )
