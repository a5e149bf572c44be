"""Figures from raw aggregates: one ``Figure`` per metric, per scope and window.

``collect`` runs the aggregate queries of ``supervisor_agg`` for sets of adjacent windows;
``figures`` turns one (agent, window) cell of the result into figures with the definitions of
``desktop.core.metrics`` (through ``desktop.core.scorecard``), applying the confidentiality
rules: pulse figures per agent only for individual access, and no survey figure over fewer
than 5 answers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import astuple, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Employee
from db.queries import supervisor_agg as agg
from db.queries.supervisor_sql import Window
from desktop.core import metrics
from desktop.core.coaching_slots import Shift
from desktop.core.periods import local_day_starts
from desktop.core.scorecard import (
    MIN_RESPONDENTS,
    Figure,
    Metric,
    csat_from_counts,
    esat_from_sums,
    nps_from_counts,
    survey_figure,
)

Key = agg.Key
ALL_SOURCES = frozenset(
    {"surveys", "solved", "created", "handled", "states", "overtime", "pulse", "qa", "sessions"}
)
SUPERVISORS_ONLY = "supervisors only"


@dataclass(frozen=True)
class Raw:
    """Raw aggregates of one set of windows, keyed by (agent or None, window index)."""

    surveys: Mapping[Key, agg.SurveyAgg] = field(default_factory=dict)
    solved: Mapping[Key, agg.SolvedAgg] = field(default_factory=dict)
    created: Mapping[Key, agg.CreatedAgg] = field(default_factory=dict)
    handled: Mapping[Key, agg.HandleAgg] = field(default_factory=dict)
    states: Mapping[Key, agg.StateAgg] = field(default_factory=dict)
    overtime: Mapping[Key, tuple[float, int]] = field(default_factory=dict)
    pulse: Mapping[Key, agg.PulseAgg] = field(default_factory=dict)
    qa: Mapping[Key, agg.QaAgg] = field(default_factory=dict)
    sessions: Mapping[Key, int] = field(default_factory=dict)


def shifts_of(session: Session, agents: Sequence[int]) -> dict[int, Shift | None]:
    """Each agent's weekly shift (None when none is recorded)."""
    rows = session.execute(
        select(Employee.id, Employee.shift_start, Employee.shift_end, Employee.shift_days).where(
            Employee.id.in_(agents)
        )
    )
    return {
        int(i): Shift(s, e, d or "12345") if s is not None and e is not None else None
        for i, s, e, d in rows
    }


def segments(
    window_sets: Sequence[Sequence[Window]],
) -> tuple[list[Window], list[tuple[int | None, ...]]]:
    """Cut the union of several window sets at every boundary.

    Returns the elementary segments, and for each the index of the window holding it in each
    set (None when outside the set). Each set must be adjacent, non-overlapping windows.
    """
    bounds = sorted({b for windows in window_sets for w in windows for b in w})
    cut = list(pairwise(bounds))
    tags = []
    for start, _end in cut:
        tags.append(
            tuple(
                next((i for i, (s, e) in enumerate(windows) if s <= start < e), None)
                for windows in window_sets
            )
        )
    return cut, tags


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, int | float):
        return a + b
    if isinstance(a, tuple):
        return tuple(x + y for x, y in zip(a, b, strict=True))
    return type(a)(*(x + y for x, y in zip(astuple(a), astuple(b), strict=True)))


def _rollup(
    cells: Mapping[Key, Any], tags: Sequence[tuple[int | None, ...]], which: int
) -> dict[Key, Any]:
    """Agent-and-segment partial aggregates summed per window, for each agent and the scope."""
    out: dict[Key, Any] = {}
    for (agent, seg), value in cells.items():
        index = tags[seg][which]
        if index is None:
            continue
        for key in ((agent, index), (None, index)):
            out[key] = value if key not in out else _add(out[key], value)
    return out


def _respondents(pulse: dict[Key, agg.PulseAgg]) -> dict[Key, agg.PulseAgg]:
    """Team cells count the people behind them, not the sum of each person's 1."""
    people: dict[int, int] = {}
    for (agent, index), value in pulse.items():
        if agent is not None and value.esat_answers + value.enps_answers > 0:
            people[index] = people.get(index, 0) + 1
    return {
        k: replace(v, respondents=people.get(k[1], 0) if k[0] is None else 1)
        for k, v in pulse.items()
    }


