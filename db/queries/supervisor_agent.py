"""One agent's page: figures and 12-week trends, QA reviews, coaching history, follow-ups.

The page never carries coaching notes or goals: those come only through the audited
``db.actions.coaching.read_notes``. Pulse figures appear only for individual access.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from db.models import (
    CoachingSession,
    Employee,
    QaReview,
    QaReviewItem,
    QaRubric,
    QaRubricItem,
    Queue,
    QueueMember,
    Team,
)
from db.queries import supervisor_agg as agg
from db.queries.supervisor import Scope, cube
from db.queries.supervisor_access import Access, agent_access
from db.queries.supervisor_facts import agent_facts, follow_up_open
from db.queries.supervisor_figures import figures, recency_figure
from desktop.core import coaching
from desktop.core.coaching import CoachingThresholds, Flag
from desktop.core.domain import CoachingStatus
from desktop.core.identity import Actor
from desktop.core.periods import Period
from desktop.core.scorecard import Figure, Metric

REVIEW_LIMIT = 50
SESSION_LIMIT = 100


@dataclass(frozen=True)
class QaReviewRow:
    review_id: int
    reviewed_at: datetime
    reviewer: str | None
    rubric: str
    ticket_id: int | None
    score_pct: float
    comment: str | None
    items: tuple[tuple[str, int, int, int, bool], ...]  # label, selected, min, max, critical


@dataclass(frozen=True)
class SessionRow:
    """A coaching session without its confidential notes and goals."""

    session_id: int
    scheduled_at: datetime
    duration_minutes: int
    status: str
    coach: str | None
    topic: str
    follow_up_date: date | None
    follow_up_done: bool
    linked_flags: tuple[str, ...]
    linked_ticket_ids: tuple[int, ...]
    has_notes: bool


@dataclass(frozen=True)
class AgentPage:
    """Everything the agent page shows (except notes)."""

    employee_id: int
    name: str
    team_id: int
    team: str
    tz: str
    hire_date: date | None
    shift: str
    queues: tuple[str, ...]
    access: Access
    period: Period
    current: Mapping[Metric, Figure]
    previous: Mapping[Metric, Figure]
    weeks: tuple[tuple[datetime, datetime], ...]
    trend: Mapping[Metric, tuple[Figure, ...]]
    reviews: tuple[QaReviewRow, ...]
    sessions: tuple[SessionRow, ...]
    flags: tuple[Flag, ...]


def _shift_text(emp: Employee) -> str:
    if emp.shift_start is None or emp.shift_end is None:
        return "no shift recorded"
    names = "MTWTFSS"
    days = "".join(names[int(d) - 1] if str(d) in emp.shift_days else "·" for d in range(1, 8))
    return f"{emp.shift_start:%H:%M}–{emp.shift_end:%H:%M} {days}"


def qa_reviews_of(
    session: Session, employee_id: int, limit: int = REVIEW_LIMIT
) -> list[QaReviewRow]:
    """The agent's latest QA reviews with their item scores."""
    reviewer = aliased(Employee)
    reviews = session.execute(
        select(
            QaReview.id,
            QaReview.reviewed_at,
            reviewer.full_name,
            QaRubric.name,
            QaReview.ticket_id,
            QaReview.score_pct,
            QaReview.comment,
        )
        .join(QaRubric, QaRubric.id == QaReview.rubric_id)
        .outerjoin(reviewer, reviewer.id == QaReview.reviewer_id)
        .where(QaReview.employee_id == employee_id)
        .order_by(QaReview.reviewed_at.desc())
        .limit(limit)
    ).all()
    ids = [r[0] for r in reviews]
    items: dict[int, list[tuple[str, int, int, int, bool]]] = {}
    if ids:
        for review_id, label, selected, lo, hi, critical in session.execute(
            select(
                QaReviewItem.review_id,
                QaRubricItem.label,
                QaReviewItem.selected,
                QaRubricItem.scale_min,
                QaRubricItem.scale_max,
                QaRubricItem.critical,
            )
            .join(QaRubricItem, QaRubricItem.id == QaReviewItem.item_id)
            .where(QaReviewItem.review_id.in_(ids))
            .order_by(QaReviewItem.review_id, QaRubricItem.position)
        ):
            items.setdefault(review_id, []).append((label, selected, lo, hi, bool(critical)))
    return [QaReviewRow(*r, tuple(items.get(r[0], ()))) for r in reviews]


