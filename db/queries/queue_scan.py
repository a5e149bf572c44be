"""The queues view's SQL: today's contacts per queue, the waiting contacts, the agents' states.

Each statement is built once (``functools.cache``) with bound parameters: building ~40
expressions per refresh cost more than running the query on a small database, and the
interpreter lock it holds is the one the GUI thread needs. Every scan reads a covering index
(``ix_contacts_queue_figures``, ``ix_contacts_waiting``, ``ix_agent_states_current``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, bindparam, case, func, select
from sqlalchemy.sql.elements import BindParameter

from db import tables as t
from db.queries.queue_figures import Volumes
from db.queries.sqltime import seconds_between
from db.types import UTCDateTime
from desktop.core.metrics import ServiceLevelVariant

if TYPE_CHECKING:
    from db.engine import Reader

__all__ = ["AHT_LOOKBACK", "Scanned", "agent_states", "scan_contacts", "waiting_now"]

AHT_LOOKBACK = timedelta(hours=1)  # "the last hour's arrival rate and AHT" (issue 3)


def _ts(name: str) -> BindParameter[datetime]:
    return bindparam(name, type_=UTCDateTime())


@cache
def _range_statement() -> Select:  # type: ignore[type-arg]
    """Volumes of the queues ``ids`` over contacts enqueued in [start, end], built once.

    Written for SQLite's executor: plain counts and sums of the covering index's columns,
    with only three conditional terms per row (each CASE costs more than the read itself at
    60,000 contacts); the offered, abandoned and answered-wait figures are derived from them
    in ``_range_volumes``.
    """
    abandoned = t.contacts.c.abandoned_at.is_not(None)
    answered = t.contacts.c.answered_at.is_not(None)
    return (
        select(
            t.contacts.c.queue_id,
            func.count().label("n"),
            func.count(t.contacts.c.answered_at).label("answered"),
            func.count(t.contacts.c.abandoned_at).label("abandoned_all"),
            func.count(t.contacts.c.ended_at).label("completed"),
            func.coalesce(func.sum(t.contacts.c.wait_seconds), 0.0).label("wait_all"),
            func.count(
                case(
                    (abandoned & (t.contacts.c.wait_seconds < t.queues.c.short_abandon_seconds), 1)
                )
            ).label("short"),
            func.count(
                case((answered & (t.contacts.c.wait_seconds <= t.queues.c.sl_threshold_seconds), 1))
            ).label("within"),
            func.coalesce(func.sum(case((abandoned, t.contacts.c.wait_seconds))), 0.0).label(
                "wait_abandoned"
            ),
            func.coalesce(
                func.sum(
                    case(
                        (
                            t.contacts.c.ended_at.is_not(None),
                            t.contacts.c.talk_seconds
                            + t.contacts.c.hold_seconds
                            + t.contacts.c.wrap_seconds,
                        )
                    )
                ),
                0.0,
            ).label("handle"),
        )
        .join(t.queues, t.queues.c.id == t.contacts.c.queue_id)
        .where(
            t.contacts.c.queue_id.in_(bindparam("ids", expanding=True)),
            t.contacts.c.enqueued_at >= _ts("start"),
            t.contacts.c.enqueued_at <= _ts("end"),
        )
        .group_by(t.contacts.c.queue_id)
    )


def _range_volumes(
    session: Reader,
    variants: dict[int, ServiceLevelVariant],
    start: datetime,
    end: datetime,
) -> dict[int, Volumes]:
    """METRICS.md volumes per queue over contacts enqueued in [start, end].

    A short abandon (abandoned before the queue's limit) counts in neither offered nor
    abandoned; only answered contacts count in ASA; completed (ended) ones in AHT.
    """
    params = {"ids": list(variants), "start": start, "end": end}
    out: dict[int, Volumes] = {}
    for r in session.execute(_range_statement(), params):
        short = int(r.short)
        out[r.queue_id] = Volumes.of(
            variants[r.queue_id],
            offered=int(r.n) - short,
            handled=int(r.answered),
            abandoned=int(r.abandoned_all) - short,
            within=int(r.within),
            wait_total_s=float(r.wait_all) - float(r.wait_abandoned),
            completed=int(r.completed),
            handle_total_s=float(r.handle),
        )
    return out


@cache
def _recent_statement() -> Select:  # type: ignore[type-arg]
    """The last hour's arrivals (short abandons excluded) and the contacts completed in it
    (enqueued up to an hour earlier): Erlang C's arrival rate and AHT, over two hours of rows.
    """
    hour = _ts("hour")
    done = t.contacts.c.ended_at >= hour
    short = t.contacts.c.abandoned_at.is_not(None) & (
        t.contacts.c.wait_seconds < t.queues.c.short_abandon_seconds
    )
    return (
        select(
            t.contacts.c.queue_id,
            func.count(case(((t.contacts.c.enqueued_at >= hour) & ~short, 1))).label("arrived"),
            func.count(case((done, 1))).label("completed"),
            func.coalesce(
                func.sum(
                    case(
                        (
                            done,
                            t.contacts.c.talk_seconds
                            + t.contacts.c.hold_seconds
                            + t.contacts.c.wrap_seconds,
                        )
                    )
                ),
                0.0,
            ).label("handle"),
        )
        .join(t.queues, t.queues.c.id == t.contacts.c.queue_id)
        .where(
            t.contacts.c.queue_id.in_(bindparam("ids", expanding=True)),
            t.contacts.c.enqueued_at >= _ts("start"),
            t.contacts.c.enqueued_at <= _ts("end"),
        )
        .group_by(t.contacts.c.queue_id)
    )


@dataclass(frozen=True)
class Scanned:
    window: Volumes
    today: Volumes
    hour_offered: int
    hour_completed: int
    hour_handle_total: float


def scan_contacts(
    session: Reader,
    variants: dict[int, ServiceLevelVariant],
    now: datetime,
    today_start: datetime,
    since: datetime,
) -> dict[int, Scanned]:
    """Today's volumes, the window's, and the last hour's arrivals and handle time."""
    hour_start = now - AHT_LOOKBACK
    today = _range_volumes(session, variants, today_start, now)
    window = today if since == today_start else _range_volumes(session, variants, since, now)
    # A contact completed in the last hour may have been enqueued up to an hour before it.
    recent = {
        r.queue_id: (int(r.arrived), int(r.completed), float(r.handle))
        for r in session.execute(
            _recent_statement(),
            {
                "ids": list(variants),
                "start": hour_start - AHT_LOOKBACK,
                "end": now,
                "hour": hour_start,
            },
        )
    }
    empty = Volumes.empty()
    out: dict[int, Scanned] = {}
    for queue_id in variants:
        arrived, completed, handle = recent.get(queue_id, (0, 0, 0.0))
        out[queue_id] = Scanned(
            window.get(queue_id, empty), today.get(queue_id, empty), arrived, completed, handle
        )
    return out


@cache
def _waiting_statement() -> Select:  # type: ignore[type-arg]
    now = _ts("now")
    return (
        select(
            t.contacts.c.queue_id,
            func.count(),
            seconds_between(func.min(t.contacts.c.enqueued_at), now),
        )
        .where(
            t.contacts.c.answered_at.is_(None),
            t.contacts.c.abandoned_at.is_(None),
            t.contacts.c.enqueued_at <= now,
        )
        .group_by(t.contacts.c.queue_id)
    )


def waiting_now(session: Reader, now: datetime) -> dict[int, tuple[int, float | None]]:
    """Contacts waiting now per queue, and the longest wait (the partial index's query)."""
    return {
        q: (int(n), max(0.0, float(w)) if w is not None else None)
        for q, n, w in session.execute(_waiting_statement(), {"now": now})
    }


@cache
def _agent_state_statements() -> tuple[Select, Select, Select]:  # type: ignore[type-arg]
    base = (
        select(
            t.queue_members.c.queue_id,
            t.queues.c.channel,
            t.agent_states.c.employee_id,
            t.agent_states.c.state,
        )
        .join(t.queues, t.queues.c.id == t.queue_members.c.queue_id)
        .join(t.employees, t.employees.c.id == t.queue_members.c.employee_id)
        .join(
            t.agent_states,
            and_(
                t.agent_states.c.employee_id == t.queue_members.c.employee_id,
                t.agent_states.c.ended_at.is_(None),
            ),
        )
        .where(t.employees.c.active.is_(True), t.queues.c.active.is_(True))
        .subquery()
    )
    heads = func.count(func.distinct(base.c.employee_id))
    return (
        select(base.c.queue_id, base.c.state, func.count()).group_by(base.c.queue_id, base.c.state),
        select(base.c.channel, base.c.state, heads).group_by(base.c.channel, base.c.state),
        select(base.c.state, heads).group_by(base.c.state),
    )


def agent_states(session: Reader) -> tuple[dict[int, dict[str, int]], dict[str, dict[str, int]]]:
    """Current states of the agents skilled for each queue; and per channel, distinct agents.

    An agent skilled for three queues counts once in each queue but once in the channel and
    total rows, so the subtotals are heads, not sums.
    """
    by_queue, by_channel, overall = _agent_state_statements()
    per_queue: dict[int, dict[str, int]] = defaultdict(dict)
    for queue_id, state, n in session.execute(by_queue):
        per_queue[queue_id][str(state)] = int(n)
    per_channel: dict[str, dict[str, int]] = defaultdict(dict)
    for channel, state, n in session.execute(by_channel):
        per_channel[str(channel)][str(state)] = int(n)
    for state, n in session.execute(overall):
        per_channel["*"][str(state)] = int(n)
    return per_queue, per_channel