def overtime(
    session: Session,
    agents: Sequence[int],
    window_sets: Sequence[Sequence[Window]],
    now: datetime,
    tz: str,
) -> list[dict[Key, tuple[float, int]]]:
    """Overtime hours and agent-days per window of each set (``metrics.overtime`` per day).

    A day belongs to the window holding its local midnight, so adjacent windows share none.
    """
    lo = min(w[0] for ws in window_sets for w in ws)
    hi = max(w[1] for ws in window_sets for w in ws)
    starts = local_day_starts(lo, hi, tz)
    results: list[dict[Key, tuple[float, int]]] = [{} for _ in window_sets]
    if not starts or not agents:
        return results
    anchor = starts[0]
    shifts = shifts_of(session, agents)
    zone = ZoneInfo(tz)
    for agent, day_number, logged in agg.logged_in_by_day(session, agents, anchor, hi, now):
        day = anchor.date() + timedelta(days=day_number)
        shift = shifts.get(agent)
        if shift is None:
            continue
        midnight = datetime.combine(day, time(0), zone)
        extra = (metrics.overtime(logged, shift.scheduled_seconds(day)) or 0.0) / 3600.0
        for windows, out in zip(window_sets, results, strict=True):
            index = next((i for i, (s, e) in enumerate(windows) if s <= midnight < e), None)
            if index is None:
                continue
            for key in ((agent, index), (None, index)):
                hours, days = out.get(key, (0.0, 0))
                out[key] = (hours + extra, days + 1)
    return results


def collect(
    session: Session,
    agents: Sequence[int],
    window_sets: Sequence[Sequence[Window]],
    now: datetime,
    tz: str,
    silence_hours: Mapping[str, float],
    sources: Collection[str] = ALL_SOURCES,
) -> list[Raw]:
    """Aggregates of every window of every set, per agent and for all ``agents`` together.

    One query per source answers all the sets: rows are grouped by agent and by elementary
    segment (the sets cut at every boundary), then summed up per window, so "this period and
    the previous one" and "each of the 12 weeks" cost one scan of each table.

    Returns:
        One ``Raw`` per window set, keyed by (agent, index) and (None, index).
    """
    agents = list(agents)
    if not agents:
        return [Raw() for _ in window_sets]
    cut, tags = segments(window_sets)
    cells: dict[str, Mapping[Key, Any]] = {}
    if "surveys" in sources:
        cells["surveys"] = agg.surveys(session, agents, cut, True)
    if "solved" in sources:
        cells["solved"] = agg.solved_tickets(session, agents, cut, True, dict(silence_hours))
    if "created" in sources:
        cells["created"] = agg.created_tickets(session, agents, cut, True)
    if "handled" in sources:
        cells["handled"] = agg.handled_contacts(session, agents, cut, True)
    if "states" in sources:
        cells["states"] = agg.agent_states(session, agents, cut, True, now)
    if "pulse" in sources:
        cells["pulse"] = agg.pulse(session, agents, cut, True)
    if "qa" in sources:
        cells["qa"] = agg.qa_reviews(session, agents, cut, True)
    if "sessions" in sources:
        cells["sessions"] = agg.sessions_held(session, agents, cut, True)
    extra = (
        overtime(session, agents, window_sets, now, tz)
        if "overtime" in sources
        else [{} for _ in window_sets]
    )
    out = []
    for which in range(len(window_sets)):
        rolled = {name: _rollup(values, tags, which) for name, values in cells.items()}
        if "pulse" in rolled:
            rolled["pulse"] = _respondents(rolled["pulse"])
        out.append(Raw(**rolled, overtime=extra[which]))  # type: ignore[arg-type]
    return out


def _mean(total: float, n: int) -> float | None:
    return None if n == 0 else total / n


