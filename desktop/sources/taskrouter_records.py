"""Plain records read from TaskRouter, and their parsing from the API's statistics objects.

Field names follow the TaskRouter spec (twilio_taskrouter_v1.json) so a reader can match
each figure to Twilio's documentation. Parsing is lenient: a field Twilio leaves out or sends
as a string becomes 0 or None rather than an exception, because one odd queue must not stop
the sync of the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_RESERVATIONS = ("created", "accepted", "rejected", "timed_out", "canceled", "rescinded")


@dataclass(frozen=True)
class ActivityInfo:
    sid: str
    friendly_name: str
    available: bool


@dataclass(frozen=True)
class TaskQueueInfo:
    sid: str
    friendly_name: str
    target_workers: str | None
    task_order: str | None
    assignment_activity_sid: str | None
    reservation_activity_sid: str | None
    max_reserved_workers: int | None


@dataclass(frozen=True)
class WorkerInfo:
    """A worker; ``attributes_json`` is the worker's attributes object as JSON text."""

    sid: str
    friendly_name: str
    activity_sid: str | None
    activity_name: str | None
    available: bool
    attributes_json: str
    date_status_changed: datetime | None


@dataclass(frozen=True)
class ActivityCount:
    """How many workers are in one activity (``activity_statistics`` entries)."""

    sid: str
    friendly_name: str
    workers: int


@dataclass(frozen=True)
class WaitStats:
    """A ``{avg, min, max, total}`` duration object, seconds."""

    avg: float
    min: int
    max: int
    total: int


@dataclass(frozen=True)
class WaitSplit:
    """``split_by_wait_time`` for one threshold: what happened above and below it."""

    threshold_seconds: int
    tasks_canceled_above: int
    tasks_canceled_below: int
    reservations_accepted_above: int
    reservations_accepted_below: int


@dataclass(frozen=True)
class QueueRealtime:
    """A queue right now. ``tasks_by_status`` keeps every status Twilio sent, as pairs."""

    longest_task_waiting_age: int
    longest_task_waiting_sid: str | None
    total_tasks: int
    tasks_pending: int
    tasks_reserved: int
    tasks_assigned: int
    tasks_wrapping: int
    tasks_by_status: tuple[tuple[str, int], ...]
    total_available_workers: int
    total_eligible_workers: int
    activity_statistics: tuple[ActivityCount, ...]


@dataclass(frozen=True)
class QueueCumulative:
    """A queue over the statistics window (``tasks_canceled`` is TaskRouter's abandonment)."""

    start_time: datetime | None
    end_time: datetime | None
    tasks_entered: int
    tasks_canceled: int
    tasks_completed: int
    tasks_deleted: int
    tasks_moved: int
    reservations_created: int
    reservations_accepted: int
    reservations_rejected: int
    reservations_timed_out: int
    reservations_canceled: int
    reservations_rescinded: int
    avg_task_acceptance_time: float
    wait_duration_until_accepted: WaitStats | None
    wait_duration_until_canceled: WaitStats | None
    split_by_wait_time: tuple[WaitSplit, ...]


@dataclass(frozen=True)
class QueueStatistics:
    task_queue_sid: str
    realtime: QueueRealtime
    cumulative: QueueCumulative


@dataclass(frozen=True)
class ActivityDuration:
    """Time workers spent in one activity over the window, seconds."""

    sid: str
    friendly_name: str
    avg: float
    min: int
    max: int
    total: int


@dataclass(frozen=True)
class WorkersStatistics:
    total_workers: int
    activity_statistics: tuple[ActivityCount, ...]
    activity_durations: tuple[ActivityDuration, ...]
    reservations_created: int
    reservations_accepted: int
    reservations_rejected: int
    reservations_timed_out: int
    reservations_canceled: int
    reservations_rescinded: int
    start_time: datetime | None
    end_time: datetime | None


@dataclass(frozen=True)
class TaskRouterSnapshot:
    """One complete read of a workspace, as the sync stores it."""

    activities: tuple[ActivityInfo, ...]
    queues: tuple[TaskQueueInfo, ...]
    workers: tuple[WorkerInfo, ...]
    queue_statistics: tuple[QueueStatistics, ...]
    workers_statistics: WorkersStatistics


def field_of(source: Any, name: str) -> Any:
    """A field from a JSON object or from a ``twilio`` instance (which copies it to an attr)."""
    if isinstance(source, Mapping):
        return source.get(name)
    return getattr(source, name, None)