def sessions_of(session: Session, employee_id: int, limit: int = SESSION_LIMIT) -> list[SessionRow]:
    """The agent's coaching sessions, newest first, without notes or goals."""
    coach = aliased(Employee)
    cs = CoachingSession
    rows = session.execute(
        select(
            cs.id,
            cs.scheduled_at,
            cs.duration_minutes,
            cs.status,
            coach.full_name,
            cs.topic,
            cs.follow_up_date,
            ~follow_up_open(),
            cs.linked_flags,
            cs.linked_ticket_ids,
            (cs.notes.is_not(None)) | (cs.goals.is_not(None)),
        )
        .outerjoin(coach, coach.id == cs.coach_id)
        .where(cs.employee_id == employee_id)
        .order_by(cs.scheduled_at.desc())
        .limit(limit)
    ).all()
    return [
        SessionRow(
            int(r[0]),
            r[1],
            int(r[2]),
            str(r[3]),
            r[4],
            r[5],
            r[6],
            bool(r[7]) and r[6] is not None,
            tuple(r[8] or ()),
            tuple(r[9] or ()),
            bool(r[10]),
        )
        for r in rows
    ]


def agent_page(
    session: Session,
    actor: Actor,
    employee_id: int,
    period: Period,
    now: datetime,
    thresholds: CoachingThresholds | None = None,
) -> AgentPage:
    """The agent's page for ``period``.

    Raises:
        AccessDenied: the actor may not see the agent's team.
    """
    t = thresholds or CoachingThresholds()
    access = agent_access(session, actor, employee_id)
    emp = session.get(Employee, employee_id)
    assert emp is not None and emp.team_id is not None  # agent_access checked both
    team = session.get(Team, emp.team_id)
    tz = team.timezone if team else "UTC"
    queues = session.scalars(
        select(Queue.name)
        .join(QueueMember, QueueMember.queue_id == Queue.id)
        .where(QueueMember.employee_id == employee_id)
        .order_by(Queue.name)
    ).all()
    # The agent's flags need team context (the team median AHT, the team's breaches), so
    # the whole team is aggregated once and the agent's own cells are read from it.
    team_agents = tuple(
        session.scalars(
            select(Employee.id).where(
                Employee.team_id == emp.team_id,
                Employee.active.is_(True),
                Employee.role == emp.role,
            )
        ).all()
    )
    if employee_id not in team_agents:
        team_agents += (employee_id,)
    scope = Scope((emp.team_id,), team.name if team else "", tz, team_agents, team_agents)
    data = cube(session, team_agents, period, now, tz, t)
    current = figures(data.period, (employee_id, 0), access.individual)
    previous = figures(data.period, (employee_id, 1), access.individual)
    current[Metric.RECENCY] = recency_figure(
        agg.last_sessions(session, [employee_id], period.end).get(employee_id), period.end, tz
    )
    previous[Metric.RECENCY] = recency_figure(
        agg.last_sessions(session, [employee_id], period.previous_end).get(employee_id),
        period.previous_end,
        tz,
    )
    weeks = data.week_windows
    cells = [figures(data.weeks, (employee_id, i), access.individual) for i in range(len(weeks))]
    trend = {m: tuple(c[m] for c in cells) for m in cells[0]}
    today = now.astimezone(_zone(tz)).date()
    flags: list[Flag] = []
    for facts in agent_facts(session, access, scope, period, now, t, data.period, data.weeks):
        if facts.employee_id == employee_id:
            flags = coaching.needs_attention(coaching.evaluate(facts, t, today))
    return AgentPage(
        employee_id,
        emp.full_name,
        emp.team_id,
        team.name if team else "",
        tz,
        emp.hire_date,
        _shift_text(emp),
        tuple(queues),
        access,
        period,
        current,
        previous,
        weeks,
        trend,
        tuple(qa_reviews_of(session, employee_id)),
        tuple(sessions_of(session, employee_id)),
        tuple(flags),
    )


def agent_sessions(session: Session, actor: Actor, employee_id: int) -> list[SessionRow]:
    """The agent's sessions (without notes) for someone who may see the agent's team.

    Raises:
        AccessDenied: the actor may not see the agent's team.
    """
    agent_access(session, actor, employee_id)
    return sessions_of(session, employee_id)


def planned_sessions(session: Session, employee_id: int) -> list[SessionRow]:
    """Booked sessions of the agent (to complete one when logging)."""
    return [s for s in sessions_of(session, employee_id) if s.status == CoachingStatus.PLANNED]


def _zone(tz: str):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)