def figures(raw: Raw, key: Key, pulse_allowed: bool) -> dict[Metric, Figure]:
    """Every figure of one (agent or None, window) cell.

    Args:
        raw: the aggregates.
        key: the cell.
        pulse_allowed: False withholds eSat and eNPS ("supervisors only"): an agent's own
            pulse figures are individual data.
    """
    s = raw.surveys.get(key, agg.SurveyAgg())
    solved = raw.solved.get(key, agg.SolvedAgg())
    created = raw.created.get(key, agg.CreatedAgg())
    handled = raw.handled.get(key, agg.HandleAgg())
    states = raw.states.get(key, agg.StateAgg())
    ot_hours, ot_days = raw.overtime.get(key, (0.0, 0))
    p = raw.pulse.get(key, agg.PulseAgg())
    qa = raw.qa.get(key, agg.QaAgg())
    out = {
        Metric.CSAT: survey_figure(
            Metric.CSAT, csat_from_counts(s.csat_favourable, s.csat_answers), s.csat_answers
        ),
        Metric.NPS: survey_figure(
            Metric.NPS, nps_from_counts(s.promoters, s.detractors, s.nps_answers), s.nps_answers
        ),
        Metric.FCR: Figure(
            Metric.FCR,
            metrics.first_contact_resolution(solved.first_time, solved.solved),
            solved.solved,
        ),
        Metric.FRT: Figure(Metric.FRT, _mean(created.frt_sum, created.frt_n), created.frt_n),
        Metric.SILENCE: Figure(
            Metric.SILENCE,
            _mean(solved.silence_sum, solved.silence_n),
            solved.silence_n,
            extra=float(solved.silence_breaches),
        ),
        Metric.RESOLUTION: Figure(
            Metric.RESOLUTION, _mean(solved.resolution_sum, solved.solved), solved.solved
        ),
        Metric.SOLVED: Figure(Metric.SOLVED, float(solved.solved), solved.solved),
        Metric.AHT: Figure(
            Metric.AHT,
            metrics.average_handle_time(handled.handle_sum, 0.0, 0.0, handled.handled),
            handled.handled,
        ),
        Metric.OCCUPANCY: Figure(
            Metric.OCCUPANCY,
            metrics.occupancy(states.busy_s, states.available_s),
            states.intervals,
        ),
        Metric.OVERTIME: Figure(Metric.OVERTIME, ot_hours if ot_days else None, ot_days),
        Metric.QA: Figure(Metric.QA, _mean(qa.score_sum, qa.reviews), qa.reviews),
        Metric.SESSIONS: Figure(
            Metric.SESSIONS, float(raw.sessions.get(key, 0)), raw.sessions.get(key, 0)
        ),
    }
    if pulse_allowed:
        e = esat_from_sums(p.esat_sum, p.esat_favourable, p.esat_answers)
        enps_value = nps_from_counts(p.promoters, p.detractors, p.enps_answers)
        if key[0] is None:
            # A team aggregate: 5 answers at least, so nobody can be picked out of it.
            esat = survey_figure(Metric.ESAT, e.mean if e else None, p.esat_answers)
            enps = survey_figure(Metric.ENPS, enps_value, p.enps_answers)
        else:
            # One agent's own figure, for someone allowed to read their individual answers.
            esat = Figure(Metric.ESAT, e.mean if e else None, p.esat_answers)
            enps = Figure(Metric.ENPS, enps_value, p.enps_answers)
        if esat.value is not None and e is not None:
            esat = Figure(Metric.ESAT, esat.value, esat.n, extra=e.favourable_pct)
        if key[0] is None and p.respondents < MIN_RESPONDENTS:
            # Five answers from one or two people would show those people's own scores.
            reason = f"fewer than {MIN_RESPONDENTS} people answered"
            esat = Figure(Metric.ESAT, None, esat.n, esat.withheld or reason)
            enps = Figure(Metric.ENPS, None, enps.n, enps.withheld or reason)
        out[Metric.ESAT], out[Metric.ENPS] = esat, enps
    else:
        out[Metric.ESAT] = Figure(Metric.ESAT, None, 0, SUPERVISORS_ONLY)
        out[Metric.ENPS] = Figure(Metric.ENPS, None, 0, SUPERVISORS_ONLY)
    return out


def coached_figure(coached: int, active_agents: int) -> Figure:
    """Share of active agents coached in the last 30 days (extra: how many)."""
    value = None if active_agents == 0 else coached / active_agents
    return Figure(Metric.COACHED, value, active_agents, extra=float(coached))


def recency_figure(last: datetime | None, end: datetime, tz: str) -> Figure:
    """Days from the agent's last held session to the end of the period."""
    if last is None:
        return Figure(Metric.RECENCY, None, 0)
    zone = ZoneInfo(tz)
    today: date = (end - timedelta(microseconds=1)).astimezone(zone).date()
    days = metrics.coaching_recency_days(min(last.astimezone(zone).date(), today), today)
    return Figure(Metric.RECENCY, float(days) if days is not None else None, 1)
