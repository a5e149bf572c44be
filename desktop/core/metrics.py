"""One pure function per METRICS.md definition (queues, customers, employees, fairness).

Inputs are the counts and sums that ``db/queries`` aggregates in SQL; only the survey and
QA functions take lists of scores.

Units, chosen once so views never guess:

- ratios of contacts or time (service level, abandonment, FCR, occupancy, utilisation) are
  fractions in [0, 1], like ``desktop.core.staffing``; the view formats them as %;
- survey and review scores whose definition says "in %" (CSAT, eSat favourable, QA) are
  percentages in [0, 100]; NPS and eNPS are in [-100, 100];
- durations are seconds.

A function returns ``None`` when there is no data (an empty denominator): "no data" and "0 %"
mean different things on a dashboard.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from desktop.core.domain import Priority


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _check_non_negative(**values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


# --- Queues -------------------------------------------------------------------------------


def format_threshold(seconds: float) -> str:
    """Compact threshold text for tooltips: "20 s", "60 s", "2 min", "4 h"."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


class ServiceLevelVariant(StrEnum):
    """Denominator of the service level (METRICS.md, Queues: "service level (SL)").

    The values are stored in settings, so they never change.
    """

    ANSWERED_PLUS_ABANDONED = "answered_plus_abandoned"
    OFFERED = "offered"
    ANSWERED = "answered"

    def describe(self, threshold_seconds: float, short_abandon_seconds: float = 5) -> str:
        """Tooltip text naming the definition.

        Args:
            threshold_seconds: the queue's SL threshold T.
            short_abandon_seconds: the queue's short-abandon limit (default 5 s).

        Returns:
            For example "SL: answered within 20 s / (answered + abandoned after 5 s)".
        """
        head = f"SL: answered within {format_threshold(threshold_seconds)}"
        if self is ServiceLevelVariant.ANSWERED_PLUS_ABANDONED:
            after = format_threshold(short_abandon_seconds)
            return f"{head} / (answered + abandoned after {after})"
        return f"{head} / {self.value}"


def service_level(
    answered_within: int,
    answered: int,
    abandoned: int,
    offered: int | None = None,
    variant: ServiceLevelVariant = ServiceLevelVariant.ANSWERED_PLUS_ABANDONED,
) -> float | None:
    """Service level (METRICS.md, Queues), as a fraction.

    Short abandons are already excluded from ``abandoned`` and ``offered`` by the query, as the
    definition says, so ``abandoned`` here means "abandoned after the short-abandon limit".

    Args:
        answered_within: contacts answered within the threshold T.
        answered: contacts answered.
        abandoned: contacts abandoned after the short-abandon limit.
        offered: contacts offered; required for ``ServiceLevelVariant.OFFERED`` only.
        variant: the denominator; answered + abandoned by default.

    Returns:
        answered_within / denominator, or None when the denominator is 0.

    Raises:
        ValueError: negative counts, answered_within > answered, or OFFERED without offered.
    """
    _check_non_negative(answered_within=answered_within, answered=answered, abandoned=abandoned)
    if answered_within > answered:
        raise ValueError(f"answered_within ({answered_within}) cannot exceed answered ({answered})")
    if variant is ServiceLevelVariant.OFFERED:
        if offered is None:
            raise ValueError("offered is required for the 'offered' service-level variant")
        _check_non_negative(offered=offered)
        return _ratio(answered_within, offered)
    if variant is ServiceLevelVariant.ANSWERED:
        return _ratio(answered_within, answered)
    return _ratio(answered_within, answered + abandoned)


def average_speed_of_answer(total_wait_seconds: float, answered: int) -> float | None:
    """ASA (METRICS.md, Queues): sum of waits of answered contacts / answered, in seconds."""
    _check_non_negative(total_wait_seconds=total_wait_seconds, answered=answered)
    return _ratio(total_wait_seconds, answered)


def average_handle_time(
    talk_seconds: float, hold_seconds: float, after_work_seconds: float, handled: int
) -> float | None:
    """AHT (METRICS.md, Queues): (talk + hold + after-contact work) / handled, in seconds."""
    _check_non_negative(
        talk_seconds=talk_seconds,
        hold_seconds=hold_seconds,
        after_work_seconds=after_work_seconds,
        handled=handled,
    )
    return _ratio(talk_seconds + hold_seconds + after_work_seconds, handled)


def abandonment_rate(abandoned: int, offered: int) -> float | None:
    """Abandonment rate (METRICS.md, Queues): abandoned / offered, short abandons excluded."""
    _check_non_negative(abandoned=abandoned, offered=offered)
    return _ratio(abandoned, offered)


# --- Customers and employees: surveys --------------------------------------------------------


def _scores(scores: Iterable[int | None], low: int, high: int) -> list[int]:
    """Scored answers only; blank answers are ignored by every survey definition."""
    kept = [s for s in scores if s is not None]
    for s in kept:
        if not low <= s <= high:
            raise ValueError(f"survey score {s!r} is outside {low}..{high}")
    return kept


