"""The row lists behind each supervisor figure, one builder per metric.

Each builder returns (column titles, column kinds, a statement or a list of rows) with the
same filters as the aggregate in ``supervisor_agg``; ``supervisor_trace`` checks access and
pages them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from db.models import (
    AgentStateLog,
    CoachingSession,
    Contact,
    CustomerSurvey,
    Employee,
    PulseSurvey,
    QaReview,
    QaRubric,
    Queue,
    Ticket,
)
from db.queries import supervisor_agg as agg
from db.queries.sqltime import seconds_between
from db.queries.supervisor_figures import shifts_of
from db.queries.supervisor_sql import at
from desktop.core import metrics
from desktop.core.domain import AgentState, CoachingStatus, TicketStatus
from desktop.core.periods import local_day_starts
from desktop.core.scorecard import Metric


def _surveys(metric: Metric):  # type: ignore[no-untyped-def]
    def build(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
        s = CustomerSurvey
        score = s.csat if metric is Metric.CSAT else s.nps
        stmt = (
            select(
                s.id,
                s.answered_at,
                Employee.full_name,
                s.ticket_id,
                s.csat,
                s.nps,
                s.resolved_first_time,
                s.comment,
            )
            .join(Employee, Employee.id == s.agent_id)
            .where(
                s.agent_id.in_(agents),
                s.answered_at >= at(start),
                s.answered_at < at(end),
                score.is_not(None),
            )
            .order_by(s.answered_at.desc())
        )
        return (
            (
                "Survey",
                "Answered",
                "Agent",
                "Ticket",
                "CSAT (1-5)",
                "NPS (0-10)",
                "Resolved first time",
                "Comment",
            ),
            ("id", "datetime", "text", "ticket", "number", "number", "bool", "text"),
            stmt,
        )

    return build


def _solved(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
    rft = agg.first_time_answers()
    stmt = (
        select(
            Ticket.id,
            Ticket.subject,
            Employee.full_name,
            Ticket.priority,
            Ticket.created_at,
            Ticket.solved_at,
            seconds_between(Ticket.created_at, Ticket.solved_at),
            Ticket.contact_count,
            rft.c.rft,
            agg.first_time_expr(rft),
            Ticket.longest_silence_seconds,
            case(
                (Ticket.longest_silence_seconds > agg.silence_limit(dict(hours)), True), else_=False
            ),
        )
        .join(Employee, Employee.id == Ticket.assignee_id)
        .outerjoin(rft, rft.c.ticket_id == Ticket.id)
        .where(
            Ticket.assignee_id.in_(agents),
            Ticket.solved_at >= at(start),
            Ticket.solved_at < at(end),
            Ticket.status.in_([TicketStatus.SOLVED.value, TicketStatus.CLOSED.value]),
        )
        .order_by(Ticket.solved_at.desc())
    )
    return (
        (
            "Ticket",
            "Subject",
            "Assignee",
            "Priority",
            "Created",
            "Solved",
            "Resolution",
            "Contacts",
            "Survey: first time",
            "Counts for FCR",
            "Longest silence",
            "Silence breach",
        ),
        (
            "ticket",
            "text",
            "text",
            "text",
            "datetime",
            "datetime",
            "seconds",
            "number",
            "bool",
            "bool",
            "seconds",
            "bool",
        ),
        stmt,
    )


def _created(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
    stmt = (
        select(
            Ticket.id,
            Ticket.subject,
            Employee.full_name,
            Ticket.created_at,
            Ticket.first_response_at,
            seconds_between(Ticket.created_at, Ticket.first_response_at),
        )
        .join(Employee, Employee.id == Ticket.assignee_id)
        .where(
            Ticket.assignee_id.in_(agents),
            Ticket.created_at >= at(start),
            Ticket.created_at < at(end),
            Ticket.first_response_at.is_not(None),
        )
        .order_by(Ticket.created_at.desc())
    )
    return (
        ("Ticket", "Subject", "Assignee", "Created", "First response", "First response time"),
        ("ticket", "text", "text", "datetime", "datetime", "seconds"),
        stmt,
    )


def _contacts(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
    c = Contact
    stmt = (
        select(
            c.id,
            Queue.name,
            Employee.full_name,
            c.answered_at,
            c.talk_seconds,
            c.hold_seconds,
            c.wrap_seconds,
            c.talk_seconds + c.hold_seconds + c.wrap_seconds,
        )
        .join(Queue, Queue.id == c.queue_id)
        .join(Employee, Employee.id == c.agent_id)
        .where(c.agent_id.in_(agents), c.answered_at >= at(start), c.answered_at < at(end))
        .order_by(c.answered_at.desc())
    )
    return (
        (
            "Contact",
            "Queue",
            "Agent",
            "Answered",
            "Talk",
            "Hold",
            "After-contact work",
            "Handle time",
        ),
        ("id", "text", "text", "datetime", "seconds", "seconds", "seconds", "seconds"),
        stmt,
    )


def _occupancy(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
    st = AgentStateLog
    length = seconds_between(st.started_at, func.coalesce(st.ended_at, at(now)))
    busy = func.coalesce(func.sum(case((st.state == AgentState.BUSY.value, length))), 0.0)
    avail = func.coalesce(func.sum(case((st.state == AgentState.AVAILABLE.value, length))), 0.0)
    rows = session.execute(
        select(Employee.full_name, busy, avail, func.count())
        .join(Employee, Employee.id == st.employee_id)
        .where(
            st.employee_id.in_(agents),
            st.started_at >= at(start),
            st.started_at < at(end),
            st.state.in_([AgentState.BUSY.value, AgentState.AVAILABLE.value]),
        )
        .group_by(Employee.full_name)
        .order_by(Employee.full_name)
    ).all()
    out = [(n, b, a, metrics.occupancy(b, a), k) for n, b, a, k in rows]
    return (
        ("Agent", "Busy", "Available", "Occupancy", "State intervals"),
        ("text", "seconds", "seconds", "fraction", "number"),
        out,
    )


def _overtime(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
    starts = local_day_starts(start, end, tz)
    if not starts:
        return (("Agent",), ("text",), [])
    names = dict(
        session.execute(
            select(Employee.id, Employee.full_name).where(Employee.id.in_(agents))
        ).all()
    )
    shifts = shifts_of(session, agents)
    zone = ZoneInfo(tz)
    out = []
    for agent, day_number, logged in agg.logged_in_by_day(session, agents, starts[0], end, now):
        day: date = starts[0].date() + timedelta(days=day_number)
        if datetime.combine(day, time(0), zone) >= end or shifts.get(agent) is None:
            continue
        shift = shifts[agent]
        assert shift is not None
        scheduled = shift.scheduled_seconds(day)
        out.append(
            (
                names.get(agent, str(agent)),
                day,
                logged,
                scheduled,
                (metrics.overtime(logged, scheduled) or 0.0) / 3600.0,
            )
        )
    out.sort(key=lambda r: (-r[4], r[0], r[1]))
    return (
        ("Agent", "Day", "Logged in", "Scheduled", "Overtime (h)"),
        ("text", "date", "seconds", "seconds", "hours"),
        out,
    )


def _pulse(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
    p = PulseSurvey
    stmt = (
        select(p.id, p.answered_at, Employee.full_name, p.esat, p.enps, p.comment)
        .join(Employee, Employee.id == p.employee_id)
        .where(p.employee_id.in_(agents), p.answered_at >= at(start), p.answered_at < at(end))
        .order_by(p.answered_at.desc())
    )
    return (
        ("Answer", "Answered", "Agent", "eSat (1-5)", "eNPS (0-10)", "Comment"),
        ("id", "datetime", "text", "number", "number", "text"),
        stmt,
    )


def _qa(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
    reviewer = aliased(Employee)
    stmt = (
        select(
            QaReview.id,
            QaReview.reviewed_at,
            Employee.full_name,
            reviewer.full_name,
            QaRubric.name,
            QaReview.ticket_id,
            QaReview.score_pct,
            QaReview.comment,
        )
        .join(Employee, Employee.id == QaReview.employee_id)
        .join(QaRubric, QaRubric.id == QaReview.rubric_id)
        .outerjoin(reviewer, reviewer.id == QaReview.reviewer_id)
        .where(
            QaReview.employee_id.in_(agents),
            QaReview.reviewed_at >= at(start),
            QaReview.reviewed_at < at(end),
        )
        .order_by(QaReview.reviewed_at.desc())
    )
    return (
        ("Review", "Reviewed", "Agent", "Reviewer", "Rubric", "Ticket", "Score", "Comment"),
        ("id", "datetime", "text", "text", "text", "ticket", "pct", "text"),
        stmt,
    )


def _sessions(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
    cs = CoachingSession
    coach = aliased(Employee)
    stmt = (
        select(
            cs.id,
            cs.scheduled_at,
            Employee.full_name,
            coach.full_name,
            cs.topic,
            cs.duration_minutes,
            cs.follow_up_date,
        )
        .join(Employee, Employee.id == cs.employee_id)
        .outerjoin(coach, coach.id == cs.coach_id)
        .where(
            cs.employee_id.in_(agents),
            cs.status == CoachingStatus.HELD.value,
            cs.scheduled_at >= at(start),
            cs.scheduled_at < at(end),
        )
        .order_by(cs.scheduled_at.desc())
    )
    return (
        ("Session", "Held", "Agent", "Coach", "Topic", "Minutes", "Follow-up"),
        ("id", "datetime", "text", "text", "text", "number", "date"),
        stmt,
    )


def _coached(session, agents, active, start, end, now, tz, hours):  # type: ignore[no-untyped-def]
    last = agg.last_sessions(session, active, end)
    names = session.execute(
        select(Employee.id, Employee.full_name)
        .where(Employee.id.in_(active))
        .order_by(Employee.full_name)
    ).all()
    out = []
    for agent, name in names:
        when = last.get(agent)
        days = None if when is None else (end - when).days
        out.append((name, when, days, when is not None and end - when <= timedelta(days=30)))
    return (
        ("Agent", "Last session", "Days before period end", "Coached in 30 days"),
        ("text", "datetime", "number", "bool"),
        out,
    )


BUILDERS = {
    Metric.CSAT: _surveys(Metric.CSAT),
    Metric.NPS: _surveys(Metric.NPS),
    Metric.FCR: _solved,
    Metric.SILENCE: _solved,
    Metric.RESOLUTION: _solved,
    Metric.SOLVED: _solved,
    Metric.FRT: _created,
    Metric.AHT: _contacts,
    Metric.OCCUPANCY: _occupancy,
    Metric.OVERTIME: _overtime,
    Metric.ESAT: _pulse,
    Metric.ENPS: _pulse,
    Metric.QA: _qa,
    Metric.SESSIONS: _sessions,
    Metric.COACHED: _coached,
    Metric.RECENCY: _coached,
}
