"""Display text for figures: durations, percentages, counts, timestamps."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from desktop.core.sla import format_duration


def duration(seconds: float | None) -> str:
    """Compact duration ("45 s", "12 m 05 s", "3 h 20 m", "2 d 4 h"); "—" for no value."""
    if seconds is None or math.isnan(seconds):
        return "—"
    if math.isinf(seconds):
        return "∞"
    return format_duration(timedelta(seconds=seconds))


def percent(value: float | None, digits: int = 1) -> str:
    """ "87.5 %" or "—" when there is no data."""
    return "—" if value is None else f"{value:.{digits}f} %"


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def local_time(at: datetime | None, with_date: bool = False) -> str:
    """A UTC timestamp shown in the workstation's local time."""
    if at is None:
        return "—"
    local = at.astimezone()
    return local.strftime("%d %b %H:%M" if with_date else "%H:%M:%S")