def csat(scores: Iterable[int | None]) -> float | None:
    """CSAT (METRICS.md, Customers): % of 1-5 answers that are 4 or 5; blanks ignored."""
    kept = _scores(scores, 1, 5)
    return None if not kept else 100.0 * sum(s >= 4 for s in kept) / len(kept)


def nps(scores: Iterable[int | None]) -> float | None:
    """NPS (METRICS.md, Customers): % promoters (9-10) - % detractors (0-6), -100..100."""
    kept = _scores(scores, 0, 10)
    if not kept:
        return None
    promoters = sum(s >= 9 for s in kept)
    detractors = sum(s <= 6 for s in kept)
    return 100.0 * (promoters - detractors) / len(kept)


def enps(scores: Iterable[int | None]) -> float | None:
    """eNPS (METRICS.md, Employees): NPS of "how likely are you to recommend working here"."""
    return nps(scores)


@dataclass(frozen=True)
class ESat:
    """eSat (METRICS.md, Employees) of a set of 1-5 pulse answers.

    Attributes:
        mean: mean score, 1..5.
        favourable_pct: % of answers that are 4 or 5.
        responses: number of scored answers.
    """

    mean: float
    favourable_pct: float
    responses: int


def esat(scores: Iterable[int | None]) -> ESat | None:
    """eSat (METRICS.md, Employees): mean pulse score and % favourable; None with no answers."""
    kept = _scores(scores, 1, 5)
    if not kept:
        return None
    favourable = 100.0 * sum(s >= 4 for s in kept) / len(kept)
    return ESat(mean=statistics.fmean(kept), favourable_pct=favourable, responses=len(kept))


def resolved_first_time(contacts: int, survey_answer: bool | None = None) -> bool:
    """Whether one solved ticket counts for FCR: the survey answer wins when there is one."""
    return survey_answer if survey_answer is not None else contacts == 1


def first_contact_resolution(resolved_first_time_count: int, solved: int) -> float | None:
    """FCR (METRICS.md, Customers): tickets solved first time / tickets solved, a fraction.

    Count a ticket as solved first time with ``resolved_first_time``.
    """
    _check_non_negative(resolved_first_time_count=resolved_first_time_count, solved=solved)
    if resolved_first_time_count > solved:
        raise ValueError("resolved_first_time_count cannot exceed solved")
    return _ratio(resolved_first_time_count, solved)


# --- Employees: time ----------------------------------------------------------------------


def occupancy(busy_seconds: float, available_seconds: float) -> float | None:
    """Occupancy (METRICS.md, Employees): busy / (busy + available), a fraction."""
    _check_non_negative(busy_seconds=busy_seconds, available_seconds=available_seconds)
    return _ratio(busy_seconds, busy_seconds + available_seconds)


def utilisation(busy_seconds: float, logged_in_seconds: float) -> float | None:
    """Utilisation (METRICS.md, Employees): busy / logged in, a fraction."""
    _check_non_negative(busy_seconds=busy_seconds, logged_in_seconds=logged_in_seconds)
    if busy_seconds > logged_in_seconds:
        raise ValueError("busy_seconds cannot exceed logged_in_seconds")
    return _ratio(busy_seconds, logged_in_seconds)


def overtime(logged_in_seconds: float, scheduled_seconds: float | None) -> float | None:
    """Overtime (METRICS.md, Employees): logged-in time beyond the scheduled shift, in seconds.

    Compares totals for the day (logging in early for a late shift is not overtime).

    Returns:
        max(0, logged in - scheduled shift length); None when no shift was scheduled, since
        then there is nothing to be "beyond".
    """
    _check_non_negative(logged_in_seconds=logged_in_seconds)
    if scheduled_seconds is None:
        return None
    _check_non_negative(scheduled_seconds=scheduled_seconds)
    return max(0.0, float(logged_in_seconds - scheduled_seconds))


def coaching_recency_days(last_session: date | None, today: date) -> int | None:
    """Coaching recency (METRICS.md, Employees): days since the last session; None if never."""
    if last_session is None:
        return None
    if last_session > today:
        raise ValueError(f"last coaching session {last_session} is after today {today}")
    return (today - last_session).days


# --- QA -------------------------------------------------------------------------------------

DEFAULT_QA_PASS_MARK = 0.5


