"""Ticket clocks: first response, resolution and silence, with SLA states.

Definitions are those of METRICS.md ("Tickets") and the three clocks of ARCHITECTURE.md. Every
instant must be timezone-aware; results are in UTC. SLA targets run on calendar hours unless a
``BusinessCalendar`` is given, in which case elapsed time only counts inside opening hours.

A running clock is *at risk* once ``at_risk_fraction`` of its target has elapsed and *breached*
once the current instant is past its due time; a stopped clock *met* its target when it
stopped at or before the due time, else it *missed* it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from itertools import pairwise

__all__ = [
    "BusinessCalendar",
    "Clock",
    "ClockState",
    "clock",
    "first_response_clock",
    "format_duration",
    "longest_silence",
    "resolution_clock",
    "silence",
]

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
# Bound on walking through closed days (holidays), so a calendar that never opens again
# fails loudly instead of looping forever.
_MAX_CLOSED_DAYS = 366


def _utc(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


class ClockState(StrEnum):
    """Where a clock stands against its target."""

    RUNNING_OK = "running_ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    MISSED = "missed"
    NO_TARGET = "no_target"


@dataclass(frozen=True)
class Clock:
    """One SLA clock at one instant.

    Attributes:
        started: when the clock started (UTC).
        stopped: when it stopped (UTC), or None while it runs.
        target: the SLA target, or None when the priority has none.
        elapsed: time counted so far, or until it stopped (business time with a calendar).
        due_at: when the target is reached (UTC), or None without a target.
        remaining: target - elapsed, negative when overdue; None without a target. With a
            calendar it is business time, so it stays at zero outside opening hours even
            though the clock is already breached.
        state: see ``ClockState``.
    """

    started: datetime
    stopped: datetime | None
    target: timedelta | None
    elapsed: timedelta
    due_at: datetime | None
    remaining: timedelta | None
    state: ClockState


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours in a time zone, for business-hours SLAs.

    Attributes:
        tz: the zone the opening hours are read in (e.g. ``ZoneInfo("Europe/Paris")``).
        hours: seven entries, Monday first: ``(opens, closes)`` local wall-clock times with
            opens < closes (no overnight spans), or None for a closed day.
        holidays: local dates on which the calendar is closed.

    Opening hours follow the wall clock across DST changes: 09:00-17:00 is 09:00-17:00 local
    on both sides. Hours that a DST change skips are not counted; a repeated hour counts twice.
    """

    tz: tzinfo
    hours: tuple[tuple[time, time] | None, ...]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise ValueError(f"hours needs 7 entries (Monday to Sunday), got {len(self.hours)}")
        for day in self.hours:
            if day is None:
                continue
            opens, closes = day
            if opens.tzinfo is not None or closes.tzinfo is not None:
                raise ValueError("opening hours are local wall-clock times without tzinfo")
            if not opens < closes:
                raise ValueError(f"opening time {opens} must be before closing time {closes}")
        if all(day is None for day in self.hours):
            raise ValueError("a business calendar needs at least one open day")

    @classmethod
    def weekdays(
        cls, tz: tzinfo, opens: time, closes: time, holidays: Iterable[date] = ()
    ) -> BusinessCalendar:
        """Monday to Friday, same hours every day, closed at weekends."""
        return cls(tz, ((opens, closes),) * 5 + (None, None), frozenset(holidays))

    def _intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Opening intervals in UTC, in order, from the local day containing ``start``."""
        day = start.astimezone(self.tz).date()
        closed_run = 0
        while True:
            hours = None if day in self.holidays else self.hours[day.weekday()]
            if hours is not None:
                closed_run = 0
                opens = datetime.combine(day, hours[0], tzinfo=self.tz).astimezone(UTC)
                closes = datetime.combine(day, hours[1], tzinfo=self.tz).astimezone(UTC)
                # A window that falls entirely inside a spring-forward gap collapses.
                if opens < closes:
                    yield opens, closes
            else:
                closed_run += 1
                if closed_run > _MAX_CLOSED_DAYS:
                    raise ValueError(f"business calendar stays closed after {day}")
            day += _DAY

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants; negative when ``end`` is before ``start``.

        Raises:
            ValueError: a naive datetime.
        """
        start, end = _utc("start", start), _utc("end", end)
        if end < start:
            return -self.elapsed(end, start)
        total = _ZERO
        for opens, closes in self._intervals(start):
            if opens >= end:
                break
            overlap = min(closes, end) - max(opens, start)
            if overlap > _ZERO:
                total += overlap
        return total

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of business time has elapsed since start.

        When the duration runs out exactly at a closing time, that closing time is returned.

        Raises:
            ValueError: a naive datetime or a negative duration.
        """
        start = _utc("start", start)
        if duration < _ZERO:
            raise ValueError(f"duration must be >= 0, got {duration}")
        if duration == _ZERO:
            return start
        left = duration
        for opens, closes in self._intervals(start):
            if closes <= start:
                continue
            begin = max(opens, start)
            available = closes - begin
            if left <= available:
                return begin + left
            left -= available
        raise AssertionError("unreachable: _intervals is infinite")  # pragma: no cover


def clock(
    started: datetime,
    stopped: datetime | None,
    target: timedelta | None,
    now: datetime,
    at_risk_fraction: float = 0.8,
    calendar: BusinessCalendar | None = None,
) -> Clock:
    """State of an SLA clock at ``now``.

    Args:
        started: when the clock started.
        stopped: when it stopped, or None while it runs.
        target: the SLA target (> 0), or None when there is none.
        now: the current instant; ignored once the clock has stopped.
        at_risk_fraction: share of the target after which a running clock is at risk, in (0, 1].
        calendar: count business hours only; calendar hours when None.

    Returns:
        The clock. ``elapsed`` is clamped at zero when ``now`` precedes ``started``, because
        workstation clocks drift by a few seconds and that is not an error.

    Raises:
        ValueError: naive datetimes, ``stopped`` before ``started``, a target <= 0, or a
            fraction outside (0, 1].
    """
    started = _utc("started", started)
    now = _utc("now", now)
    if stopped is not None:
        stopped = _utc("stopped", stopped)
        if stopped < started:
            raise ValueError(f"clock stopped at {stopped} before it started at {started}")
    if target is not None and target <= _ZERO:
        raise ValueError(f"target must be positive, got {target}")
    if not 0 < at_risk_fraction <= 1:
        raise ValueError(f"at_risk_fraction must be in (0, 1], got {at_risk_fraction}")
    end = max(stopped if stopped is not None else now, started)
    elapsed = calendar.elapsed(started, end) if calendar else end - started
    if target is None:
        return Clock(started, stopped, None, elapsed, None, None, ClockState.NO_TARGET)
    due_at = calendar.add(started, target) if calendar else started + target
    # Breach is judged against due_at, not elapsed: with a calendar, a ticket due at 17:00 is
    # breached at 17:30 although no business time has passed since closing.
    if stopped is not None:
        state = ClockState.MET if stopped <= due_at else ClockState.MISSED
    elif end > due_at:
        state = ClockState.BREACHED
    elif elapsed >= target * at_risk_fraction:
        state = ClockState.AT_RISK
    else:
        state = ClockState.RUNNING_OK
    return Clock(started, stopped, target, elapsed, due_at, target - elapsed, state)


def first_response_clock(
    created: datetime,
    first_response_at: datetime | None,
    target: timedelta | None,
    now: datetime,
    at_risk_fraction: float = 0.8,
    calendar: BusinessCalendar | None = None,
) -> Clock:
    """First-response clock (METRICS.md, FRT), as ``clock``.

    It runs from creation to the first public reply or status notification.
    """
    return clock(created, first_response_at, target, now, at_risk_fraction, calendar)


def resolution_clock(
    created: datetime,
    solved_at: datetime | None,
    target: timedelta | None,
    now: datetime,
    at_risk_fraction: float = 0.8,
    calendar: BusinessCalendar | None = None,
) -> Clock:
    """Resolution clock (METRICS.md, resolution time), as ``clock``.

    It runs from creation to the solve; for a re-opened ticket pass the last solve, or None
    while it is open again.
    """
    return clock(created, solved_at, target, now, at_risk_fraction, calendar)


def silence(
    last_heard_at: datetime | None,
    created: datetime,
    solved_at: datetime | None,
    now: datetime,
) -> timedelta:
    """Silence (METRICS.md): time since the customer last heard from us.

    Args:
        last_heard_at: the last agent reply or status notification, or None if there was none.
        created: ticket creation, where the silence starts when we never replied.
        solved_at: the solve time of a solved ticket (its silence is frozen there), else None.
        now: the current instant.

    Returns:
        (solved_at or now) - max(last_heard_at, created), never negative.

    Raises:
        ValueError: a naive datetime.
    """
    start = _utc("created", created)
    if last_heard_at is not None:
        start = max(start, _utc("last_heard_at", last_heard_at))
    end = _utc("solved_at", solved_at) if solved_at is not None else _utc("now", now)
    return max(end - start, _ZERO)


def longest_silence(created: datetime, heard_times: Iterable[datetime], end: datetime) -> timedelta:
    """Longest silence (METRICS.md): the largest gap over the ticket's life.

    Args:
        created: ticket creation.
        heard_times: instants the customer heard from us (replies, status notifications), in
            any order; those outside [created, end] are ignored.
        end: now for an open ticket, the solve time for a solved one.

    Returns:
        The longest of the gaps created -> first heard -> ... -> last heard -> end; zero when
        ``end`` is not after ``created``.

    Raises:
        ValueError: a naive datetime.
    """
    start, stop = _utc("created", created), _utc("end", end)
    if stop <= start:
        return _ZERO
    inside = sorted(t for t in (_utc("heard_times", h) for h in heard_times) if start < t < stop)
    marks = [start, *inside, stop]
    return max(later - earlier for earlier, later in pairwise(marks))


def format_duration(td: timedelta) -> str:
    """Compact text with the two leading units: "45 s", "12 m 05 s", "2 h 05 m", "3 d 4 h".

    Seconds are truncated, as a countdown does. Negative durations (overdue) start with "−"
    (U+2212 minus sign); a duration that shows as "0 s" has no sign.
    """
    seconds = abs(td) // timedelta(seconds=1)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes:02d} m"
    elif minutes:
        text = f"{minutes} m {secs:02d} s"
    else:
        text = f"{secs} s"
    return f"−{text}" if td < _ZERO and seconds else text
