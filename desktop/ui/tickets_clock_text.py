"""Clock cells in words: the time left, the lateness, or when a clock stopped.

Shared by the board and the detail pane so both say the same thing the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop.core.sla import Clock, ClockState, format_duration


def to_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def clock_time(at: datetime, now: datetime) -> str:
    """ "14:05" today, "Mon 14:05" this week, "21 Nov 14:05" before (local time)."""
    local, today = at.astimezone(), now.astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if abs((today - local).days) < 6:
        return local.strftime("%a %H:%M")
    return local.strftime("%d %b %H:%M")


def short(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))


def clock_text(clock: Clock, now: float) -> str:
    """A clock cell: the time left, the lateness, or when it stopped."""
    state = clock.state
    if state == ClockState.NO_TARGET:
        return (
            "—" if clock.stopped is None else f"done {clock_time(clock.stopped, to_datetime(now))}"
        )
    if state in (ClockState.MET, ClockState.MISSED):
        late = " (late)" if state == ClockState.MISSED else ""
        assert clock.stopped is not None
        return f"done {clock_time(clock.stopped, to_datetime(now))}{late}"
    assert clock.due_at is not None
    left = clock.due_at.timestamp() - now
    if state == ClockState.BREACHED:
        return f"{short(-left)} late"
    if state == ClockState.AT_RISK:
        return f"{short(left)} left"
    return f"in {short(left)}"


def clock_tooltip(name: str, clock: Clock, now: datetime, fraction: float) -> str:
    """What the clock means, in words (the colour and icon are never the only signal)."""
    if clock.target is None:
        return f"{name}: no SLA target for this ticket"
    target = format_duration(clock.target)
    if clock.stopped is not None:
        verdict = "met" if clock.state == ClockState.MET else "missed"
        return f"{name} {verdict} the {target} target: done {clock_time(clock.stopped, now)}"
    assert clock.due_at is not None
    due = clock_time(clock.due_at, now)
    used = clock.elapsed / clock.target
    if clock.state == ClockState.BREACHED:
        return f"{name} BREACHED: the {target} target was due {due}"
    if clock.state == ClockState.AT_RISK:
        return (
            f"{name} AT RISK: {used:.0%} of the {target} target used (at risk from "
            f"{fraction:.0%}); due {due}"
        )
    return f"{name}: {used:.0%} of the {target} target used; due {due}"
