"""The supervisor indicators: one catalogue entry per figure, and the count-based forms of
the METRICS.md definitions that SQL aggregates feed.

SQL returns counts and sums (favourable answers, answers, busy seconds...); the functions here
turn them into the figure exactly as ``desktop.core.metrics`` defines it (the tests check the
two agree on the same answers). Each catalogue entry names its definition for the tooltip and
the rows it rests on for the "rows behind this figure" list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from desktop.core import metrics

# No aggregate of survey answers over fewer answers is shown (nobody can be identified).
MIN_ANSWERS = 5
# A team's pulse aggregate also needs this many different people behind it: five answers
# from one person would be that person's own score.
MIN_RESPONDENTS = 3


class Metric(StrEnum):
    """Every supervisor figure; values are the CSV column stems, so they never change."""

    CSAT = "csat"
    NPS = "nps"
    FCR = "fcr"
    FRT = "first_response"
    SILENCE = "longest_silence"
    RESOLUTION = "resolution"
    SOLVED = "solved"
    ESAT = "esat"
    ENPS = "enps"
    OCCUPANCY = "occupancy"
    OVERTIME = "overtime"
    QA = "qa"
    SESSIONS = "coaching_sessions"
    COACHED = "coached_30d"
    RECENCY = "days_since_coaching"
    AHT = "aht"


class Unit(StrEnum):
    """How a value is shown; also the unit of the CSV column."""

    PCT = "%"  # 0-100 (CSAT, QA, eSat favourable)
    SCORE = "score"  # NPS/eNPS, -100..100
    FRACTION = "fraction"  # 0-1 shown as %
    SECONDS = "s"
    HOURS = "h"
    COUNT = "count"
    MEAN5 = "of 5"  # eSat mean on 1-5
    DAYS = "days"


class Side(StrEnum):
    CUSTOMER = "customer"
    EMPLOYEE = "employee"


@dataclass(frozen=True)
class MetricInfo:
    """What a figure means, for tooltips, traces and exports.

    Attributes:
        label: short name for a column or tile.
        side: customer or employee side of the team panel.
        unit: how the value is expressed.
        higher_is_better: direction of a "good" change (None: neither).
        definition: the METRICS.md definition and the variant used.
        rows: what "open the rows behind it" lists.
        pulse: built from pulse answers: individual answers are confidential.
    """

    label: str
    side: Side
    unit: Unit
    higher_is_better: bool | None
    definition: str
    rows: str
    pulse: bool = False


_MIN = f"Not shown over fewer than {MIN_ANSWERS} answers."

CATALOGUE: dict[Metric, MetricInfo] = {
    Metric.CSAT: MetricInfo(
        "CSAT",
        Side.CUSTOMER,
        Unit.PCT,
        True,
        "CSAT (metrics.csat): share of survey answers of 4 or 5 on a 1-5 scale, in %; blank "
        f"scores ignored. Surveys answered in the period, by the agent they name. {_MIN}",
        "customer surveys",
    ),
    Metric.NPS: MetricInfo(
        "NPS",
        Side.CUSTOMER,
        Unit.SCORE,
        True,
        "NPS (metrics.nps): % promoters (9-10) - % detractors (0-6) on 0-10, from -100 to 100. "
        f"Surveys answered in the period. {_MIN}",
        "customer surveys",
    ),
    Metric.FCR: MetricInfo(
        "FCR",
        Side.CUSTOMER,
        Unit.FRACTION,
        True,
        "FCR (metrics.first_contact_resolution): tickets solved first time / tickets solved in "
        "the period; the survey's 'resolved first time?' answer wins, else one contact = first "
        "time. Tickets by assignee.",
        "solved tickets",
    ),
    Metric.FRT: MetricInfo(
        "First response",
        Side.CUSTOMER,
        Unit.SECONDS,
        False,
        "First response time (METRICS.md, Tickets): first public reply or status notification "
        "- created; mean over tickets created in the period that have a first response.",
        "tickets created",
    ),
    Metric.SILENCE: MetricInfo(
        "Longest silence",
        Side.CUSTOMER,
        Unit.SECONDS,
        False,
        "Longest silence (metrics/sla.longest_silence): the largest gap in a ticket's life "
        "without news from us; mean over tickets solved in the period.",
        "solved tickets",
    ),
    Metric.RESOLUTION: MetricInfo(
        "Resolution",
        Side.CUSTOMER,
        Unit.SECONDS,
        False,
        "Resolution time (METRICS.md, Tickets): solved - created (re-opened: until the last "
        "solve); mean over tickets solved in the period.",
        "solved tickets",
    ),
    Metric.SOLVED: MetricInfo(
        "Tickets solved",
        Side.CUSTOMER,
        Unit.COUNT,
        True,
        "Tickets solved in the period, by assignee.",
        "solved tickets",
    ),
    Metric.ESAT: MetricInfo(
        "eSat",
        Side.EMPLOYEE,
        Unit.MEAN5,
        True,
        "eSat (metrics.esat): mean pulse-survey score on 1-5 (and % favourable, 4-5). "
        f"{_MIN} Individual answers: supervisors of the team and admins only.",
        "pulse answers",
        pulse=True,
    ),
    Metric.ENPS: MetricInfo(
        "eNPS",
        Side.EMPLOYEE,
        Unit.SCORE,
        True,
        "eNPS (metrics.enps): NPS of 'how likely are you to recommend working here', -100..100. "
        f"{_MIN} Individual answers: supervisors of the team and admins only.",
        "pulse answers",
        pulse=True,
    ),
    Metric.OCCUPANCY: MetricInfo(
        "Occupancy",
        Side.EMPLOYEE,
        Unit.FRACTION,
        None,
        "Occupancy (metrics.occupancy): time busy / (time busy + time available) from the "
        "agent state log; an interval counts in the period it starts in. Above 85 % for weeks "
        "is a burnout risk.",
        "agent time by state",
    ),
    Metric.OVERTIME: MetricInfo(
        "Overtime",
        Side.EMPLOYEE,
        Unit.HOURS,
        False,
        "Overtime (metrics.overtime): per local day, logged-in time beyond the scheduled shift "
        "(all of it on a day off), summed over the period's days and agents, in hours.",
        "agent days",
    ),
    Metric.QA: MetricInfo(
        "QA score",
        Side.EMPLOYEE,
        Unit.PCT,
        True,
        "QA score (metrics.qa_score): per review sum(item x weight) / sum(weights), items "
        "scaled 0-1, a failed critical item zeroes the review; mean of reviews in the period.",
        "QA reviews",
    ),
    Metric.SESSIONS: MetricInfo(
        "Sessions held",
        Side.EMPLOYEE,
        Unit.COUNT,
        None,
        "Coaching sessions held in the period.",
        "coaching sessions",
    ),
    Metric.COACHED: MetricInfo(
        "Coached 30 d",
        Side.EMPLOYEE,
        Unit.FRACTION,
        True,
        "Share of the team's active agents with a coaching session held in the 30 days before "
        "the end of the period (for an agent: days since the last session, metrics."
        "coaching_recency_days).",
        "agents and their last session",
    ),
    Metric.RECENCY: MetricInfo(
        "Last coached",
        Side.EMPLOYEE,
        Unit.DAYS,
        False,
        "Coaching recency (metrics.coaching_recency_days): days from the last held session to "
        "the end of the period.",
        "coaching sessions",
    ),
    Metric.AHT: MetricInfo(
        "AHT",
        Side.EMPLOYEE,
        Unit.SECONDS,
        None,
        "AHT (metrics.average_handle_time): (talk + hold + after-contact work) / handled, "
        "contacts answered in the period.",
        "handled contacts",
    ),
}

CUSTOMER_METRICS: tuple[Metric, ...] = (
    Metric.CSAT,
    Metric.NPS,
    Metric.FCR,
    Metric.FRT,
    Metric.SILENCE,
    Metric.RESOLUTION,
    Metric.SOLVED,
)
EMPLOYEE_METRICS: tuple[Metric, ...] = (
    Metric.ESAT,
    Metric.ENPS,
    Metric.OCCUPANCY,
    Metric.OVERTIME,
    Metric.QA,
    Metric.SESSIONS,
    Metric.COACHED,
)
SURVEY_METRICS = frozenset({Metric.CSAT, Metric.NPS, Metric.ESAT, Metric.ENPS})


@dataclass(frozen=True)
class Figure:
    """One figure as the view shows it.

    Attributes:
        metric: which indicator.
        value: in the metric's unit; None when there is no data or it is withheld.
        n: how many rows it rests on (answers, tickets, reviews, agents...).
        withheld: why the value is not shown, when it exists but may not be.
        extra: a secondary figure (eSat: % favourable; coached: agents coached).
    """

    metric: Metric
    value: float | None
    n: int = 0
    withheld: str | None = None
    extra: float | None = None

    @property
    def info(self) -> MetricInfo:
        return CATALOGUE[self.metric]


def survey_figure(metric: Metric, value: float | None, answers: int) -> Figure:
    """A survey figure, withheld below ``MIN_ANSWERS`` answers (confidentiality)."""
    if answers < MIN_ANSWERS:
        reason = f"fewer than {MIN_ANSWERS} answers" if answers else None
        return Figure(metric, None, answers, reason)
    return Figure(metric, value, answers)


def csat_from_counts(favourable: int, answered: int) -> float | None:
    """CSAT as ``metrics.csat`` from SQL counts: answers of 4-5 and scored answers."""
    _check_counts(favourable, answered)
    return None if answered == 0 else 100.0 * favourable / answered


def nps_from_counts(promoters: int, detractors: int, answered: int) -> float | None:
    """NPS (or eNPS) as ``metrics.nps`` from counts of promoters, detractors and answers."""
    _check_counts(promoters + detractors, answered)
    return None if answered == 0 else 100.0 * (promoters - detractors) / answered


def esat_from_sums(total: float, favourable: int, answered: int) -> metrics.ESat | None:
    """eSat as ``metrics.esat`` from the sum of scores, favourable answers and answers."""
    _check_counts(favourable, answered)
    if answered == 0:
        return None
    return metrics.ESat(total / answered, 100.0 * favourable / answered, answered)


def _check_counts(part: int, whole: int) -> None:
    if part < 0 or whole < 0 or part > whole:
        raise ValueError(f"inconsistent counts: {part} of {whole}")


@dataclass(frozen=True)
class Change:
    """A figure against the comparison period.

    Attributes:
        delta: current - previous in the metric's unit (fractions stay fractions).
        good: True when the change is in the metric's good direction, False when in the bad
            one, None when neither (no direction, no change, or no data).
    """

    delta: float | None
    good: bool | None


def change(metric: Metric, current: float | None, previous: float | None) -> Change:
    """The change of ``metric`` from ``previous`` to ``current``."""
    if current is None or previous is None:
        return Change(None, None)
    delta = current - previous
    direction = CATALOGUE[metric].higher_is_better
    if direction is None or abs(delta) < 1e-9:
        return Change(delta, None)
    return Change(delta, (delta > 0) == direction)