def as_int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def as_datetime(value: Any) -> datetime | None:
    """ISO 8601 text (``2015-07-30T20:00:00Z``) or an already parsed datetime, in UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _wait_stats(value: Any) -> WaitStats | None:
    if not isinstance(value, Mapping):
        return None
    return WaitStats(
        as_float(value.get("avg")),
        as_int(value.get("min")),
        as_int(value.get("max")),
        as_int(value.get("total")),
    )


def _activities(value: Any) -> tuple[ActivityCount, ...]:
    return tuple(
        ActivityCount(
            str(a.get("sid") or ""), str(a.get("friendly_name") or ""), as_int(a.get("workers"))
        )
        for a in value or ()
        if isinstance(a, Mapping)
    )


def _splits(value: Any) -> tuple[WaitSplit, ...]:
    if not isinstance(value, Mapping):
        return ()
    splits = []
    for threshold, sides in value.items():
        above = sides.get("above") or {} if isinstance(sides, Mapping) else {}
        below = sides.get("below") or {} if isinstance(sides, Mapping) else {}
        splits.append(
            WaitSplit(
                as_int(threshold),
                as_int(above.get("tasks_canceled")),
                as_int(below.get("tasks_canceled")),
                as_int(above.get("reservations_accepted")),
                as_int(below.get("reservations_accepted")),
            )
        )
    return tuple(sorted(splits, key=lambda s: s.threshold_seconds))


def parse_realtime(source: Any) -> QueueRealtime:
    """From a bulk ``realtime`` object or a RealTimeStatistics instance."""
    by_status_raw = field_of(source, "tasks_by_status")
    by_status = (
        {str(k): as_int(v) for k, v in (by_status_raw or {}).items()}
        if isinstance(by_status_raw, Mapping)
        else {}
    )
    waiting_sid = field_of(source, "longest_task_waiting_sid")
    return QueueRealtime(
        longest_task_waiting_age=as_int(field_of(source, "longest_task_waiting_age")),
        longest_task_waiting_sid=str(waiting_sid) if waiting_sid else None,
        total_tasks=as_int(field_of(source, "total_tasks")),
        tasks_pending=by_status.get("pending", 0),
        tasks_reserved=by_status.get("reserved", 0),
        tasks_assigned=by_status.get("assigned", 0),
        tasks_wrapping=by_status.get("wrapping", 0),
        tasks_by_status=tuple(sorted(by_status.items())),
        total_available_workers=as_int(field_of(source, "total_available_workers")),
        total_eligible_workers=as_int(field_of(source, "total_eligible_workers")),
        activity_statistics=_activities(field_of(source, "activity_statistics")),
    )


def parse_cumulative(source: Any) -> QueueCumulative:
    """From a bulk ``cumulative`` object or a CumulativeStatistics instance."""
    reservations = {r: as_int(field_of(source, f"reservations_{r}")) for r in _RESERVATIONS}
    return QueueCumulative(
        start_time=as_datetime(field_of(source, "start_time")),
        end_time=as_datetime(field_of(source, "end_time")),
        tasks_entered=as_int(field_of(source, "tasks_entered")),
        tasks_canceled=as_int(field_of(source, "tasks_canceled")),
        tasks_completed=as_int(field_of(source, "tasks_completed")),
        tasks_deleted=as_int(field_of(source, "tasks_deleted")),
        tasks_moved=as_int(field_of(source, "tasks_moved")),
        reservations_created=reservations["created"],
        reservations_accepted=reservations["accepted"],
        reservations_rejected=reservations["rejected"],
        reservations_timed_out=reservations["timed_out"],
        reservations_canceled=reservations["canceled"],
        reservations_rescinded=reservations["rescinded"],
        avg_task_acceptance_time=as_float(field_of(source, "avg_task_acceptance_time")),
        wait_duration_until_accepted=_wait_stats(field_of(source, "wait_duration_until_accepted")),
        wait_duration_until_canceled=_wait_stats(field_of(source, "wait_duration_until_canceled")),
        split_by_wait_time=_splits(field_of(source, "split_by_wait_time")),
    )


def parse_workers_statistics(realtime: Any, cumulative: Any) -> WorkersStatistics:
    """From Workers/Statistics' ``realtime`` and ``cumulative`` objects."""
    durations = tuple(
        ActivityDuration(
            str(d.get("sid") or ""),
            str(d.get("friendly_name") or ""),
            as_float(d.get("avg")),
            as_int(d.get("min")),
            as_int(d.get("max")),
            as_int(d.get("total")),
        )
        for d in field_of(cumulative, "activity_durations") or ()
        if isinstance(d, Mapping)
    )
    reservations = {r: as_int(field_of(cumulative, f"reservations_{r}")) for r in _RESERVATIONS}
    return WorkersStatistics(
        total_workers=as_int(field_of(realtime, "total_workers")),
        activity_statistics=_activities(field_of(realtime, "activity_statistics")),
        activity_durations=durations,
        reservations_created=reservations["created"],
        reservations_accepted=reservations["accepted"],
        reservations_rejected=reservations["rejected"],
        reservations_timed_out=reservations["timed_out"],
        reservations_canceled=reservations["canceled"],
        reservations_rescinded=reservations["rescinded"],
        start_time=as_datetime(field_of(cumulative, "start_time")),
        end_time=as_datetime(field_of(cumulative, "end_time")),
    )
