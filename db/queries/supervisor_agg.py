"""Raw aggregates behind the supervisor figures, one query per source table.

Each function groups by (window index[, agent]) with ``window_index``, so one query answers
"this period and the previous one" or "each of the 12 trend weeks", for the team or per agent.
Results are plain count and sum tuples keyed by ``(agent_id or None, window index)``; turning
them into figures is ``supervisor_figures``' job. None of these check access: callers do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, literal, literal_column, select
from sqlalchemy.orm import Session

from db.models import (
    AgentStateLog,
    CoachingSession,
    Contact,
    CustomerSurvey,
    PulseSurvey,
    QaReview,
    Ticket,
)
from db.queries.sqltime import count_where, seconds_between
from db.queries.supervisor_sql import (
    Window,
    at,
    earlier,
    elapsed_units,
    later,
    span,
    window_index,
    windows_table,
)
from desktop.core.domain import AgentState, CoachingStatus, TicketStatus

Key = tuple[int | None, int]  # (agent id or None for the whole scope, window index)
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class SurveyAgg:
    csat_favourable: int = 0
    csat_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    nps_answers: int = 0


@dataclass(frozen=True)
class SolvedAgg:
    solved: int = 0
    first_time: int = 0
    resolution_sum: float = 0.0
    silence_sum: float = 0.0
    silence_n: int = 0
    silence_breaches: int = 0


@dataclass(frozen=True)
class CreatedAgg:
    frt_sum: float = 0.0
    frt_n: int = 0


@dataclass(frozen=True)
class HandleAgg:
    handle_sum: float = 0.0
    handled: int = 0


@dataclass(frozen=True)
class StateAgg:
    busy_s: float = 0.0
    available_s: float = 0.0
    intervals: int = 0


@dataclass(frozen=True)
class PulseAgg:
    esat_sum: float = 0.0
    esat_favourable: int = 0
    esat_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    enps_answers: int = 0
    respondents: int = 0  # people behind a team figure; set when rolling agents up


@dataclass(frozen=True)
class QaAgg:
    score_sum: float = 0.0
    reviews: int = 0


def _grouped(
    columns: Sequence[Any], agent_col: Any, time_col: Any, windows: Sequence[Window], by_agent: bool
) -> tuple[Select[Any], Any]:
    bucket = window_index(time_col, windows).label("w")
    keys = [agent_col.label("a"), bucket] if by_agent else [literal(None).label("a"), bucket]
    stmt = select(*keys, *columns).where(span(time_col, windows))
    # Group by the output names: the CASE is evaluated once per row, not twice.
    group = [literal_column("a"), literal_column("w")] if by_agent else [literal_column("w")]
    return stmt, group


def _run(session: Session, stmt: Select[Any], group: list[Any]) -> dict[Key, tuple[Any, ...]]:
    out: dict[Key, tuple[Any, ...]] = {}
    for row in session.execute(stmt.group_by(*group)):
        if row[1] is None:
            continue
        out[(row[0], int(row[1]))] = tuple(row[2:])
    return out


def surveys(
    session: Session, agents: Sequence[int], windows: Sequence[Window], by_agent: bool
) -> dict[Key, SurveyAgg]:
    """CSAT and NPS counts of customer surveys answered in each window, by the named agent."""
    s = CustomerSurvey
    stmt, group = _grouped(
        [
            count_where(s.csat >= 4),
            count_where(s.csat.is_not(None)),
            count_where(s.nps >= 9),
            count_where(s.nps <= 6),
            count_where(s.nps.is_not(None)),
        ],
        s.agent_id,
        s.answered_at,
        windows,
        by_agent,
    )
    stmt = stmt.where(s.agent_id.in_(agents))
    return {k: SurveyAgg(*map(int, v)) for k, v in _run(session, stmt, group).items()}


def first_time_answers() -> Any:
    """Per ticket: 1 when a survey said "resolved first time", 0 when one said not."""
    s = CustomerSurvey
    answer = case((s.resolved_first_time.is_(True), 1), (s.resolved_first_time.is_(False), 0))
    return (
        select(s.ticket_id.label("ticket_id"), func.max(answer).label("rft"))
        .where(s.ticket_id.is_not(None), s.resolved_first_time.is_not(None))
        .group_by(s.ticket_id)
        .subquery()
    )


def silence_limit(hours: dict[str, float]) -> Any:
    """SQL: the silence allowed for the ticket's priority, in seconds (NULL: none)."""
    return case(
        *((Ticket.priority == p, float(h) * 3600.0) for p, h in sorted(hours.items())),
        else_=None,
    )


