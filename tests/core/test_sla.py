"""SLA clocks, silence and business-hours calendars (including DST changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from desktop.core.sla import (
    BusinessCalendar,
    Clock,
    ClockState,
    clock,
    first_response_clock,
    format_duration,
    longest_silence,
    resolution_clock,
    silence,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
TICK = timedelta(microseconds=1)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def state_after(elapsed: timedelta, target: timedelta = HOUR) -> ClockState:
    return clock(T0, None, target, T0 + elapsed).state


# --- calendar-hours clocks --------------------------------------------------------------------


def test_running_clock_on_both_sides_of_the_at_risk_threshold() -> None:
    # 80 % of one hour is 48 minutes.
    assert state_after(48 * MINUTE - TICK) is ClockState.RUNNING_OK
    assert state_after(48 * MINUTE) is ClockState.AT_RISK


def test_running_clock_on_both_sides_of_the_breach() -> None:
    # Breached once *past* the target: at exactly the due instant it is still at risk.
    assert state_after(HOUR) is ClockState.AT_RISK
    assert state_after(HOUR + TICK) is ClockState.BREACHED


def test_clock_fields() -> None:
    c = clock(T0, None, HOUR, T0 + 48 * MINUTE)
    assert c == Clock(
        started=T0,
        stopped=None,
        target=HOUR,
        elapsed=48 * MINUTE,
        due_at=T0 + HOUR,
        remaining=12 * MINUTE,
        state=ClockState.AT_RISK,
    )
    overdue = clock(T0, None, HOUR, T0 + 75 * MINUTE)
    assert overdue.remaining == -15 * MINUTE
    assert overdue.state is ClockState.BREACHED


def test_stopped_clock_met_or_missed_regardless_of_now() -> None:
    later = T0 + timedelta(days=30)
    met = clock(T0, T0 + HOUR, HOUR, later)
    assert met.state is ClockState.MET
    assert met.elapsed == HOUR
    assert met.remaining == timedelta(0)
    missed = clock(T0, T0 + HOUR + SECOND, HOUR, later)
    assert missed.state is ClockState.MISSED
    assert missed.remaining == -SECOND
    # A quick answer is met even inside the at-risk zone.
    assert clock(T0, T0 + 50 * MINUTE, HOUR, later).state is ClockState.MET


def test_custom_at_risk_fraction() -> None:
    assert clock(T0, None, HOUR, T0 + 30 * MINUTE, at_risk_fraction=0.5).state is (
        ClockState.AT_RISK
    )
    assert clock(T0, None, HOUR, T0 + 30 * MINUTE).state is ClockState.RUNNING_OK


def test_no_target() -> None:
    c = clock(T0, None, None, T0 + 5 * HOUR)
    assert c.state is ClockState.NO_TARGET
    assert c.elapsed == 5 * HOUR
    assert c.due_at is None and c.remaining is None


def test_now_slightly_before_start_is_clock_skew_not_an_error() -> None:
    c = clock(T0, None, HOUR, T0 - 2 * SECOND)
    assert c.elapsed == timedelta(0)
    assert c.state is ClockState.RUNNING_OK


def test_other_offsets_are_converted_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    c = clock(datetime(2024, 3, 4, 11, 0, tzinfo=plus_two), None, HOUR, T0 + 30 * MINUTE)
    assert c.started == T0
    assert c.started.tzinfo is UTC
    assert c.elapsed == 30 * MINUTE


def test_first_response_and_resolution_clocks_are_clocks() -> None:
    frt = first_response_clock(T0, T0 + 10 * MINUTE, HOUR, T0 + 2 * HOUR)
    assert frt == clock(T0, T0 + 10 * MINUTE, HOUR, T0 + 2 * HOUR)
    assert frt.state is ClockState.MET
    # Re-opened ticket: no solve time while open again, so the clock runs and breaches.
    res = resolution_clock(T0, None, 8 * HOUR, T0 + 9 * HOUR)
    assert res.state is ClockState.BREACHED
    assert res.elapsed == 9 * HOUR


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"started": T0.replace(tzinfo=None)}, "started must be timezone-aware"),
        ({"now": datetime(2024, 3, 4, 10)}, "now must be timezone-aware"),
        ({"stopped": datetime(2024, 3, 4, 10)}, "stopped must be timezone-aware"),
        ({"stopped": T0 - SECOND}, "before it started"),
        ({"target": timedelta(0)}, "target must be positive"),
        ({"target": -HOUR}, "target must be positive"),
        ({"at_risk_fraction": 0.0}, "at_risk_fraction"),
        ({"at_risk_fraction": 1.5}, "at_risk_fraction"),
    ],
)
def test_clock_rejects_bad_input(kwargs: dict, message: str) -> None:
    args = {"started": T0, "stopped": None, "target": HOUR, "now": T0 + MINUTE} | kwargs
    with pytest.raises(ValueError, match=message):
        clock(**args)


# --- silence ---------------------------------------------------------------------------------


def test_silence() -> None:
    now = T0 + 5 * HOUR
    assert silence(None, T0, None, now) == 5 * HOUR  # never replied: since creation
    assert silence(T0 + 2 * HOUR, T0, None, now) == 3 * HOUR
    # Solved: frozen at the solve time.
    assert silence(T0 + 2 * HOUR, T0, T0 + 4 * HOUR, now) == 2 * HOUR
    assert silence(T0 + 4 * HOUR, T0, T0 + 3 * HOUR, now) == timedelta(0)
    # A "heard" time before creation (clock skew) cannot make the silence longer.
    assert silence(T0 - HOUR, T0, None, now) == 5 * HOUR
    with pytest.raises(ValueError, match="timezone-aware"):
        silence(None, T0, None, datetime(2024, 3, 4, 12))


def test_longest_silence() -> None:
    heard = [T0 + 6 * HOUR, T0 + HOUR, T0 + 5 * HOUR]  # any order
    assert longest_silence(T0, heard, T0 + 7 * HOUR) == 4 * HOUR
    assert longest_silence(T0, heard, T0 + 20 * HOUR) == 14 * HOUR  # the current gap
    assert longest_silence(T0, [], T0 + 3 * HOUR) == 3 * HOUR
    # Heard times outside the ticket's life are ignored.
    assert longest_silence(T0, [T0 - HOUR, T0 + 9 * HOUR], T0 + 2 * HOUR) == 2 * HOUR
    assert longest_silence(T0, [], T0 - HOUR) == timedelta(0)
    with pytest.raises(ValueError, match="heard_times"):
        longest_silence(T0, [datetime(2024, 3, 4, 10)], T0 + HOUR)


# --- format_duration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(0), "0 s"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(seconds=59.9), "59 s"),
        (timedelta(minutes=1), "1 m 00 s"),
        (timedelta(minutes=12, seconds=5), "12 m 05 s"),
        (timedelta(hours=2, minutes=5, seconds=59), "2 h 05 m"),
        (timedelta(days=1), "1 d 0 h"),
        (timedelta(days=3, hours=4, minutes=59), "3 d 4 h"),
        (-timedelta(hours=2, minutes=5), "−2 h 05 m"),
        (-timedelta(seconds=45), "−45 s"),
        (-timedelta(seconds=0.5), "0 s"),
    ],
)
def test_format_duration(td: timedelta, text: str) -> None:
    assert format_duration(td) == text


# --- business calendar -------------------------------------------------------------------------

OFFICE = BusinessCalendar.weekdays(PARIS, time(9), time(17))


def test_business_elapsed_within_a_day_overnight_and_over_a_weekend() -> None:
    assert OFFICE.elapsed(paris(2024, 3, 4, 10), paris(2024, 3, 4, 12, 30)) == 2.5 * HOUR
    assert OFFICE.elapsed(paris(2024, 3, 4, 16), paris(2024, 3, 5, 10)) == 2 * HOUR
    assert OFFICE.elapsed(paris(2024, 3, 8, 16), paris(2024, 3, 11, 10)) == 2 * HOUR  # Fri-Mon
    assert OFFICE.elapsed(paris(2024, 3, 9, 8), paris(2024, 3, 10, 20)) == timedelta(0)  # weekend
    # Reversed arguments give the negative.
    assert OFFICE.elapsed(paris(2024, 3, 5, 10), paris(2024, 3, 4, 16)) == -2 * HOUR


def test_business_add_skips_nights_weekends_and_holidays() -> None:
    assert OFFICE.add(paris(2024, 3, 4, 16), 2 * HOUR) == paris(2024, 3, 5, 10)
    assert OFFICE.add(paris(2024, 3, 8, 16), 2 * HOUR) == paris(2024, 3, 11, 10)
    # Created on Sunday evening: 8 business hours run out at Monday's closing time.
    assert OFFICE.add(paris(2024, 3, 3, 20), 8 * HOUR) == paris(2024, 3, 4, 17)
    easter = BusinessCalendar.weekdays(PARIS, time(9), time(17), holidays=[date(2024, 4, 1)])
    assert easter.add(paris(2024, 3, 29, 16), 2 * HOUR) == paris(2024, 4, 2, 10)
    assert OFFICE.add(paris(2024, 3, 4, 20), timedelta(0)) == paris(2024, 3, 4, 20)


@pytest.mark.parametrize("start_hour", [0, 9, 12, 16, 17, 23])
@pytest.mark.parametrize("hours", [0.25, 1, 7.5, 8, 9, 40, 100])
def test_business_add_and_elapsed_are_inverse(start_hour: int, hours: float) -> None:
    start = paris(2024, 3, 27, start_hour)  # a Wednesday; 100 h crosses the DST change
    due = OFFICE.add(start, hours * HOUR)
    assert OFFICE.elapsed(start, due) == hours * HOUR
    assert OFFICE.elapsed(start, due - SECOND) < hours * HOUR


def test_business_hours_follow_the_wall_clock_across_dst() -> None:
    # Friday 29 March 16:00 CET + 2 h -> Monday 1 April 10:00 CEST, which is 08:00 UTC, not
    # the 09:00 UTC a fixed offset would give.
    due = OFFICE.add(paris(2024, 3, 29, 16), 2 * HOUR)
    assert due == datetime(2024, 4, 1, 8, tzinfo=UTC)
    # Autumn: Friday 25 October 16:00 CEST + 2 h -> Monday 28 October 10:00 CET = 09:00 UTC.
    assert OFFICE.add(paris(2024, 10, 25, 16), 2 * HOUR) == datetime(2024, 10, 28, 9, tzinfo=UTC)
    ny = BusinessCalendar.weekdays(NEW_YORK, time(8), time(18))
    friday = datetime(2024, 3, 8, 17, tzinfo=NEW_YORK)
    assert ny.add(friday, 2 * HOUR) == datetime(2024, 3, 11, 9, tzinfo=NEW_YORK)
    assert ny.elapsed(friday, datetime(2024, 3, 11, 9, tzinfo=NEW_YORK)) == 2 * HOUR


def test_dst_change_inside_opening_hours_counts_real_time() -> None:
    night = BusinessCalendar(PARIS, ((time(1), time(5)),) * 7)
    # 31 March: 02:00-03:00 does not exist, so 01:00-05:00 is 3 real hours.
    assert night.elapsed(paris(2024, 3, 31, 0), paris(2024, 3, 31, 6)) == 3 * HOUR
    # 27 October: 02:00-03:00 happens twice, so 01:00-05:00 is 5 real hours.
    assert night.elapsed(paris(2024, 10, 27, 0), paris(2024, 10, 27, 6)) == 5 * HOUR
    assert night.elapsed(paris(2024, 10, 26, 0), paris(2024, 10, 26, 6)) == 4 * HOUR


def test_business_clock_is_breached_after_closing_time() -> None:
    created = paris(2024, 3, 3, 20)  # Sunday evening
    target = 8 * HOUR
    noon = clock(created, None, target, paris(2024, 3, 4, 13), calendar=OFFICE)
    assert noon.elapsed == 4 * HOUR
    assert noon.state is ClockState.RUNNING_OK
    assert noon.due_at == datetime(2024, 3, 4, 16, tzinfo=UTC)  # 17:00 CET
    late_afternoon = clock(created, None, target, paris(2024, 3, 4, 16, 30), calendar=OFFICE)
    assert late_afternoon.state is ClockState.AT_RISK  # 7.5 h >= 6.4 h
    evening = clock(created, None, target, paris(2024, 3, 4, 17, 30), calendar=OFFICE)
    assert evening.elapsed == target
    assert evening.remaining == timedelta(0)
    assert evening.state is ClockState.BREACHED
    met = clock(created, paris(2024, 3, 4, 17), target, paris(2024, 3, 5, 9), calendar=OFFICE)
    assert met.state is ClockState.MET


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: BusinessCalendar(PARIS, ((time(9), time(17)),) * 6), "7 entries"),
        (lambda: BusinessCalendar(PARIS, ((time(17), time(9)),) * 7), "must be before"),
        (lambda: BusinessCalendar(PARIS, (None,) * 7), "at least one open day"),
        (
            lambda: BusinessCalendar.weekdays(PARIS, time(9, tzinfo=UTC), time(17)),
            "without tzinfo",
        ),
        (lambda: OFFICE.add(paris(2024, 3, 4, 9), -HOUR), "duration must be >= 0"),
        (lambda: OFFICE.elapsed(datetime(2024, 3, 4, 9), T0), "start must be timezone-aware"),
    ],
)
def test_business_calendar_rejects_bad_input(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_business_calendar_that_never_opens_again_fails_loudly() -> None:
    closed = [date(2025, 1, 1) + timedelta(days=i) for i in range(800)]
    calendar = BusinessCalendar.weekdays(PARIS, time(9), time(17), holidays=closed)
    with pytest.raises(ValueError, match="stays closed"):
        calendar.add(paris(2025, 1, 1, 9), HOUR)
