"""Facts for the coaching rules, per agent, aggregated in SQL.

``agent_facts`` gathers what ``desktop.core.coaching`` needs: weekly occupancy and overtime,
eSat now and before (individual access only), the last session, per-item QA means, AHT
against the team median, CSAT movement, recent queue changes and silence breaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from db.models import CoachingSession, Contact, Employee, QaReview, QaReviewItem, QaRubricItem
from db.models import Queue as QueueRow
from db.queries import supervisor_agg as agg
from db.queries.supervisor_access import Access
from db.queries.supervisor_figures import Raw, collect, figures
from db.queries.supervisor_sql import at
from desktop.core import metrics
from desktop.core.coaching import (
    AgentFacts,
    CoachingThresholds,
    FollowUpFact,
    QaItemFact,
    QueueChangeFact,
)
from desktop.core.domain import CoachingStatus
from desktop.core.identity import Actor
from desktop.core.periods import Period, trend_weeks
from desktop.core.scorecard import MIN_ANSWERS, Metric

if TYPE_CHECKING:
    from db.queries.supervisor import Scope

QA_LOOKBACK = timedelta(days=90)
QUEUE_LOOKBACK = timedelta(days=120)
QUEUE_RECENT = timedelta(days=60)
QUEUE_COMPARE = timedelta(days=28)
QUEUE_SETTLE = timedelta(days=7)  # some days on the new queue before comparing


def _local(value: datetime | None, tz: str) -> date | None:
    return None if value is None else value.astimezone(ZoneInfo(tz)).date()


def qa_item_means(
    session: Session, agents: Sequence[int], end: datetime
) -> dict[int, list[QaItemFact]]:
    """Per agent and rubric item: mean scaled score (%) over reviews in the 90 days to ``end``."""
    ri, item, review = QaReviewItem, QaRubricItem, QaReview
    scaled = (ri.selected - item.scale_min) * 100.0 / (item.scale_max - item.scale_min)
    stmt = (
        select(
            review.employee_id, item.label, func.avg(scaled), func.count(func.distinct(review.id))
        )
        .select_from(ri)
        .join(review, review.id == ri.review_id)
        .join(item, item.id == ri.item_id)
        .where(
            review.employee_id.in_(agents),
            review.reviewed_at >= at(end - QA_LOOKBACK),
            review.reviewed_at < at(end),
            item.scale_max > item.scale_min,
        )
        .group_by(review.employee_id, item.label)
        .order_by(review.employee_id, item.label)
    )
    out: dict[int, list[QaItemFact]] = {}
    for employee_id, label, mean, n in session.execute(stmt):
        out.setdefault(int(employee_id), []).append(QaItemFact(label, float(mean), int(n)))
    return out


def queue_changes(
    session: Session, agents: Sequence[int], end: datetime, tz: str
) -> dict[int, list[QueueChangeFact]]:
    """Queues an agent started on 7-60 days before ``end``, having worked other queues for at
    least 28 days before, with CSAT and FCR in the 28 days before and after the change."""
    c = Contact
    rows = session.execute(
        select(c.agent_id, c.queue_id, QueueRow.name, func.min(c.answered_at))
        .join(QueueRow, QueueRow.id == c.queue_id)
        .where(
            c.agent_id.in_(agents),
            c.answered_at >= at(end - QUEUE_LOOKBACK),
            c.answered_at < at(end),
        )
        .group_by(c.agent_id, c.queue_id, QueueRow.name)
    ).all()
    first_any: dict[int, datetime] = {}
    for agent, _q, _n, first in rows:
        first_any[agent] = min(first, first_any.get(agent, first))
    out: dict[int, list[QueueChangeFact]] = {}
    for agent, _queue_id, name, first in rows:
        if not end - QUEUE_RECENT <= first <= end - QUEUE_SETTLE:
            continue
        if first_any[agent] > first - QUEUE_COMPARE:
            continue  # no history before it: a new hire or the start of the data, not a move
        windows = [(first - QUEUE_COMPARE, first), (first, min(first + QUEUE_COMPARE, end))]
        (raw,) = collect(session, [agent], [windows], end, tz, {}, {"surveys", "solved"})
        before, after = figures(raw, (None, 0), False), figures(raw, (None, 1), False)

        def fcr(figs: dict) -> float | None:  # type: ignore[type-arg]
            fig = figs[Metric.FCR]
            return fig.value if fig.n >= MIN_ANSWERS else None

        out.setdefault(int(agent), []).append(
            QueueChangeFact(
                name,
                _local(first, tz) or first.date(),
                before[Metric.CSAT].value,
                after[Metric.CSAT].value,
                fcr(before),
                fcr(after),
            )
        )
    return out


ESAT_MIN_ANSWERS = 3  # fewer answers say too little to call a fall


def _esat(figs: dict, access: Access) -> float | None:  # type: ignore[type-arg]
    fig = figs[Metric.ESAT]
    if not access.individual or fig.n < ESAT_MIN_ANSWERS:
        return None
    return fig.value


def agent_facts(
    session: Session,
    access: Access,
    scope: Scope,
    period: Period,
    now: datetime,
    t: CoachingThresholds,
    raw: Raw,
    weekly: Raw,
) -> list[AgentFacts]:
    """Facts for every active agent of ``scope`` (access already checked by the caller).

    Args:
        raw: per-agent aggregates of (period, previous period), from ``supervisor.cube``.
        weekly: per-agent aggregates of the 12 trend weeks.
    """
    agents = list(scope.active_agents)
    if not agents:
        return []
    weeks = trend_weeks(period.end)
    last = agg.last_sessions(session, agents, period.end)
    people = session.execute(
        select(Employee.id, Employee.full_name, Employee.hire_date).where(Employee.id.in_(agents))
    ).all()
    qa_items = qa_item_means(session, agents, period.end)
    moves = queue_changes(session, agents, period.end, scope.tz)
    current = {a: figures(raw, (a, 0), access.individual) for a in agents}
    previous = {a: figures(raw, (a, 1), access.individual) for a in agents}
    ahts = [f[Metric.AHT].value for f in current.values() if f[Metric.AHT].value is not None]
    team_median = metrics.median(ahts)
    breaches = {a: int(current[a][Metric.SILENCE].extra or 0) for a in agents}
    team_breaches = sum(breaches.values())
    out = []
    for employee_id, name, hire_date in people:
        now_f, before_f = current[employee_id], previous[employee_id]
        out.append(
            AgentFacts(
                employee_id=employee_id,
                name=name,
                weekly_occupancy=tuple(
                    figures(weekly, (employee_id, i), False)[Metric.OCCUPANCY].value
                    for i in range(len(weeks))
                ),
                weekly_overtime_hours=tuple(
                    weekly.overtime.get((employee_id, i), (None, 0))[0] for i in range(len(weeks))
                ),
                esat_now=_esat(now_f, access),
                esat_before=_esat(before_f, access),
                last_coaching=_local(last.get(employee_id), scope.tz),
                hire_date=hire_date,
                qa_items=tuple(qa_items.get(employee_id, ())),
                aht_s=now_f[Metric.AHT].value,
                team_median_aht_s=team_median,
                csat_now=now_f[Metric.CSAT].value,
                csat_before=before_f[Metric.CSAT].value,
                queue_changes=tuple(moves.get(employee_id, ())),
                silence_breaches=breaches[employee_id],
                team_silence_breaches=team_breaches,
                team_agents=len(agents),
            )
        )
    return out


def follow_up_open(cs: Any = CoachingSession) -> Any:
    """SQL: the session's follow-up is still open: not marked done, and no later session
    with the agent has been held since (that later session was the follow-up)."""
    later = aliased(CoachingSession)
    return (
        cs.follow_up_date.is_not(None)
        & cs.follow_up_done_at.is_(None)
        & ~exists().where(
            later.employee_id == cs.employee_id,
            later.status == CoachingStatus.HELD.value,
            later.scheduled_at > cs.scheduled_at,
            later.id != cs.id,
        )
    )


def due_follow_ups(session: Session, actor: Actor, today: date) -> list[FollowUpFact]:
    """Open follow-ups the actor coached, due on or before ``today``."""
    if actor.employee_id is None:
        return []
    cs = CoachingSession
    rows = session.execute(
        select(cs.id, cs.employee_id, Employee.full_name, cs.topic, cs.follow_up_date)
        .join(Employee, Employee.id == cs.employee_id)
        .where(
            cs.coach_id == actor.employee_id,
            cs.status == CoachingStatus.HELD.value,
            cs.follow_up_date <= today,
            follow_up_open(),
        )
        .order_by(cs.follow_up_date)
    ).all()
    return [FollowUpFact(int(i), int(e), n, t, d) for i, e, n, t, d in rows]
