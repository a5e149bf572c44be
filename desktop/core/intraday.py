"""Calendar arithmetic of the live views: a queue's "today", time windows, 15-minute intervals.

METRICS.md: "today" starts at the queue's daily reset time in the queue's time zone (midnight
by default). Everything here works in the queue's wall-clock time and hands back aware UTC
datetimes, so a reset at 06:00 stays at 06:00 local across a daylight-saving change and a day
may hold 92, 96 or 100 quarter hours.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "INTERVAL_SECONDS",
    "TimeWindow",
    "day_start",
    "interval_count",
    "interval_index",
    "same_weekday_starts",
    "scheduled_shift_seconds",
    "window_start",
    "zone",
]

INTERVAL_SECONDS = 900  # the 15-minute interval of intraday charts and history snapshots


class TimeWindow(StrEnum):
    """The period a live figure covers. The values are stored in settings."""

    TODAY = "today"
    LAST_30_MIN = "30m"
    LAST_HOUR = "60m"

    @property
    def label(self) -> str:
        return {"today": "Today", "30m": "Last 30 min", "60m": "Last hour"}[self.value]

    @property
    def minutes(self) -> int | None:
        """Length of a rolling window; None for "today" (it starts at the daily reset)."""
        return {"today": None, "30m": 30, "60m": 60}[self.value]


def zone(name: str | None) -> tzinfo:
    """The time zone called ``name``; UTC for an empty or unknown name (never an exception:
    a typo in one queue's settings must not stop the whole view)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _local_midnight_reset(day: datetime, reset: time, tz: tzinfo) -> datetime:
    return datetime.combine(day.date(), reset, tzinfo=tz).astimezone(UTC)


def day_start(now: datetime, timezone: str | None, reset: time = time(0, 0)) -> datetime:
    """Start of the queue's current day: the last daily reset at or before ``now``.

    Args:
        now: aware current time.
        timezone: the queue's IANA time zone (UTC when empty or unknown).
        reset: the daily reset time in that zone.

    Returns:
        An aware UTC datetime <= ``now``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tz = zone(timezone)
    local = now.astimezone(tz)
    start = _local_midnight_reset(local, reset, tz)
    if start > now:
        start = _local_midnight_reset(local - timedelta(days=1), reset, tz)
    return start


def window_start(window: TimeWindow, now: datetime, today_start: datetime) -> datetime:
    """Where ``window`` begins: the day start for "today", else ``now`` minus its length."""
    minutes = window.minutes
    return today_start if minutes is None else now - timedelta(minutes=minutes)


def same_weekday_starts(
    today_start: datetime, timezone: str | None, reset: time = time(0, 0), weeks: int = 4
) -> list[datetime]:
    """Day starts of the same weekday in the ``weeks`` previous weeks, most recent first.

    Each is computed in wall-clock time, so a week that crossed a daylight-saving change still
    starts at the reset time.
    """
    tz = zone(timezone)
    local = today_start.astimezone(tz)
    return [
        _local_midnight_reset(local - timedelta(days=7 * k), reset, tz) for k in range(1, weeks + 1)
    ]


def interval_count(today_start: datetime, timezone: str | None, reset: time = time(0, 0)) -> int:
    """Number of 15-minute intervals from this day start to the next (96 on a normal day)."""
    tz = zone(timezone)
    local = today_start.astimezone(tz)
    following = _local_midnight_reset(local + timedelta(days=1), reset, tz)
    return math.ceil((following - today_start).total_seconds() / INTERVAL_SECONDS)


def interval_index(at: datetime, today_start: datetime) -> int:
    """The 15-minute interval ``at`` falls in, counted from the day start (0-based)."""
    return int((at - today_start).total_seconds() // INTERVAL_SECONDS)


def scheduled_shift_seconds(
    shift_start: time | None, shift_end: time | None, shift_days: str, iso_weekday: int
) -> float | None:
    """Length of the shift scheduled on a day, in seconds.

    Args:
        shift_start: local start time, or None when the employee has no scheduled shift.
        shift_end: local end time; earlier than the start for an overnight shift.
        shift_days: ISO weekdays the shift runs on, as digits ("12345" = Monday to Friday).
        iso_weekday: the day's ISO weekday (1 = Monday).

    Returns:
        Seconds; 0.0 on a day off; None when no shift is defined at all (so overtime, which
        is "beyond the scheduled shift", is not defined either).
    """
    if shift_start is None or shift_end is None:
        return None
    if str(iso_weekday) not in (shift_days or ""):
        return 0.0
    start = shift_start.hour * 3600 + shift_start.minute * 60 + shift_start.second
    end = shift_end.hour * 3600 + shift_end.minute * 60 + shift_end.second
    if end <= start:  # overnight shift (or a 24-hour one)
        end += 86_400
    return float(end - start)
