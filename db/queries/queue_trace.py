"""The rows behind a queue figure (METRICS.md, "Every figure can be traced").

Given the queues a table cell covers, the figure and the window each queue's figure was
computed over, return the contacts (or agents) the figure counts, each marked with how it
was counted, so a team lead can check any number by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, false, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from db.models import AgentStateLog, Contact, Employee, Queue, QueueMember, Team
from db.queries.queue_scan import AHT_LOOKBACK
from db.types import UTCDateTime
from desktop.core.domain import AgentState
from desktop.core.metrics import ServiceLevelVariant

__all__ = ["AgentTrace", "ContactTrace", "Figure", "FigureTrace", "trace_figure"]

TRACE_LIMIT = 2000


class Figure(StrEnum):
    """The traceable figures of the queues table."""

    WAITING = "waiting"
    OFFERED = "offered"
    HANDLED = "handled"
    ABANDONED = "abandoned"
    SERVICE_LEVEL = "service_level"
    ASA = "asa"
    AHT = "aht"
    STAFFING = "staffing"
    AGENTS = "agents"


@dataclass(frozen=True)
class ContactTrace:
    """One contact and how the figure counted it."""

    contact_id: int
    queue: str
    enqueued_at: datetime
    answered_at: datetime | None
    abandoned_at: datetime | None
    wait_s: float | None
    handle_s: float | None
    agent: str | None
    counted_as: str


@dataclass(frozen=True)
class AgentTrace:
    """One agent skilled for the queue(s) and the state they are in now."""

    employee_id: int
    name: str
    team: str | None
    state: str
    since: datetime | None
    queues: str


@dataclass(frozen=True)
class FigureTrace:
    """The rows behind one figure.

    Attributes:
        figure: which figure.
        rows: contacts or agents, oldest first (at most ``TRACE_LIMIT``).
        total: how many rows the figure counts (may exceed ``len(rows)``).
    """

    figure: Figure
    rows: tuple[ContactTrace, ...] | tuple[AgentTrace, ...]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def _status(c: Contact, short_limit: int, threshold: int) -> str:
    if c.answered_at is not None:
        within = c.wait_seconds is not None and c.wait_seconds <= threshold
        return f"answered {'within' if within else 'after'} {threshold} s"
    if c.abandoned_at is not None:
        if (c.wait_seconds or 0) < short_limit:
            return f"short abandon (< {short_limit} s): not counted"
        return f"abandoned after {short_limit} s or more"
    return "waiting"


def _counted_as(figure: Figure, c: Contact, q: Queue, now: datetime) -> str:
    status = _status(c, q.short_abandon_seconds, q.sl_threshold_seconds)
    if figure is Figure.SERVICE_LEVEL:
        in_numerator = c.answered_at is not None and (c.wait_seconds or 0) <= q.sl_threshold_seconds
        return ("counts in SL: " if in_numerator else "denominator only: ") + status
    if figure is Figure.STAFFING:
        parts = []
        if c.enqueued_at >= now - AHT_LOOKBACK:
            parts.append("arrival in the last hour")
        if c.ended_at is not None and c.ended_at >= now - AHT_LOOKBACK and c.answered_at:
            parts.append("completed in the last hour (AHT)")
        return "; ".join(parts)
    return status


def _contact_filter(figure: Figure, short: object, hour: object, window: object):  # type: ignore[no-untyped-def]
    answered = Contact.answered_at.is_not(None)
    abandoned = Contact.abandoned_at.is_not(None)
    if figure is Figure.WAITING:
        return and_(Contact.answered_at.is_(None), Contact.abandoned_at.is_(None))
    if figure is Figure.HANDLED or figure is Figure.ASA:
        return and_(window, answered)
    if figure is Figure.AHT:
        return and_(window, answered, Contact.ended_at.is_not(None))
    if figure is Figure.ABANDONED:
        return and_(window, ~short)  # offered, the abandonment-rate denominator
    if figure is Figure.SERVICE_LEVEL:
        variant = Queue.sl_variant
        denominators = or_(
            and_(variant == ServiceLevelVariant.OFFERED.value, ~short),
            and_(variant == ServiceLevelVariant.ANSWERED.value, answered),
            and_(
                variant.not_in(
                    [ServiceLevelVariant.OFFERED.value, ServiceLevelVariant.ANSWERED.value]
                ),
                or_(answered, and_(abandoned, ~short)),
            ),
        )
        return and_(window, denominators)
    if figure is Figure.STAFFING:
        done_recently = and_(answered, Contact.ended_at >= hour)
        return or_(and_(Contact.enqueued_at >= hour, ~short), done_recently)
    return and_(window, ~short)  # OFFERED


def trace_figure(
    session: Session,
    figure: Figure,
    starts: Mapping[int, datetime],
    now: datetime,
    limit: int = TRACE_LIMIT,
) -> FigureTrace:
    """The rows a figure of the given queues was computed from.

    Args:
        session: a read session.
        figure: the figure (a column of the queues table).
        starts: queue id -> start of the window that queue's figure covers.
        now: the snapshot's time.
        limit: most rows returned (``total`` still counts them all).
    """
    if figure is Figure.AGENTS:
        return _agents(session, tuple(starts), limit)
    if not starts:
        return FigureTrace(figure, (), 0)
    now_lit = literal(now, UTCDateTime())
    hour = literal(now - AHT_LOOKBACK, UTCDateTime())
    window = or_(
        false(),
        *(
            and_(Contact.queue_id == qid, Contact.enqueued_at >= literal(since, UTCDateTime()))
            for qid, since in starts.items()
        ),
    )
    short = and_(
        Contact.abandoned_at.is_not(None),
        func.coalesce(Contact.wait_seconds, 0.0) < Queue.short_abandon_seconds,
    )
    condition = _contact_filter(figure, short, hour, window)
    lower = now - 2 * AHT_LOOKBACK if figure is Figure.STAFFING else min(starts.values())
    if figure is Figure.WAITING:
        lower = datetime.min.replace(tzinfo=now.tzinfo)
    base = (
        select(Contact, Queue)
        .join(Queue, Queue.id == Contact.queue_id)
        .where(
            Contact.queue_id.in_(list(starts)),
            Contact.enqueued_at <= now_lit,
            Contact.enqueued_at >= literal(lower, UTCDateTime()),
            condition,
        )
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    agent = aliased(Employee)
    stmt = (
        base.add_columns(agent.full_name)
        .outerjoin(agent, agent.id == Contact.agent_id)
        .order_by(Contact.enqueued_at, Contact.id)
        .limit(limit)
    )
    rows = tuple(
        ContactTrace(
            c.id,
            q.name,
            c.enqueued_at,
            c.answered_at,
            c.abandoned_at,
            c.wait_seconds
            if c.answered_at or c.abandoned_at
            else max(0.0, (now - c.enqueued_at).total_seconds()),
            (c.talk_seconds + c.hold_seconds + c.wrap_seconds) if c.ended_at else None,
            name,
            _counted_as(figure, c, q, now),
        )
        for c, q, name in session.execute(stmt)
    )
    return FigureTrace(figure, rows, int(total))


def _agents(session: Session, queue_ids: tuple[int, ...], limit: int) -> FigureTrace:
    """Agents skilled for the queues, with their current state (offline when none logged)."""
    members = (
        select(QueueMember.employee_id, func.count().label("n"))
        .where(QueueMember.queue_id.in_(list(queue_ids)))
        .group_by(QueueMember.employee_id)
        .subquery()
    )
    stmt = (
        select(
            Employee.id,
            Employee.full_name,
            Team.name,
            AgentStateLog.state,
            AgentStateLog.started_at,
            members.c.n,
        )
        .join(members, members.c.employee_id == Employee.id)
        .outerjoin(Team, Team.id == Employee.team_id)
        .outerjoin(
            AgentStateLog,
            and_(AgentStateLog.employee_id == Employee.id, AgentStateLog.ended_at.is_(None)),
        )
        .where(Employee.active.is_(True))
        .order_by(Employee.full_name)
    )
    rows = [
        AgentTrace(
            eid,
            name,
            team,
            str(state or AgentState.OFFLINE),
            since,
            f"{n} of the {len(queue_ids)} queue(s)" if len(queue_ids) > 1 else "this queue",
        )
        for eid, name, team, state, since, n in session.execute(stmt)
    ]
    return FigureTrace(Figure.AGENTS, tuple(rows[:limit]), len(rows))
