"""TaskRouter records and the statistics computed from them (fields named as in the spec).

Kept apart from the routing in :mod:`tests.fakes.twilio_taskrouter` so each file stays small.
Statistics are derived from seeded facts, so they stay consistent with one another: a
queue's eligible workers are the workers attached to it, its available workers those in an
``available`` activity, and its cumulative counts come from the waits of tasks that left it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.twilio_common import ApiError, iso8601, new_sid, parse_date_filter

RESERVATION_FIELDS = (
    "reservations_created",
    "reservations_accepted",
    "reservations_rejected",
    "reservations_timed_out",
    "reservations_canceled",
    "reservations_rescinded",
)


@dataclass
class FakeActivity:
    sid: str
    friendly_name: str
    available: bool
    created: datetime


@dataclass
class FakeQueue:
    """A task queue plus the live and historical facts its statistics are computed from.

    ``task_waits`` holds ``(seconds waited, "accepted" | "canceled")`` per task that left the
    queue; ``cumulative`` overrides any computed cumulative field by name.
    """

    sid: str
    friendly_name: str
    target_workers: str | None
    created: datetime
    tasks_by_status: dict[str, int] = field(default_factory=dict)
    longest_task_waiting_age: int = 0
    task_waits: list[tuple[int, str]] = field(default_factory=list)
    cumulative: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeWorker:
    sid: str
    friendly_name: str
    activity_sid: str
    queue_sids: set[str]
    attributes: dict[str, Any]
    created: datetime
    status_changed: datetime


def durations(values: list[int]) -> dict[str, int]:
    """The spec's ``{avg, min, max, total}`` duration object."""
    if not values:
        return {"avg": 0, "min": 0, "max": 0, "total": 0}
    return {
        "avg": round(sum(values) / len(values)),
        "min": min(values),
        "max": max(values),
        "total": sum(values),
    }


def window(query: Mapping[str, str]) -> tuple[datetime, datetime]:
    """The statistics interval: StartDate/EndDate, else the last ``Minutes`` (Twilio: 15)."""
    end = datetime.now(UTC)
    if query.get("EndDate"):
        end = parse_date_filter(query["EndDate"]) or end
    if query.get("StartDate"):
        start = parse_date_filter(query["StartDate"]) or end - timedelta(days=1)
    else:
        start = end - timedelta(minutes=int(query.get("Minutes") or 15))
    return start, end


def activity_counts(
    activities: Iterable[FakeActivity], workers: list[FakeWorker]
) -> list[dict[str, Any]]:
    """``activity_statistics``: how many of ``workers`` are in each activity."""
    return [
        {
            "sid": a.sid,
            "friendly_name": a.friendly_name,
            "workers": sum(1 for w in workers if w.activity_sid == a.sid),
        }
        for a in activities
    ]


def queue_realtime(
    queue: FakeQueue, workers: Iterable[FakeWorker], activities: Mapping[str, FakeActivity]
) -> dict[str, Any]:
    """A queue's real-time statistics (task_queue_real_time_statistics schema)."""
    eligible = [w for w in workers if queue.sid in w.queue_sids]
    waiting_sid = new_sid("WT") if queue.longest_task_waiting_age else None
    return {
        "task_queue_sid": queue.sid,
        "activity_statistics": activity_counts(activities.values(), eligible),
        "longest_task_waiting_age": queue.longest_task_waiting_age,
        "longest_task_waiting_sid": waiting_sid,
        "longest_relative_task_age_in_queue": queue.longest_task_waiting_age,
        "longest_relative_task_sid_in_queue": waiting_sid,
        "tasks_by_priority": {},
        "tasks_by_status": dict(queue.tasks_by_status),
        "total_available_workers": sum(activities[w.activity_sid].available for w in eligible),
        "total_eligible_workers": len(eligible),
        "total_tasks": sum(queue.tasks_by_status.values()),
    }


def queue_cumulative(queue: FakeQueue, query: Mapping[str, str]) -> dict[str, Any]:
    """A queue's cumulative statistics; ``split_by_wait_time`` when SplitByWaitTime is asked."""
    accepted = [w for w, outcome in queue.task_waits if outcome == "accepted"]
    canceled = [w for w, outcome in queue.task_waits if outcome == "canceled"]
    start, end = window(query)
    stats: dict[str, Any] = {
        "task_queue_sid": queue.sid,
        "start_time": iso8601(start),
        "end_time": iso8601(end),
        "avg_task_acceptance_time": durations(accepted)["avg"],
        "tasks_entered": len(queue.task_waits),
        "tasks_canceled": len(canceled),
        "tasks_completed": len(accepted),
        "tasks_deleted": 0,
        "tasks_moved": 0,
        **dict.fromkeys(RESERVATION_FIELDS, 0),
        "reservations_created": len(accepted),
        "reservations_accepted": len(accepted),
        "wait_duration_until_accepted": durations(accepted),
        "wait_duration_until_canceled": durations(canceled),
        "wait_duration_in_queue_until_accepted": durations(accepted),
        "split_by_wait_time": None,
    }
    if query.get("SplitByWaitTime"):
        try:
            thresholds = [int(t) for t in query["SplitByWaitTime"].split(",") if t.strip()]
        except ValueError as exc:
            raise ApiError(400, 20001, "SplitByWaitTime must be comma-separated seconds") from exc
        stats["split_by_wait_time"] = {
            str(t): {
                side: {
                    "tasks_canceled": sum(1 for w in canceled if (w > t) == above),
                    "reservations_accepted": sum(1 for w in accepted if (w > t) == above),
                }
                for side, above in (("above", True), ("below", False))
            }
            for t in thresholds
        }
    stats.update(queue.cumulative)
    return stats


def workers_realtime(
    activities: Iterable[FakeActivity], workers: list[FakeWorker]
) -> dict[str, Any]:
    """workers_real_time_statistics: total and per-activity counts."""
    return {
        "total_workers": len(workers),
        "activity_statistics": activity_counts(activities, workers),
    }


def workers_cumulative(
    activities: Iterable[FakeActivity], workers: list[FakeWorker], query: Mapping[str, str]
) -> dict[str, Any]:
    """workers_cumulative_statistics: activity durations and reservation counts."""
    start, end = window(query)
    span = int((end - start).total_seconds())
    per_activity = []
    for act in activities:
        # Without a history, every worker is taken to have spent the window in its current
        # activity: enough for the mapping code to be exercised end to end.
        spent = [span for w in workers if w.activity_sid == act.sid]
        per_activity.append(
            {"sid": act.sid, "friendly_name": act.friendly_name, **durations(spent)}
        )
    return {
        "start_time": iso8601(start),
        "end_time": iso8601(end),
        "activity_durations": per_activity,
        **dict.fromkeys(RESERVATION_FIELDS, 0),
    }
