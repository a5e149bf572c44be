"""Queue thresholds: how each live figure is judged, and when a queue crosses into breach.

The view colours a cell from :func:`assess` on every refresh; the :class:`BreachTracker`
decides when that deserves a desktop notification: once when a figure crosses into breach,
not on every refresh while it stays there, and again only after it has been out of breach
for a while (so a figure hovering on the limit does not ring every two seconds).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from desktop.core.sla import format_duration

__all__ = [
    "Assessment",
    "BreachEvent",
    "BreachTracker",
    "Metric",
    "QueueThresholds",
    "Severity",
    "assess",
]

WARN_FRACTION = 0.75  # "at risk" from 75 % of a limit
SL_WARN_MARGIN = 0.05  # "at risk" within 5 points below the SL target
SL_MIN_CONTACTS = 10  # SL is not judged on fewer contacts (2 of 3 is not a breach at 07:01)


class Severity(StrEnum):
    """How a figure stands against its threshold (values match ``theme.status_icon``)."""

    OK = "ok"
    WARN = "warn"
    BREACH = "breached"

    @property
    def label(self) -> str:
        return {"ok": "OK", "warn": "At risk", "breached": "Breach"}[self.value]


class Metric(StrEnum):
    """The figures a queue has thresholds for."""

    LONGEST_WAIT = "longest_wait"
    WAITING = "waiting"
    SERVICE_LEVEL = "service_level"

    @property
    def label(self) -> str:
        return {
            "longest_wait": "longest wait",
            "waiting": "waiting",
            "service_level": "service level",
        }[self.value]


@dataclass(frozen=True)
class QueueThresholds:
    """A queue's limits (its own settings; None = not watched).

    Attributes:
        sl_target: service-level target as a fraction.
        longest_wait_seconds: breach when the oldest waiting contact has waited this long.
        waiting_count: breach when this many contacts are waiting.
        sl_min_contacts: fewest contacts in the SL denominator before SL is judged.
    """

    sl_target: float | None
    longest_wait_seconds: float | None = None
    waiting_count: int | None = None
    sl_min_contacts: int = SL_MIN_CONTACTS


@dataclass(frozen=True)
class Assessment:
    """One figure judged against its limit.

    Attributes:
        metric: which figure.
        severity: ok / at risk / breach.
        value: the figure (seconds, a count or a fraction); None when there is no data.
        limit: the threshold it was judged against.
        text: one phrase for a tooltip or notification, e.g. "longest wait 3 m 10 s (limit 2 m)".
    """

    metric: Metric
    severity: Severity
    value: float | None
    limit: float | None
    text: str


def _upper_limit(value: float | None, limit: float | None) -> Severity:
    if value is None or limit is None or limit <= 0:
        return Severity.OK
    if value >= limit:
        return Severity.BREACH
    if value >= WARN_FRACTION * limit:
        return Severity.WARN
    return Severity.OK


def _duration(seconds: float | None) -> str:
    return "—" if seconds is None else format_duration(timedelta(seconds=seconds))


def assess(
    metric: Metric,
    value: float | None,
    thresholds: QueueThresholds,
    sl_contacts: int = 0,
) -> Assessment:
    """Judge one figure of a queue.

    Args:
        metric: which figure ``value`` is.
        value: seconds for the longest wait, a count for waiting, a fraction for SL.
        thresholds: the queue's limits.
        sl_contacts: size of the SL denominator (SL is OK below ``sl_min_contacts``).

    Returns:
        The assessment; OK whenever the limit or the value is missing.
    """
    if metric is Metric.LONGEST_WAIT:
        limit = thresholds.longest_wait_seconds
        severity = _upper_limit(value, limit)
        text = f"longest wait {_duration(value)}"
        if limit is not None:
            text += f" (limit {_duration(limit)})"
        return Assessment(metric, severity, value, limit, text)
    if metric is Metric.WAITING:
        limit = float(thresholds.waiting_count) if thresholds.waiting_count else None
        severity = _upper_limit(value, limit)
        shown = "—" if value is None else f"{value:.0f}"
        text = f"{shown} waiting" + (f" (limit {limit:.0f})" if limit is not None else "")
        return Assessment(metric, severity, value, limit, text)
    target = thresholds.sl_target
    shown = "—" if value is None else f"{100 * value:.1f} %"
    if value is None or target is None or sl_contacts < thresholds.sl_min_contacts:
        severity = Severity.OK
    elif value < target - SL_WARN_MARGIN:
        severity = Severity.BREACH
    elif value < target:
        severity = Severity.WARN
    else:
        severity = Severity.OK
    text = f"service level {shown}"
    if target is not None:
        text += f" (target {100 * target:.0f} %)"
    return Assessment(metric, severity, value, target, text)


@dataclass(frozen=True)
class BreachEvent:
    """A figure of a queue crossed into breach.

    Attributes:
        key: the queue's identity (its id).
        name: the queue's name, for the notification.
        assessment: the figure, its limit and the text to show.
        at: when the crossing was seen.
    """

    key: Hashable
    name: str
    assessment: Assessment
    at: datetime

    @property
    def message(self) -> str:
        return f"{self.name}: {self.assessment.text}"


@dataclass
class _State:
    in_breach: bool
    last_breach_at: datetime


class BreachTracker:
    """Turns a stream of assessments into breach crossings.

    Args:
        clear_after: how long a figure must stay out of breach before a new breach counts as a
            new crossing (hysteresis against a value hovering on its limit).
        notify_existing: whether figures already in breach at the first update are crossings
            (True: a team lead opening the app learns of the breaches in progress).
    """

    def __init__(
        self, clear_after: timedelta = timedelta(minutes=2), notify_existing: bool = True
    ) -> None:
        self.clear_after = clear_after
        self.notify_existing = notify_existing
        self._states: dict[tuple[Hashable, Metric], _State] = {}
        self._started = False

    def update(
        self, observations: Iterable[tuple[Hashable, str, Assessment]], now: datetime
    ) -> list[BreachEvent]:
        """Feed one refresh's assessments; returns the crossings into breach.

        Args:
            observations: (queue key, queue name, assessment) for every watched figure.
            now: the refresh time.

        Returns:
            New crossings, in the order observed. Figures no longer observed (a queue removed)
            are forgotten.
        """
        events: list[BreachEvent] = []
        seen: set[tuple[Hashable, Metric]] = set()
        first = not self._started
        self._started = True
        for key, name, assessment in observations:
            slot = (key, assessment.metric)
            seen.add(slot)
            state = self._states.get(slot)
            breached = assessment.severity is Severity.BREACH
            if state is None:
                self._states[slot] = _State(breached, now)
                if breached and (self.notify_existing or not first):
                    events.append(BreachEvent(key, name, assessment, now))
                continue
            if breached:
                if not state.in_breach:
                    events.append(BreachEvent(key, name, assessment, now))
                state.in_breach = True
                state.last_breach_at = now
            elif state.in_breach and now - state.last_breach_at >= self.clear_after:
                state.in_breach = False
        for slot in set(self._states) - seen:
            del self._states[slot]
        return events

    def in_breach(self, key: Hashable, metric: Metric) -> bool:
        """Whether the tracker considers this figure in breach (including the hysteresis)."""
        state = self._states.get((key, metric))
        return bool(state and state.in_breach)
