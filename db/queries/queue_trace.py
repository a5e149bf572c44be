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
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, false, func, literal, or_, select

from db import tables as t
from db.queries.queue_scan import AHT_LOOKBACK
from db.types import UTCDateTime
from desktop.core.domain import AgentState
from desktop.core.metrics import ServiceLevelVariant

if TYPE_CHECKING:
    from sqlalchemy import Row

    from db.engine import Reader

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


def _status(c: Row[Any], short_limit: int, threshold: int) -> str:
    if c.answered_at is not None:
        within = c.wait_seconds is not None and c.wait_seconds <= threshold
        return f"answered {'within' if within else 'after'} {threshold} s"
    if c.abandoned_at is not None:
        if (c.wait_seconds or 0) < short_limit:
            return f"short abandon (< {short_limit} s): not counted"
        return f"abandoned after {short_limit} s or more"
    return "waiting"


def _counted_as(figure: Figure, c: Row[Any], q: Row[Any], now: datetime) -> str:
    """Why contact ``c`` of queue ``q`` counts (both may be one row holding both's columns)."""
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
    answered = t.contacts.c.answered_at.is_not(None)
    abandoned = t.contacts.c.abandoned_at.is_not(None)
    if figure is Figure.WAITING:
        return and_(t.contacts.c.answered_at.is_(None), t.contacts.c.abandoned_at.is_(None))
    if figure is Figure.HANDLED or figure is Figure.ASA:
        return and_(window, answered)
    if figure is Figure.AHT:
        return and_(window, answered, t.contacts.c.ended_at.is_not(None))
    if figure is Figure.ABANDONED:
        return and_(window, ~short)  # offered, the abandonment-rate denominator
    if figure is Figure.SERVICE_LEVEL:
        variant = t.queues.c.sl_variant
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
        done_recently = and_(answered, t.contacts.c.ended_at >= hour)
        return or_(and_(t.contacts.c.enqueued_at >= hour, ~short), done_recently)
    return and_(window, ~short)  # OFFERED


def trace_figure(
    session: Reader,
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
            and_(
                t.contacts.c.queue_id == qid,
                t.contacts.c.enqueued_at >= literal(since, UTCDateTime()),
            )
            for qid, since in starts.items()
        ),
    )
    short = and_(
        t.contacts.c.abandoned_at.is_not(None),
        func.coalesce(t.contacts.c.wait_seconds, 0.0) < t.queues.c.short_abandon_seconds,
    )
    condition = _contact_filter(figure, short, hour, window)
    lower = now - 2 * AHT_LOOKBACK if figure is Figure.STAFFING else min(starts.values())
    if figure is Figure.WAITING:
        lower = datetime.min.replace(tzinfo=now.tzinfo)
    base = (
        select(
            t.contacts,
            t.queues.c.name.label("queue_name"),
            t.queues.c.short_abandon_seconds,
            t.queues.c.sl_threshold_seconds,
        )
        .join(t.queues, t.queues.c.id == t.contacts.c.queue_id)
        .where(
            t.contacts.c.queue_id.in_(list(starts)),
            t.contacts.c.enqueued_at <= now_lit,
            t.contacts.c.enqueued_at >= literal(lower, UTCDateTime()),
            condition,
        )
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    agent = t.employees.alias("agent")
    stmt = (
        base.add_columns(agent.c.full_name.label("agent_name"))
        .outerjoin(agent, agent.c.id == t.contacts.c.agent_id)
        .order_by(t.contacts.c.enqueued_at, t.contacts.c.id)
        .limit(limit)
    )
    rows = tuple(
        ContactTrace(
            r.id,
            r.queue_name,
            r.enqueued_at,
            r.answered_at,
            r.abandoned_at,
            r.wait_seconds
            if r.answered_at or r.abandoned_at
            else max(0.0, (now - r.enqueued_at).total_seconds()),
            (r.talk_seconds + r.hold_seconds + r.wrap_seconds) if r.ended_at else None,
            r.agent_name,
            _counted_as(figure, r, r, now),
        )
        for r in session.execute(stmt)
    )
    return FigureTrace(figure, rows, int(total))


def _agents(session: Reader, queue_ids: tuple[int, ...], limit: int) -> FigureTrace:
    """Agents skilled for the queues, with their current state (offline when none logged)."""
    members = (
        select(t.queue_members.c.employee_id, func.count().label("n"))
        .where(t.queue_members.c.queue_id.in_(list(queue_ids)))
        .group_by(t.queue_members.c.employee_id)
        .subquery()
    )
    stmt = (
        select(
            t.employees.c.id,
            t.employees.c.full_name,
            t.teams.c.name,
            t.agent_states.c.state,
            t.agent_states.c.started_at,
            members.c.n,
        )
        .join(members, members.c.employee_id == t.employees.c.id)
        .outerjoin(t.teams, t.teams.c.id == t.employees.c.team_id)
        .outerjoin(
            t.agent_states,
            and_(
                t.agent_states.c.employee_id == t.employees.c.id,
                t.agent_states.c.ended_at.is_(None),
            ),
        )
        .where(t.employees.c.active.is_(True))
        .order_by(t.employees.c.full_name)
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
