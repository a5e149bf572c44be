"""The organisation of the demo data set: teams, people, queues and skills."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import numpy as np

from desktop.core.domain import Role
from desktop.sources.demo_clock import DAY, rng_for, to_datetime
from desktop.sources.demo_presets import CHANNELS, ScalePreset
from desktop.sources.demo_vocab import EMPLOYEE_FIRST, EMPLOYEE_LAST

# Weekly patterns: most agents work Monday to Friday; rotas cover the weekend.
ROTAS = ("12345", "23456", "34567", "12567")
ROTA_SHARE = (0.64, 0.12, 0.12, 0.12)
# Shift starts in local minutes, weighted towards the morning peak.
SHIFT_STARTS = (7 * 60, 7 * 60 + 30, 8 * 60, 8 * 60 + 30, 9 * 60, 10 * 60, 11 * 60, 11 * 60 + 30)
SHIFT_START_SHARE = (0.08, 0.12, 0.2, 0.16, 0.14, 0.12, 0.1, 0.08)
SHIFT_MINUTES = 8 * 60 + 30  # includes an hour of breaks


@dataclass(frozen=True)
class Org:
    """Who works where. Agent arrays are indexed by agent number ``0..n_agents-1``.

    Attributes:
        team_rows, employee_rows, manager_rows, queue_rows, member_rows: rows to insert.
        agent_ids: employee id of each agent.
        agent_team: team index of each agent.
        agent_hire_day: epoch second of each agent's hire date (UTC midnight).
        agent_quality: skill in standard deviations (drives CSAT, QA, speed).
        agent_speed: handle-time multiplier (new hires are slower).
        agent_shift_start: local shift start in minutes after midnight.
        agent_rota: ISO weekdays each agent works, e.g. "12345".
        agent_skills: queue indexes each agent takes, primary first.
        queue_agents: agent numbers skilled for each queue.
        lead_of_team, supervisor_of_team: employee id managing each team.
        admin_id: the first admin's employee id.
    """

    team_rows: list[dict[str, Any]]
    employee_rows: list[dict[str, Any]]
    manager_rows: list[dict[str, Any]]
    queue_rows: list[dict[str, Any]]
    member_rows: list[dict[str, Any]]
    agent_ids: np.ndarray
    agent_team: np.ndarray
    agent_hire_day: np.ndarray
    agent_quality: np.ndarray
    agent_speed: np.ndarray
    agent_shift_start: np.ndarray
    agent_rota: list[str]
    agent_skills: list[list[int]]
    queue_agents: list[list[int]]
    lead_of_team: list[int]
    supervisor_of_team: list[int]
    admin_id: int

    @property
    def n_agents(self) -> int:
        """Number of agents."""
        return len(self.agent_ids)


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return folded.lower().replace("'", "").replace(" ", "")


def _names(rng: np.random.Generator, count: int) -> list[tuple[str, str]]:
    """``count`` distinct (full name, username) pairs."""
    combos = len(EMPLOYEE_FIRST) * len(EMPLOYEE_LAST)
    picks = rng.choice(combos, size=count, replace=count > combos)
    out: list[tuple[str, str]] = []
    taken: dict[str, int] = {}
    for p in picks.tolist():
        first, last = EMPLOYEE_FIRST[p // len(EMPLOYEE_LAST)], EMPLOYEE_LAST[p % len(EMPLOYEE_LAST)]
        user = f"{_ascii(first)}.{_ascii(last)}"
        n = taken.get(user, 0)
        taken[user] = n + 1
        out.append((f"{first} {last}", user if n == 0 else f"{user}{n + 1}"))
    return out


def build_org(p: ScalePreset, seed: int, now_s: int) -> Org:
    """Teams, employees, managers, queues and skills for preset ``p``."""
    rng = rng_for(seed, "org")
    today = to_datetime(now_s).date()
    created = to_datetime(now_s - 3 * 365 * DAY)
    team_rows = [
        {"id": i + 1, "name": t.name, "timezone": t.timezone, "created_at": created}
        for i, t in enumerate(p.teams)
    ]
    n_agents = sum(p.agents_per_team)
    n_people = n_agents + len(p.teams) + p.supervisors + p.admins
    names = _names(rng, n_people)
    employees: list[dict[str, Any]] = []

    def person(role: Role, team: int | None, **extra: Any) -> int:
        full, user = names[len(employees)]
        row = {
            "id": len(employees) + 1,
            "username": user,
            "full_name": full,
            "email": f"{user}@proximity.example",
            "role": role,
            "team_id": None if team is None else team + 1,
            "hire_date": today - timedelta(days=int(rng.integers(400, 3000))),
            "shift_start": time(8, 30),
            "shift_end": time(17, 0),
            "shift_days": "12345",
            "takes_contacts": False,
            "active": True,
        }
        row.update(extra)
        employees.append(row)
        return row["id"]

    admin_id = 0
    for _ in range(p.admins):
        admin_id = admin_id or person(Role.ADMIN, None)
    supervisors = [person(Role.SUPERVISOR, None) for _ in range(p.supervisors)]
    leads = [person(Role.TEAM_LEAD, t) for t in range(len(p.teams))]
    sup_of_team = [
        supervisors[min(t // p.teams_per_supervisor, len(supervisors) - 1)]
        for t in range(len(p.teams))
    ]
    managers = [{"team_id": t + 1, "employee_id": e} for t, e in enumerate(leads)]
    managers += [{"team_id": t + 1, "employee_id": e} for t, e in enumerate(sup_of_team)]

    agent_team = np.repeat(np.arange(len(p.teams)), p.agents_per_team)
    quality = rng.normal(0.0, 1.0, n_agents)
    new_hire = rng.random(n_agents) < p.new_hire_share
    if p.name == "small":  # the Onboarding team welcomed three new agents three weeks ago
        new_hire[:] = False
        new_hire[np.flatnonzero(agent_team == 2)[:3]] = True
    hire_days = np.where(
        new_hire, rng.integers(15, 26, n_agents), rng.integers(120, 2500, n_agents)
    )
    quality = np.where(new_hire, quality - 1.0, quality)
    speed = np.exp(-0.06 * quality) * np.where(new_hire, 1.25, 1.0)
    rota_idx = rng.choice(len(ROTAS), size=n_agents, p=ROTA_SHARE)
    start_idx = rng.choice(len(SHIFT_STARTS), size=n_agents, p=SHIFT_START_SHARE)
    shift_start = np.array(SHIFT_STARTS)[start_idx]
    agent_ids = np.zeros(n_agents, dtype=np.int64)
    for a in range(n_agents):
        s = int(shift_start[a])
        end = s + SHIFT_MINUTES
        agent_ids[a] = person(
            Role.AGENT,
            int(agent_team[a]),
            hire_date=today - timedelta(days=int(hire_days[a])),
            shift_start=time(s // 60, s % 60),
            shift_end=time(end // 60 % 24, end % 60),
            shift_days=ROTAS[int(rota_idx[a])],
            takes_contacts=True,
        )
    hire_day = np.array(
        [int(np.datetime64(r["hire_date"], "s").astype(np.int64)) for r in employees[-n_agents:]],
        dtype=np.int64,
    )

    skills, queue_agents = _skills(p, agent_team, rng)
    queue_rows = []
    for i, q in enumerate(p.queues):
        queue_rows.append(
            {
                "id": i + 1,
                "name": q.name,
                "channel": q.channel,
                "team_id": q.team + 1,
                "timezone": p.teams[q.team].timezone,
                "sl_target": q.sl_target,
                "sl_threshold_seconds": q.sl_threshold_seconds,
                "sl_variant": "answered_plus_abandoned",
                "short_abandon_seconds": 5,
                "daily_reset": time(0, 0),
                "warn_longest_wait_seconds": q.warn_longest_wait_seconds,
                "warn_waiting_count": q.warn_waiting_count,
                "shrinkage": q.shrinkage,
                "max_occupancy": 0.85,
                "active": True,
            }
        )
    members = [
        {"queue_id": q + 1, "employee_id": int(agent_ids[a])}
        for q, agents in enumerate(queue_agents)
        for a in agents
    ]
    return Org(
        team_rows,
        employees,
        managers,
        queue_rows,
        members,
        agent_ids,
        agent_team,
        hire_day,
        quality,
        speed,
        shift_start,
        [ROTAS[int(r)] for r in rota_idx],
        skills,
        queue_agents,
        leads,
        sup_of_team,
        admin_id,
    )


def _skills(
    p: ScalePreset, agent_team: np.ndarray, rng: np.random.Generator
) -> tuple[list[list[int]], list[list[int]]]:
    """Each agent takes 1-3 queues: a primary queue of the team, maybe another, maybe chat.

    Every queue gets agents: the primary queues are dealt round-robin within each team.
    """
    team_queues: list[list[int]] = [[] for _ in p.teams]
    for i, q in enumerate(p.queues):
        team_queues[q.team].append(i)
    chat_queues = [i for i, q in enumerate(p.queues) if q.channel.value == "chat"]
    skills: list[list[int]] = []
    seen_in_team: dict[int, int] = {}
    for t in agent_team.tolist():
        own = team_queues[t]
        k = seen_in_team.get(t, 0)
        seen_in_team[t] = k + 1
        # Weight primaries towards the phones: voice needs the most people.
        order = sorted(own, key=lambda i: (CHANNELS[p.queues[i].channel].patience_median == 0, i))
        primary = order[k % len(order)] if k < 2 * len(order) else order[0]
        mine = [primary]
        others = [i for i in own if i != primary]
        if others and rng.random() < 0.7:
            mine.append(others[int(rng.integers(len(others)))])
        foreign = [i for i in chat_queues if i not in mine]
        if foreign and len(mine) < 3 and rng.random() < 0.2:
            mine.append(foreign[int(rng.integers(len(foreign)))])
        skills.append(mine)
    queue_agents: list[list[int]] = [[] for _ in p.queues]
    for agent, mine in enumerate(skills):
        for q in mine:
            queue_agents[q].append(agent)
    return skills, queue_agents


def queue_team_tz(p: ScalePreset) -> list[str]:
    """Time zone of each queue (its team's)."""
    return [p.teams[q.team].timezone for q in p.queues]


def agent_capacity_share(p: ScalePreset, org: Org) -> np.ndarray:
    """Expected agent-equivalents working each queue on a weekday (primary skill weighs most)."""
    share = np.zeros(len(p.queues))
    for mine in org.agent_skills:
        weights = np.array([0.6] + [0.4 / max(len(mine) - 1, 1)] * (len(mine) - 1))
        weights /= weights.sum()
        for q, w in zip(mine, weights.tolist(), strict=True):
            share[q] += w
    return share


def hire_dates(org: Org) -> list[date]:
    """Hire date of each agent."""
    return [r["hire_date"] for r in org.employee_rows if r["role"] == Role.AGENT]