def first_time_expr(rft: Any) -> Any:
    """SQL: 1 when a solved ticket counts for FCR (metrics.resolved_first_time), else 0."""
    return case((rft.c.rft == 1, 1), (rft.c.rft == 0, 0), (Ticket.contact_count == 1, 1), else_=0)


def solved_tickets(
    session: Session,
    agents: Sequence[int],
    windows: Sequence[Window],
    by_agent: bool,
    silence_hours: dict[str, float],
) -> dict[Key, SolvedAgg]:
    """Tickets solved in each window by assignee: FCR, resolution, longest silence."""
    rft = first_time_answers()
    limit = silence_limit(silence_hours)
    solved_status = Ticket.status.in_([TicketStatus.SOLVED.value, TicketStatus.CLOSED.value])
    stmt, group = _grouped(
        [
            func.count(),
            func.coalesce(func.sum(first_time_expr(rft)), 0),
            func.coalesce(func.sum(seconds_between(Ticket.created_at, Ticket.solved_at)), 0.0),
            func.coalesce(func.sum(Ticket.longest_silence_seconds), 0.0),
            func.count(Ticket.longest_silence_seconds),
            count_where(Ticket.longest_silence_seconds > limit),
        ],
        Ticket.assignee_id,
        Ticket.solved_at,
        windows,
        by_agent,
    )
    stmt = stmt.outerjoin(rft, rft.c.ticket_id == Ticket.id).where(
        Ticket.assignee_id.in_(agents), solved_status
    )
    return {
        k: SolvedAgg(int(v[0]), int(v[1]), float(v[2]), float(v[3]), int(v[4]), int(v[5]))
        for k, v in _run(session, stmt, group).items()
    }


def created_tickets(
    session: Session, agents: Sequence[int], windows: Sequence[Window], by_agent: bool
) -> dict[Key, CreatedAgg]:
    """First response times of tickets created in each window, by assignee."""
    frt = seconds_between(Ticket.created_at, Ticket.first_response_at)
    stmt, group = _grouped(
        [func.coalesce(func.sum(frt), 0.0), func.count(Ticket.first_response_at)],
        Ticket.assignee_id,
        Ticket.created_at,
        windows,
        by_agent,
    )
    stmt = stmt.where(Ticket.assignee_id.in_(agents), Ticket.first_response_at.is_not(None))
    return {k: CreatedAgg(float(v[0]), int(v[1])) for k, v in _run(session, stmt, group).items()}


def handled_contacts(
    session: Session, agents: Sequence[int], windows: Sequence[Window], by_agent: bool
) -> dict[Key, HandleAgg]:
    """Handle time of contacts answered in each window, by agent."""
    c = Contact
    stmt, group = _grouped(
        [
            func.coalesce(func.sum(c.talk_seconds + c.hold_seconds + c.wrap_seconds), 0.0),
            func.count(),
        ],
        c.agent_id,
        c.answered_at,
        windows,
        by_agent,
    )
    stmt = stmt.where(c.agent_id.in_(agents))
    return {k: HandleAgg(float(v[0]), int(v[1])) for k, v in _run(session, stmt, group).items()}


def agent_states(
    session: Session,
    agents: Sequence[int],
    windows: Sequence[Window],
    by_agent: bool,
    now: datetime,
) -> dict[Key, StateAgg]:
    """Busy and available seconds in each window, intervals clipped to the window's bounds."""
    st = AgentStateLog
    w = windows_table(windows)
    ended = func.coalesce(st.ended_at, at(now))
    length = seconds_between(later(st.started_at, w.c.ws), earlier(ended, w.c.we))
    agent_key = st.employee_id if by_agent else literal(None)
    stmt = (
        select(
            agent_key.label("a"),
            w.c.w,
            func.coalesce(func.sum(case((st.state == AgentState.BUSY.value, length))), 0.0),
            func.coalesce(func.sum(case((st.state == AgentState.AVAILABLE.value, length))), 0.0),
            func.count(),
        )
        .join(w, (st.started_at < w.c.we) & (st.started_at >= w.c.wlo) & (ended > w.c.ws))
        .where(
            st.employee_id.in_(agents),
            st.state.in_([AgentState.BUSY.value, AgentState.AVAILABLE.value]),
            st.started_at < at(max(x[1] for x in windows)),
            # Intervals are short next to a window; a day's margin keeps the index range tight.
            st.started_at >= at(min(x[0] for x in windows) - timedelta(days=1)),
        )
    )
    group = [st.employee_id, w.c.w] if by_agent else [w.c.w]
    return {
        k: StateAgg(float(v[0]), float(v[1]), int(v[2]))
        for k, v in _run(session, stmt, group).items()
    }


