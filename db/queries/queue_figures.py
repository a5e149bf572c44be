"""Plain figure records of the queues view: volumes over a window, staffing, source health.

The ratios (SL, ASA, AHT, abandonment rate) are derived from the counts with the
``desktop.core.metrics`` definitions, so a subtotal is the ratio of the summed counts, never
an average of ratios.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from db import tables as t
from desktop.core import metrics
from desktop.core.metrics import ServiceLevelVariant
from desktop.core.staffing import agents_required, scheduled_agents

if TYPE_CHECKING:
    from db.engine import Reader

if TYPE_CHECKING:
    from db.queries.queues import QueueSettings

__all__ = ["SourceAge", "StaffingInputs", "Volumes", "source_ages", "staffing_for"]


def sl_denominator(variant: ServiceLevelVariant, offered: int, handled: int, abandoned: int) -> int:
    """The denominator of a service level under ``variant`` (METRICS.md)."""
    if variant is ServiceLevelVariant.OFFERED:
        return offered
    if variant is ServiceLevelVariant.ANSWERED:
        return handled
    return handled + abandoned


@dataclass(frozen=True)
class Volumes:
    """Contact counts of one queue (or a group of queues) over one window.

    Attributes:
        offered: contacts that entered, short abandons excluded.
        handled: contacts an agent accepted.
        abandoned: contacts that left unanswered after the short-abandon limit.
        within: contacts answered within the SL threshold.
        wait_total_s: summed waits of the handled contacts (ASA numerator).
        completed: handled contacts that are finished (the AHT denominator: a contact still
            in progress has no handle time yet).
        handle_total_s: talk + hold + after-contact work of the completed contacts.
        sl_denominator: the SL denominator under each queue's own variant.
    """

    offered: int
    handled: int
    abandoned: int
    within: int
    wait_total_s: float
    completed: int
    handle_total_s: float
    sl_denominator: int

    @classmethod
    def empty(cls) -> Volumes:
        return cls(0, 0, 0, 0, 0.0, 0, 0.0, 0)

    @classmethod
    def of(
        cls,
        variant: ServiceLevelVariant,
        offered: int,
        handled: int,
        abandoned: int,
        within: int,
        wait_total_s: float,
        completed: int,
        handle_total_s: float,
    ) -> Volumes:
        """Counts of one queue, with the SL denominator of its variant."""
        return cls(
            offered,
            handled,
            abandoned,
            within,
            wait_total_s,
            completed,
            handle_total_s,
            sl_denominator(variant, offered, handled, abandoned),
        )

    @classmethod
    def total(cls, parts: Iterable[Volumes]) -> Volumes:
        """Summed counts; the SL of a total is summed "within" over summed denominators."""
        parts = list(parts)
        return cls(
            sum(p.offered for p in parts),
            sum(p.handled for p in parts),
            sum(p.abandoned for p in parts),
            sum(p.within for p in parts),
            sum(p.wait_total_s for p in parts),
            sum(p.completed for p in parts),
            sum(p.handle_total_s for p in parts),
            sum(p.sl_denominator for p in parts),
        )

    @property
    def service_level(self) -> float | None:
        """within / denominator as a fraction; None with no contacts."""
        return None if self.sl_denominator == 0 else self.within / self.sl_denominator

    @property
    def asa_s(self) -> float | None:
        return metrics.average_speed_of_answer(self.wait_total_s, self.handled)

    @property
    def aht_s(self) -> float | None:
        return metrics.average_handle_time(self.handle_total_s, 0.0, 0.0, self.completed)

    @property
    def abandonment_rate(self) -> float | None:
        return metrics.abandonment_rate(self.abandoned, self.offered)


@dataclass(frozen=True)
class StaffingInputs:
    """Erlang C for a queue at the last hour's arrival rate and AHT.

    Attributes:
        rate_per_hour: contacts offered in the last hour (None: unknown for this source).
        aht_s: AHT of the contacts completed in the last hour (today's when too few).
        required: agents needed on the queue to meet the SL target (None: cannot say).
        scheduled: agents to schedule for that after shrinkage.
        on_queue: agents available or busy on the queue now.
        gap: required - on_queue (positive = agents short).
        note: why a figure is missing, or "unstable" when traffic exceeds the agents.
        queues_short: for a subtotal, how many queues are short of agents.
    """

    rate_per_hour: float | None
    aht_s: float | None
    required: int | None
    scheduled: int | None
    on_queue: int
    gap: int | None
    note: str = ""
    queues_short: int = 0

    @classmethod
    def total(cls, parts: Iterable[StaffingInputs]) -> StaffingInputs:
        """Sums; the gap of a subtotal adds up the shortfalls only (spare agents on one queue
        are not assumed to be skilled for another)."""
        parts = list(parts)
        known = [p for p in parts if p.required is not None]
        rates = [p.rate_per_hour for p in parts if p.rate_per_hour is not None]
        return cls(
            sum(rates) if rates else None,
            None,
            sum(p.required for p in known) if known else None,  # type: ignore[misc]
            sum(p.scheduled or 0 for p in known) if known else None,
            sum(p.on_queue for p in parts),
            sum(max(p.gap or 0, 0) for p in known) if known else None,
            "",
            sum(1 for p in known if (p.gap or 0) > 0),
        )


def staffing_for(
    settings: QueueSettings, hour_offered: int | None, aht_s: float | None, on_queue: int
) -> StaffingInputs:
    """Agents required (Erlang C, METRICS.md) for one queue and the gap to those on it."""
    if hour_offered is None:
        return StaffingInputs(None, aht_s, None, None, on_queue, None, "no arrival data")
    rate = float(hour_offered)
    if rate == 0:
        return StaffingInputs(rate, aht_s, 0, 0, on_queue, -on_queue)
    if not aht_s:
        return StaffingInputs(rate, aht_s, None, None, on_queue, None, "AHT not known yet")
    # agents_required needs a target strictly inside (0, 1); a 100 % target means "as close
    # as one can get", which 99.9 % expresses.
    target = min(max(settings.sl_target, 0.001), 0.999)
    max_occ = min(max(settings.max_occupancy, 0.05), 1.0)
    required = agents_required(rate, aht_s, settings.sl_threshold_seconds, target, max_occ)
    scheduled = scheduled_agents(required, min(max(settings.shrinkage, 0.0), 0.95))
    traffic = rate / 3600.0 * aht_s
    note = "unstable: traffic exceeds the agents on it" if on_queue <= traffic else ""
    return StaffingInputs(rate, aht_s, required, scheduled, on_queue, required - on_queue, note)


@dataclass(frozen=True)
class SourceAge:
    """Health of one data feed (simulator, TaskRouter sync), from ``source_status``."""

    name: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None

    @property
    def failing(self) -> bool:
        """The last attempt failed (the figures are as of ``last_success_at``)."""
        if self.last_error is None or self.last_attempt_at is None:
            return False
        return self.last_success_at is None or self.last_success_at < self.last_attempt_at

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the last successful read."""
        if self.last_success_at is None:
            return None
        return max(0.0, (now - self.last_success_at).total_seconds())


def source_ages(session: Reader) -> tuple[SourceAge, ...]:
    """Every recorded source, by name."""
    rows = session.execute(select(t.source_status).order_by(t.source_status.c.name))
    return tuple(
        SourceAge(r.name, r.last_attempt_at, r.last_success_at, r.last_error) for r in rows
    )
