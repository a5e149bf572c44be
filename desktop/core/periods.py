"""Reporting periods of the supervisor view: this week, last 7/30/90 days, custom.

Every period is a half-open interval ``[start, end)`` of UTC instants. Its comparison period
has the same length and ends where it starts, except "this week", which is compared with the
same part of last week (Monday 00:00 to the same weekday and time), so a Wednesday is never
compared with a weekend.

Trends use rolling weeks that end now: ``[now - 7k days, now - 7(k-1) days)``. They are all
complete 7-day spans, so the last point of a sparkline never dips just because the calendar
week has only started.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

TREND_WEEKS = 12
WEEK = timedelta(days=7)


class PeriodKind(StrEnum):
    """What the period selector offers; the values are what the command line accepts."""

    THIS_WEEK = "week"
    LAST_7 = "7d"
    LAST_30 = "30d"
    LAST_90 = "90d"
    CUSTOM = "custom"


PERIOD_LABELS: dict[PeriodKind, str] = {
    PeriodKind.THIS_WEEK: "This week",
    PeriodKind.LAST_7: "Last 7 days",
    PeriodKind.LAST_30: "Last 30 days",
    PeriodKind.LAST_90: "Last 90 days",
    PeriodKind.CUSTOM: "Custom…",
}


@dataclass(frozen=True)
class Period:
    """A half-open reporting interval ``[start, end)`` in UTC, with its comparison period.

    Attributes:
        start: first instant included.
        end: first instant excluded.
        label: how the view names it ("Last 30 days").
        previous_start / previous_end: the comparison period, of the same length.
    """

    start: datetime
    end: datetime
    label: str
    previous_start: datetime
    previous_end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end", "previous_start", "previous_end"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")
        if not self.start < self.end:
            raise ValueError(f"period start {self.start} must be before its end {self.end}")
        if self.previous_end - self.previous_start != self.end - self.start:
            raise ValueError("the comparison period must have the same length")

    @property
    def length(self) -> timedelta:
        """Length of the period (and of its comparison period)."""
        return self.end - self.start

    @property
    def days(self) -> float:
        """Length in days, e.g. 30.0."""
        return self.length / timedelta(days=1)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def make_period(
    kind: PeriodKind,
    now: datetime,
    tz: str = "UTC",
    custom_start: date | None = None,
    custom_end: date | None = None,
) -> Period:
    """The period ``kind`` as of ``now`` in the team's time zone.

    Args:
        kind: which period.
        now: the current instant (timezone-aware).
        tz: IANA zone of the team: where "Monday 00:00" and custom dates are.
        custom_start: first day of a custom period (local date, included).
        custom_end: last day of a custom period (local date, included; capped at ``now``).

    Returns:
        The period and its comparison period.

    Raises:
        ValueError: a naive ``now``; a custom period without both dates, ending before it
            starts, or starting in the future.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(tz)
    label = PERIOD_LABELS[kind]
    if kind is PeriodKind.THIS_WEEK:
        local = now.astimezone(zone)
        start = _local_midnight(local.date() - timedelta(days=local.weekday()), zone)
        if start >= now:  # exactly Monday 00:00: nothing elapsed yet; show the last week
            start -= WEEK
        return Period(start, now, label, start - WEEK, now - WEEK)
    if kind is PeriodKind.CUSTOM:
        if custom_start is None or custom_end is None:
            raise ValueError("a custom period needs a first and a last day")
        if custom_end < custom_start:
            raise ValueError(f"the last day {custom_end} is before the first day {custom_start}")
        start = _local_midnight(custom_start, zone)
        end = min(_local_midnight(custom_end + timedelta(days=1), zone), now)
        if start >= end:
            raise ValueError(f"the custom period starting {custom_start} has not begun yet")
        label = f"{custom_start:%d %b %Y} – {custom_end:%d %b %Y}"
        return Period(start, end, label, start - (end - start), start)
    days = {PeriodKind.LAST_7: 7, PeriodKind.LAST_30: 30, PeriodKind.LAST_90: 90}[kind]
    return last_days(days, now, label)


def last_days(days: int, now: datetime, label: str | None = None) -> Period:
    """The rolling period ``[now - days, now)`` and the ``days`` before it."""
    if days < 1:
        raise ValueError(f"a period needs at least one day, got {days}")
    length = timedelta(days=days)
    start = now - length
    return Period(start, now, label or f"Last {days} days", start - length, start)


_DAYS = re.compile(r"^(\d{1,3})\s*d(ays?)?$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(\.\.|/|to)\s*(\d{4}-\d{2}-\d{2})$")


def parse_period(text: str, now: datetime, tz: str = "UTC") -> Period:
    """A period from its command-line spelling.

    Accepted: ``7d``, ``30d``, ``90d`` (any 1-366 days), ``week`` (this week), or a custom
    range ``2026-10-01..2026-10-31`` (both days included).

    Raises:
        ValueError: anything else, with the accepted forms in the message.
    """
    spelled = text.strip().lower()
    if spelled in ("week", "this-week", "this_week", "thisweek"):
        return make_period(PeriodKind.THIS_WEEK, now, tz)
    match = _DAYS.match(spelled)
    if match:
        days = int(match.group(1))
        if not 1 <= days <= 366:
            raise ValueError(f"a period of {days} days is not supported (1 to 366)")
        return last_days(days, now)
    match = _RANGE.match(spelled)
    if match:
        first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(3))
        return make_period(PeriodKind.CUSTOM, now, tz, first, last)
    raise ValueError(
        f"unknown period {text!r}: use 7d, 30d, 90d (any number of days), week, "
        "or FIRST..LAST as dates like 2026-10-01..2026-10-31"
    )


def trend_weeks(now: datetime, weeks: int = TREND_WEEKS) -> tuple[tuple[datetime, datetime], ...]:
    """The rolling weeks of a trend, oldest first; the last one is ``[now - 7 d, now)``."""
    return tuple((now - WEEK * (weeks - k), now - WEEK * (weeks - k - 1)) for k in range(weeks))


def local_day_starts(start: datetime, end: datetime, tz: str) -> tuple[datetime, ...]:
    """Local midnights (as aware datetimes in ``tz``) of the days whose midnight is in
    ``[start, end)``. Each day belongs to exactly one of several adjacent periods this way."""
    zone = ZoneInfo(tz)
    day = start.astimezone(zone).date()
    out: list[datetime] = []
    while True:
        midnight = _local_midnight(day, zone)
        if midnight >= end:
            return tuple(out)
        if midnight >= start:
            out.append(midnight)
        day += timedelta(days=1)
