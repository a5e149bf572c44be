"""When agents work: logged-in windows between breaks, absences, overtime, coaching slots.

A window is a stretch of logged-in time between two away periods. The contact simulator only
hands contacts to agents inside their windows; the agent state log is built from the windows
and the contacts afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from desktop.core.domain import CoachingStatus
from desktop.sources.demo_clock import DAY, MINUTE, LocalClock, rng_for, to_datetime
from desktop.sources.demo_people import SHIFT_MINUTES, Org
from desktop.sources.demo_presets import ScalePreset

COACHING_SLOT_MIN = 300  # minutes after shift start: just after lunch, before the second break
COACHING_MINUTES = 30


@dataclass(frozen=True)
class PlannedSession:
    """A coaching session: when, who coaches, and what became of it."""

    agent: int
    coach_id: int
    at: int
    status: CoachingStatus
    topic: int


@dataclass
class Schedule:
    """Per agent: logged-in windows ``[start, end)`` and the reason of the gap after each."""

    starts: list[list[int]] = field(default_factory=list)
    ends: list[list[int]] = field(default_factory=list)
    after: list[list[str]] = field(default_factory=list)
    sessions: list[PlannedSession] = field(default_factory=list)


def team_clocks(p: ScalePreset, first_s: int, days: int) -> list[LocalClock]:
    """A local clock per team covering ``days`` days from the day of ``first_s``."""
    first = to_datetime(first_s).date() - timedelta(days=1)
    by_zone: dict[str, LocalClock] = {}
    out = []
    for t in p.teams:
        if t.timezone not in by_zone:
            by_zone[t.timezone] = LocalClock.build(t.timezone, first, days + 2)
        out.append(by_zone[t.timezone])
    return out


def plan_coaching(p: ScalePreset, org: Org, seed: int, now_s: int) -> list[PlannedSession]:
    """Coaching sessions over the people history and the next ten days.

    Most agents are coached every two to five weeks; about one in seven has been left alone
    for more than 45 days, which the supervisor view's "no coaching for N days" rule flags.
    """
    rng = rng_for(seed, "coaching-plan")
    clocks = team_clocks(p, now_s - p.people_days * DAY, p.people_days + 12)
    sessions: list[PlannedSession] = []
    horizon = now_s - p.people_days * DAY
    for a in range(org.n_agents):
        team = int(org.agent_team[a])
        clock = clocks[team]
        rota = org.agent_rota[a]
        neglected = rng.random() < 0.15
        days_back = rng.uniform(50, 80) if neglected else rng.uniform(2, 20)
        when: list[float] = []
        t = now_s - days_back * DAY
        while t > max(horizon, int(org.agent_hire_day[a]) + 5 * DAY):
            when.append(t)
            if neglected:
                break
            t -= rng.uniform(14, 35) * DAY
        if rng.random() < 0.35:
            when.append(now_s + rng.uniform(1, 9) * DAY)
        for at in sorted(when):
            d = int(clock.day_index(np.array([int(at)]))[0])
            while str(int(clock.iso_weekday(d))) not in rota and d < clock.days - 1:
                d += 1
            start = (
                int(clock.midnights[d])
                + (int(org.agent_shift_start[a]) + COACHING_SLOT_MIN) * MINUTE
            )
            if start > now_s:
                status = CoachingStatus.PLANNED
            else:
                status = CoachingStatus.CANCELLED if rng.random() < 0.08 else CoachingStatus.HELD
            coach = org.lead_of_team[team] if rng.random() < 0.8 else org.supervisor_of_team[team]
            sessions.append(PlannedSession(a, coach, start, status, int(rng.integers(6))))
    return sessions


def build_schedule(
    p: ScalePreset, org: Org, seed: int, now_s: int, sessions: list[PlannedSession]
) -> Schedule:
    """Logged-in windows of every agent over the contact history (and the rest of today).

    Days start from the contact history's first local day; absences (sick days, one holiday
    week for some), late log-ins, early log-outs and overtime make staffing uneven, which is
    what makes service level dip on some days.
    """
    rng = rng_for(seed, "schedule")
    first_s = now_s - p.contact_days * DAY
    clocks = team_clocks(p, first_s, p.contact_days + 2)
    coached: dict[tuple[int, int], bool] = {}
    for s in sessions:
        if s.status == CoachingStatus.HELD:
            d = int(clocks[int(org.agent_team[s.agent])].day_index(np.array([s.at]))[0])
            coached[(s.agent, d)] = True
    sched = Schedule(sessions=sessions)
    n_days = clocks[0].days
    for a in range(org.n_agents):
        team = int(org.agent_team[a])
        clock = clocks[team]
        tech = p.teams[team].kind == "tech"
        rota = org.agent_rota[a]
        start_min = int(org.agent_shift_start[a])
        holiday = -1
        if rng.random() < 0.2 and p.contact_days >= 10:
            holiday = int(rng.integers(0, n_days - 7))
        starts: list[int] = []
        ends: list[int] = []
        after: list[str] = []
        u = rng.random((n_days, 8))
        for d in range(n_days):
            mid = int(clock.midnights[d])
            login = mid + start_min * MINUTE
            if str(int(clock.iso_weekday(d))) not in rota or login < first_s:
                continue
            if login < int(org.agent_hire_day[a]) or (holiday >= 0 and holiday <= d < holiday + 7):
                continue
            sick_rate = 0.05 if tech else 0.03
            is_today = mid <= now_s < mid + DAY
            if u[d, 0] < sick_rate or (is_today and tech and p.name == "small" and a % 7 == 0):
                continue
            login += int(rng.normal(-3, 3) * MINUTE)
            if u[d, 1] < 0.08:
                login += int(5 + 20 * u[d, 2]) * MINUTE
            logout = mid + (start_min + SHIFT_MINUTES) * MINUTE + int(rng.normal(1, 3) * MINUTE)
            if u[d, 3] < (0.22 if tech else 0.10):
                logout += int(20 + 70 * u[d, 4]) * MINUTE
            elif u[d, 3] > 0.97:
                logout -= int(15 + 30 * u[d, 4]) * MINUTE
            gaps = [
                (mid + (start_min + 120 + int(30 * u[d, 5]) - 15) * MINUTE, 15, "break"),
                (mid + (start_min + 240 + int(40 * u[d, 6]) - 20) * MINUTE, 30, "lunch"),
                (mid + (start_min + 390 + int(30 * u[d, 7]) - 15) * MINUTE, 15, "break"),
            ]
            if coached.get((a, d)):
                gaps.append(
                    (mid + (start_min + COACHING_SLOT_MIN) * MINUTE, COACHING_MINUTES, "coaching")
                )
            elif u[d, 2] > 0.98:
                gaps.append((mid + (start_min + COACHING_SLOT_MIN) * MINUTE, 60, "training"))
            gaps.sort()
            t = login
            for g_start, g_min, reason in gaps:
                starts.append(t)
                ends.append(g_start)
                after.append(reason)
                t = g_start + g_min * MINUTE
            starts.append(t)
            ends.append(logout)
            after.append("offline")
        sched.starts.append(starts)
        sched.ends.append(ends)
        sched.after.append(after)
    return sched


def weekday_productive_seconds(org: Org) -> np.ndarray:
    """Seconds each agent is logged in and not on a break, on a day they work."""
    return np.full(org.n_agents, (SHIFT_MINUTES - 60) * MINUTE, dtype=np.float64)
