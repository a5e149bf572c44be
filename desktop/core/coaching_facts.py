"""What the coaching rules read: their thresholds (settings ``coaching.*``) and the facts
about one agent that ``db/queries/supervisor_facts.py`` aggregates in SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from desktop.core.notification_policy import NotificationPolicy


def _silence_hours() -> dict[str, float]:
    # The same allowance as the default notification policy's "still working" message.
    return dict(NotificationPolicy().still_working_hours)


@dataclass(frozen=True)
class CoachingThresholds:
    """Thresholds of the rules (settings ``coaching.<name>``).

    Attributes:
        occupancy_max: weekly occupancy above this (a fraction) counts as high.
        occupancy_weeks: consecutive high weeks that make it "sustained".
        overtime_rising_weeks: consecutive weekly rises of overtime that flag.
        overtime_min_hours: ... provided the latest week has at least this much overtime.
        esat_drop: fall of the agent's eSat mean (1-5) against the previous period.
        no_coaching_days: days without a held session (or since hire) before flagging.
        qa_item_min_pct: an item's mean score (%) below this is low...
        qa_item_min_reviews: ... over at least this many recent reviews ("persistently").
        aht_deviation: AHT this far from the team median (a fraction of it)...
        csat_move_points: ... while CSAT moved at least this many points.
        queue_change_drop_points: CSAT (points) or FCR (percentage points) fall after a queue
            change that flags.
        silence_share: share of the team's silence breaches on one agent that flags...
        silence_min_breaches: ... when the team had at least this many breaches.
        silence_hours: silence allowed per priority before a ticket counts as a breach.
        follow_up_overdue_days: a follow-up overdue this long becomes high severity.
    """

    occupancy_max: float = 0.85
    occupancy_weeks: int = 3
    overtime_rising_weeks: int = 2
    overtime_min_hours: float = 2.0
    esat_drop: float = 0.5
    no_coaching_days: int = 30
    qa_item_min_pct: float = 60.0
    qa_item_min_reviews: int = 3
    aht_deviation: float = 0.30
    csat_move_points: float = 5.0
    queue_change_drop_points: float = 8.0
    silence_share: float = 0.40
    silence_min_breaches: int = 5
    silence_hours: Mapping[str, float] = field(default_factory=_silence_hours)
    follow_up_overdue_days: int = 7

    def __post_init__(self) -> None:
        if not 0 < self.occupancy_max <= 1:
            raise ValueError(f"occupancy_max must be in (0, 1], got {self.occupancy_max}")
        if not 0 < self.silence_share <= 1:
            raise ValueError(f"silence_share must be in (0, 1], got {self.silence_share}")
        for name in (
            "occupancy_weeks",
            "overtime_rising_weeks",
            "qa_item_min_reviews",
            "silence_min_breaches",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in (
            "overtime_min_hours",
            "esat_drop",
            "no_coaching_days",
            "qa_item_min_pct",
            "aht_deviation",
            "csat_move_points",
            "queue_change_drop_points",
            "follow_up_overdue_days",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, got {getattr(self, name)}")

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> CoachingThresholds:
        """Thresholds from settings keys ``coaching.<field>``; absent keys keep the default.

        Integer thresholds arrive as floats from the settings file and are rounded.
        """
        chosen: dict[str, Any] = {}
        for f in fields(cls):
            key = f"coaching.{f.name}"
            if key in values and f.name != "silence_hours":
                default = getattr(cls(), f.name)
                value = values[key]
                chosen[f.name] = round(value) if isinstance(default, int) else float(value)
        return cls(**chosen)


@dataclass(frozen=True)
class QaItemFact:
    """An agent's recent results on one rubric item: mean scaled score in %, over n reviews."""

    label: str
    mean_pct: float
    reviews: int


@dataclass(frozen=True)
class QueueChangeFact:
    """An agent started on a queue: CSAT (%) and FCR (fraction) before and after.

    Values are None where too few answers or tickets exist to compare.
    """

    queue: str
    changed_on: date
    csat_before: float | None = None
    csat_after: float | None = None
    fcr_before: float | None = None
    fcr_after: float | None = None


@dataclass(frozen=True)
class AgentFacts:
    """Everything the rules know about one agent; absent facts silence their rule.

    Attributes:
        weekly_occupancy: fractions per rolling week, oldest first (None: no data).
        weekly_overtime_hours: hours per rolling week, oldest first.
        esat_now / esat_before: eSat means this and the previous period (supervisors only).
        last_coaching: day of the last held session.
        hire_date: when the agent joined (for "never coached").
        qa_items: recent per-item QA results.
        aht_s / team_median_aht_s: AHT of the agent and the median of the team's agents.
        csat_now / csat_before: CSAT (%) this and the previous period.
        queue_changes: queues the agent recently started on.
        silence_breaches / team_silence_breaches: tickets whose longest silence exceeded the
            allowance, the agent's and the whole team's, in the period.
        team_agents: agents in the team (concentration means nothing in a team of one).
    """

    employee_id: int
    name: str
    weekly_occupancy: tuple[float | None, ...] = ()
    weekly_overtime_hours: tuple[float | None, ...] = ()
    esat_now: float | None = None
    esat_before: float | None = None
    last_coaching: date | None = None
    hire_date: date | None = None
    qa_items: tuple[QaItemFact, ...] = ()
    aht_s: float | None = None
    team_median_aht_s: float | None = None
    csat_now: float | None = None
    csat_before: float | None = None
    queue_changes: tuple[QueueChangeFact, ...] = ()
    silence_breaches: int = 0
    team_silence_breaches: int = 0
    team_agents: int = 0


@dataclass(frozen=True)
class FollowUpFact:
    """A held session whose follow-up is not done yet."""

    session_id: int
    employee_id: int
    agent: str
    topic: str
    due: date
