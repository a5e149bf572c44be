"""Intraday profile of one queue: offered, handled and SL per 15-minute interval.

Today against the average of the same weekday in the previous four weeks (each of those days
from its own reset, in wall-clock time). Bucketing happens in SQL on whole epoch seconds, so
a contact at exactly 08:00:00 lands in the 08:00 interval on both backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from db import tables as t
from db.queries.queue_figures import sl_denominator
from db.queries.queues import queue_settings
from db.queries.sqltime import count_where
from db.types import UTCDateTime
from desktop.core.intraday import (
    INTERVAL_SECONDS,
    day_start,
    interval_count,
    interval_index,
    same_weekday_starts,
)

if TYPE_CHECKING:
    from db.engine import Reader

__all__ = ["IntradaySeries", "epoch_seconds", "history_profile", "queue_intraday"]


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970 of a UTC timestamp column, as an integer."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    return f"CAST(strftime('%s', {compiler.process(ts, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    return f"CAST(floor(EXTRACT(EPOCH FROM {compiler.process(ts, **kw)})) AS BIGINT)"


@dataclass(frozen=True)
class IntradaySeries:
    """One queue's day in 15-minute intervals.

    Attributes:
        queue_id / name / timezone: the queue (the x axis is in its local time).
        day_start: start of the queue's today (UTC).
        intervals: intervals in the day (96, or 92/100 on a daylight-saving change).
        now_index: the interval ``now`` falls in.
        offered / handled: today's counts per interval (up to now).
        service_level: today's SL per interval (None where no contact counted).
        avg_offered / avg_handled: mean of the same weekday's intervals over ``weeks_used``.
        weeks_used: how many of the previous 4 same weekdays had contacts.
        sl_target: the queue's target (fraction); sl_description: its SL definition.
    """

    queue_id: int
    name: str
    timezone: str
    day_start: datetime
    intervals: int
    now_index: int
    offered: tuple[int, ...]
    handled: tuple[int, ...]
    service_level: tuple[float | None, ...]
    avg_offered: tuple[float, ...]
    avg_handled: tuple[float, ...]
    weeks_used: int
    sl_target: float
    sl_description: str


def _day_buckets(
    session: Reader, queue_id: int, start: datetime, end: datetime
) -> dict[int, tuple[int, int, int, int]]:
    """Per interval of one day: offered, handled, abandoned (after the short limit), within."""
    start_lit = literal(start, UTCDateTime())
    bucket = (epoch_seconds(t.contacts.c.enqueued_at) - int(start.timestamp())) // INTERVAL_SECONDS
    answered = t.contacts.c.answered_at.is_not(None)
    abandoned = t.contacts.c.abandoned_at.is_not(None)
    short = abandoned & (
        func.coalesce(t.contacts.c.wait_seconds, 0.0) < t.queues.c.short_abandon_seconds
    )
    stmt = (
        select(
            bucket.label("bucket"),
            count_where(~short),
            count_where(answered),
            count_where(abandoned & ~short),
            count_where(answered & (t.contacts.c.wait_seconds <= t.queues.c.sl_threshold_seconds)),
        )
        .join(t.queues, t.queues.c.id == t.contacts.c.queue_id)
        .where(
            t.contacts.c.queue_id == queue_id,
            t.contacts.c.enqueued_at >= start_lit,
            t.contacts.c.enqueued_at < literal(end, UTCDateTime()),
        )
        .group_by("bucket")
    )
    return {int(b): (int(o), int(h), int(a), int(w)) for b, o, h, a, w in session.execute(stmt)}


def history_profile(
    session: Reader,
    queue_id: int,
    day_starts: list[datetime],
    timezone: str,
    reset: time,
    intervals: int,
) -> tuple[tuple[float, ...], tuple[float, ...], int]:
    """Mean offered and handled per interval over the given past days that had contacts.

    Days with no contact at all are left out of the mean (history shorter than four weeks
    must not read as a quiet day).

    Returns:
        (mean offered, mean handled, number of days used), each series ``intervals`` long.
    """
    sum_offered = [0.0] * intervals
    sum_handled = [0.0] * intervals
    used = 0
    for past_start in day_starts:
        past_n = interval_count(past_start, timezone, reset)
        end = past_start + timedelta(seconds=past_n * INTERVAL_SECONDS)
        past = _day_buckets(session, queue_id, past_start, end)
        if not past:
            continue
        used += 1
        for b, (o, h, _a, _w) in past.items():
            if 0 <= b < intervals:
                sum_offered[b] += o
                sum_handled[b] += h
    divisor = used or 1
    return (
        tuple(v / divisor for v in sum_offered),
        tuple(v / divisor for v in sum_handled),
        used,
    )


def queue_intraday(
    session: Reader, queue_id: int, now: datetime, weeks: int = 4
) -> IntradaySeries | None:
    """Today's intervals of ``queue_id`` and the same weekday's average of ``weeks`` weeks.

    Returns:
        The series, or None when the queue does not exist (or is inactive).
    """
    settings = next((s for s in queue_settings(session) if s.queue_id == queue_id), None)
    if settings is None:
        return None
    start = day_start(now, settings.timezone, settings.daily_reset)
    n = interval_count(start, settings.timezone, settings.daily_reset)
    now_index = min(interval_index(now, start), n - 1)
    today = _day_buckets(session, queue_id, start, now + timedelta(microseconds=1))
    offered = [0] * n
    handled = [0] * n
    service_level: list[float | None] = [None] * n
    for b, (o, h, a, w) in today.items():
        if 0 <= b < n:
            offered[b], handled[b] = o, h
            denominator = sl_denominator(settings.variant, o, h, a)
            service_level[b] = w / denominator if denominator else None
    past_starts = same_weekday_starts(start, settings.timezone, settings.daily_reset, weeks)
    avg_offered, avg_handled, used = history_profile(
        session, queue_id, past_starts, settings.timezone, settings.daily_reset, n
    )
    return IntradaySeries(
        queue_id=queue_id,
        name=settings.name,
        timezone=settings.timezone,
        day_start=start,
        intervals=n,
        now_index=now_index,
        offered=tuple(offered),
        handled=tuple(handled),
        service_level=tuple(service_level),
        avg_offered=avg_offered,
        avg_handled=avg_handled,
        weeks_used=used,
        sl_target=settings.sl_target,
        sl_description=settings.describe_sl(),
    )
