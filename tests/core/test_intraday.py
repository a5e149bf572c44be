"""A queue's "today", rolling windows, quarter-hour intervals and shift lengths."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from desktop.core.intraday import (
    TimeWindow,
    day_start,
    interval_count,
    interval_index,
    same_weekday_starts,
    scheduled_shift_seconds,
    window_start,
    zone,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_day_start_uses_reset_in_queue_time_zone() -> None:
    now = utc(2026, 11, 23, 15, 0)
    assert day_start(now, "UTC") == utc(2026, 11, 23)
    assert day_start(now, "Europe/Berlin", time(6)) == utc(2026, 11, 23, 5)
    # 04:30 UTC is 05:30 in Berlin, before the 06:00 reset: still yesterday's day.
    assert day_start(utc(2026, 11, 23, 4, 30), "Europe/Berlin", time(6)) == utc(2026, 11, 22, 5)
    assert day_start(now, "America/New_York", time(8)) == utc(2026, 11, 23, 13)
    assert day_start(now, "Not/AZone") == utc(2026, 11, 23)  # unknown zone: UTC, no crash
    assert zone("") is UTC
    with pytest.raises(ValueError):
        day_start(datetime(2026, 1, 1), "UTC")


def test_daylight_saving_days() -> None:
    # Europe/Berlin springs forward on 2026-03-29: that day has 23 hours, 92 intervals.
    spring = day_start(utc(2026, 3, 29, 12), "Europe/Berlin")
    assert spring == utc(2026, 3, 28, 23)
    assert interval_count(spring, "Europe/Berlin") == 92
    autumn = day_start(utc(2026, 10, 25, 12), "Europe/Berlin")
    assert interval_count(autumn, "Europe/Berlin") == 100
    assert interval_count(utc(2026, 11, 23), "UTC") == 96
    # Four weeks before a day after the change, each earlier day still starts at local midnight.
    starts = same_weekday_starts(utc(2026, 4, 5, 22), "Europe/Berlin")
    assert starts == [
        utc(2026, 3, 29, 22),
        utc(2026, 3, 22, 23),
        utc(2026, 3, 15, 23),
        utc(2026, 3, 8, 23),
    ]


def test_windows_and_intervals() -> None:
    now = utc(2026, 11, 23, 15, 7)
    today = utc(2026, 11, 23, 5)
    assert window_start(TimeWindow.TODAY, now, today) == today
    assert window_start(TimeWindow.LAST_30_MIN, now, today) == now - timedelta(minutes=30)
    assert window_start(TimeWindow.LAST_HOUR, now, today) == now - timedelta(hours=1)
    assert [w.label for w in TimeWindow] == ["Today", "Last 30 min", "Last hour"]
    assert interval_index(utc(2026, 11, 23, 5, 0), today) == 0
    assert interval_index(utc(2026, 11, 23, 5, 14, 59), today) == 0
    assert interval_index(utc(2026, 11, 23, 5, 15), today) == 1
    assert interval_index(now, today) == 40


def test_scheduled_shift_seconds() -> None:
    assert scheduled_shift_seconds(time(8), time(16, 30), "12345", 1) == 8.5 * 3600
    assert scheduled_shift_seconds(time(8), time(16), "12345", 6) == 0.0  # day off
    assert scheduled_shift_seconds(time(22), time(6), "7", 7) == 8 * 3600  # overnight
    assert scheduled_shift_seconds(None, None, "12345", 1) is None