@dataclass(frozen=True)
class QaItem:
    """One answered item of a QA review form.

    Attributes:
        selected: the score the reviewer chose, between scale_min and scale_max.
        scale_min: lowest score of the item's scale.
        scale_max: highest score; greater than scale_min (a yes/no item is 0..1).
        weight: weight of the item (>= 0).
        critical: a critical item that fails zeroes the whole review.
    """

    selected: float
    scale_min: float
    scale_max: float
    weight: float = 1.0
    critical: bool = False

    def __post_init__(self) -> None:
        if not self.scale_max > self.scale_min:
            raise ValueError(f"scale_max {self.scale_max} must exceed scale_min {self.scale_min}")
        if not self.scale_min <= self.selected <= self.scale_max:
            raise ValueError(
                f"selected {self.selected} is outside {self.scale_min}..{self.scale_max}"
            )
        _check_non_negative(weight=self.weight)

    @property
    def scaled(self) -> float:
        """(selected - scale min) / (scale max - scale min), in [0, 1]."""
        return (self.selected - self.scale_min) / (self.scale_max - self.scale_min)

    def fails(self, pass_mark: float = DEFAULT_QA_PASS_MARK) -> bool:
        """True for a critical item whose scaled score is below the pass mark."""
        return self.critical and self.scaled < pass_mark


def qa_score(items: Iterable[QaItem], pass_mark: float = DEFAULT_QA_PASS_MARK) -> float | None:
    """QA score of one review (METRICS.md, Employees), in %.

    sum(scaled item score x weight) / sum(weights). A critical item fails when its scaled
    score is below ``pass_mark`` (default 0.5: the lower half of its scale, so "no" on a
    yes/no item); one failed critical item makes the review 0 %.

    Args:
        items: the review's answered items.
        pass_mark: scaled score a critical item needs, in [0, 1].

    Returns:
        0..100, or None when there are no items or all weights are 0.
    """
    if not 0 <= pass_mark <= 1:
        raise ValueError(f"pass_mark must be in [0, 1], got {pass_mark}")
    items = list(items)
    total_weight = sum(item.weight for item in items)
    if total_weight == 0:
        return None
    if any(item.fails(pass_mark) for item in items):
        return 0.0
    return 100.0 * sum(item.scaled * item.weight for item in items) / total_weight


# --- Workload fairness ---------------------------------------------------------------------

DEFAULT_PRIORITY_WEIGHTS: Mapping[Priority, float] = MappingProxyType(
    {Priority.URGENT: 4.0, Priority.HIGH: 2.0, Priority.NORMAL: 1.0, Priority.LOW: 0.5}
)


def weighted_load(
    open_tickets_by_priority: Mapping[str, int],
    weights: Mapping[str, float] = DEFAULT_PRIORITY_WEIGHTS,
) -> float:
    """Load of one agent (METRICS.md, Workload fairness): open tickets weighted by priority.

    Args:
        open_tickets_by_priority: open assigned tickets per priority (``Priority`` or its value).
        weights: weight per priority; urgent 4, high 2, normal 1, low 0.5 by default.

    Returns:
        The weighted count; 0.0 for an agent with no open tickets.

    Raises:
        ValueError: a priority with no weight, or a negative count.
    """
    load = 0.0
    for priority, count in open_tickets_by_priority.items():
        if priority not in weights:
            raise ValueError(f"no weight for priority {priority!r}")
        if count < 0:
            raise ValueError(f"ticket count for priority {priority!r} must be >= 0, got {count}")
        load += weights[priority] * count
    return load


def gini(values: Iterable[float]) -> float:
    """Imbalance (METRICS.md, Workload fairness): Gini coefficient of the loads.

    0 means perfectly even; (n - 1) / n means one agent carries everything.

    Returns:
        The coefficient; 0.0 for no agents, one agent, or nobody loaded.

    Raises:
        ValueError: a negative load.
    """
    loads = sorted(values)
    if loads and loads[0] < 0:
        raise ValueError(f"loads must be >= 0, got {loads[0]}")
    n = len(loads)
    total = sum(loads)
    if n < 2 or total == 0:
        return 0.0
    # Sorted form of mean |xi - xj| / (2 mean): O(n log n) instead of all pairs.
    ranked = sum(rank * x for rank, x in enumerate(loads, start=1))
    return 2.0 * ranked / (n * total) - (n + 1) / n


def pearson(xs: Iterable[float], ys: Iterable[float]) -> float | None:
    """Pearson correlation, e.g. team eSat against team CSAT on the supervisor scatter.

    Returns:
        r in [-1, 1]; None with fewer than 3 points (a line through 2 points says nothing) or
        when either series is constant.

    Raises:
        ValueError: the series have different lengths.
    """
    x, y = list(xs), list(ys)
    if len(x) != len(y):
        raise ValueError(f"series lengths differ: {len(x)} and {len(y)}")
    # A constant series has no variance, but its float deviations from the mean may not be
    # exactly 0 (fmean([0.1] * 3) != 0.1), so test constancy directly instead of sxx == 0.
    if len(x) < 3 or min(x) == max(x) or min(y) == max(y):
        return None
    mx, my = statistics.fmean(x), statistics.fmean(y)
    sxy = math.fsum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = math.fsum((a - mx) ** 2 for a in x)
    syy = math.fsum((b - my) ** 2 for b in y)
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def median(values: Iterable[float]) -> float | None:
    """Median, e.g. of handle or response times; None when there are no values."""
    data = list(values)
    return float(statistics.median(data)) if data else None