def logged_in_by_day(
    session: Session, agents: Sequence[int], anchor: datetime, end: datetime, now: datetime
) -> list[tuple[int, int, float]]:
    """(agent, day number since ``anchor``, logged-in seconds) for days in ``[anchor, end)``.

    ``anchor`` is a local midnight; a day is 24 hours from it (an interval counts on the day
    it starts). Logged in means any state but offline.
    """
    st = AgentStateLog
    day = elapsed_units(at(anchor), st.started_at, DAY_SECONDS)
    length = seconds_between(st.started_at, func.coalesce(st.ended_at, at(now)))
    stmt = (
        select(st.employee_id, day, func.sum(length))
        .where(
            st.employee_id.in_(agents),
            st.started_at >= at(anchor),
            st.started_at < at(end),
            st.state != AgentState.OFFLINE.value,
        )
        .group_by(st.employee_id, day)
    )
    return [(int(a), int(d), float(s or 0.0)) for a, d, s in session.execute(stmt)]


def pulse(
    session: Session, agents: Sequence[int], windows: Sequence[Window], by_agent: bool
) -> dict[Key, PulseAgg]:
    """eSat and eNPS counts of pulse answers in each window (callers enforce confidentiality)."""
    p = PulseSurvey
    stmt, group = _grouped(
        [
            func.coalesce(func.sum(p.esat), 0),
            count_where(p.esat >= 4),
            count_where(p.esat.is_not(None)),
            count_where(p.enps >= 9),
            count_where(p.enps <= 6),
            count_where(p.enps.is_not(None)),
        ],
        p.employee_id,
        p.answered_at,
        windows,
        by_agent,
    )
    stmt = stmt.where(p.employee_id.in_(agents))
    return {
        k: PulseAgg(float(v[0]), *(int(x) for x in v[1:]), respondents=1)
        for k, v in _run(session, stmt, group).items()
    }


def qa_reviews(
    session: Session, agents: Sequence[int], windows: Sequence[Window], by_agent: bool
) -> dict[Key, QaAgg]:
    """QA review scores in each window, by reviewed agent."""
    stmt, group = _grouped(
        [func.coalesce(func.sum(QaReview.score_pct), 0.0), func.count()],
        QaReview.employee_id,
        QaReview.reviewed_at,
        windows,
        by_agent,
    )
    stmt = stmt.where(QaReview.employee_id.in_(agents))
    return {k: QaAgg(float(v[0]), int(v[1])) for k, v in _run(session, stmt, group).items()}


def sessions_held(
    session: Session, agents: Sequence[int], windows: Sequence[Window], by_agent: bool
) -> dict[Key, int]:
    """Coaching sessions held in each window."""
    cs = CoachingSession
    stmt, group = _grouped([func.count()], cs.employee_id, cs.scheduled_at, windows, by_agent)
    stmt = stmt.where(cs.employee_id.in_(agents), cs.status == CoachingStatus.HELD.value)
    return {k: int(v[0]) for k, v in _run(session, stmt, group).items()}


def coached_agents(
    session: Session, agents: Sequence[int], ends: Sequence[datetime], days: int = 30
) -> list[int]:
    """For each end: how many of ``agents`` had a session held in the ``days`` before it."""
    cs = CoachingSession
    if not ends or not agents:
        return [0 for _ in ends]
    window = timedelta(days=days)
    columns = [
        func.count(
            func.distinct(
                case(
                    (
                        (cs.scheduled_at >= at(end - window)) & (cs.scheduled_at < at(end)),
                        cs.employee_id,
                    )
                )
            )
        )
        for end in ends
    ]
    row = session.execute(
        select(*columns).where(
            cs.employee_id.in_(agents),
            cs.status == CoachingStatus.HELD.value,
            cs.scheduled_at >= at(min(ends) - window),
            cs.scheduled_at < at(max(ends)),
        )
    ).one()
    return [int(v or 0) for v in row]


def last_sessions(session: Session, agents: Sequence[int], before: datetime) -> dict[int, datetime]:
    """The last held session of each agent before ``before``."""
    cs = CoachingSession
    stmt = (
        select(cs.employee_id, func.max(cs.scheduled_at))
        .where(
            cs.employee_id.in_(agents),
            cs.status == CoachingStatus.HELD.value,
            cs.scheduled_at < at(before),
        )
        .group_by(cs.employee_id)
    )
    return {int(a): when for a, when in session.execute(stmt) if when is not None}
