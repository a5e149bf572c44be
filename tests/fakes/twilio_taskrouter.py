"""The fake TaskRouter v1 API (read side) with seedable queues, workers and activities.

Paths, list ``meta`` paging and resource fields follow twilio_taskrouter_v1.json; the
statistics come from :mod:`tests.fakes.twilio_taskrouter_stats`. Not thread-safe by itself:
FakeTwilio holds its lock around every call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tests.fakes.twilio_common import ApiError, iso8601, new_sid, paginate
from tests.fakes.twilio_common import with_query as _with_query
from tests.fakes.twilio_taskrouter_stats import (
    FakeActivity,
    FakeQueue,
    FakeWorker,
    queue_cumulative,
    queue_realtime,
    workers_cumulative,
    workers_realtime,
)

TASKROUTER_HOST = "https://taskrouter.twilio.com"
DEFAULT_ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False))


class TaskRouterApi:
    """One TaskRouter workspace: seeding methods and the GET endpoints the client reads."""

    def __init__(self, account_sid: str, workspace_sid: str) -> None:
        self.account_sid = account_sid
        self.workspace_sid = workspace_sid
        self.activities: dict[str, FakeActivity] = {}
        self.queues: dict[str, FakeQueue] = {}
        self.workers: dict[str, FakeWorker] = {}
        for name, available in DEFAULT_ACTIVITIES:  # what a new Twilio workspace starts with
            self.add_activity(name, available)

    # ----------------------------------------------------------------- seeding
    def add_activity(self, friendly_name: str, available: bool = False) -> str:
        sid = new_sid("WA")
        self.activities[sid] = FakeActivity(sid, friendly_name, available, datetime.now(UTC))
        return sid

    def activity_sid(self, name_or_sid: str) -> str:
        """Resolve an activity by SID or friendly name."""
        if name_or_sid in self.activities:
            return name_or_sid
        for act in self.activities.values():
            if act.friendly_name == name_or_sid:
                return act.sid
        raise KeyError(f"no activity {name_or_sid!r}")

    def add_queue(
        self,
        friendly_name: str,
        *,
        pending: int = 0,
        reserved: int = 0,
        assigned: int = 0,
        wrapping: int = 0,
        longest_wait: int = 0,
        task_waits: Iterable[tuple[int, str]] = (),
        cumulative: Mapping[str, Any] | None = None,
        target_workers: str | None = None,
    ) -> str:
        """Add a queue with its live task counts and the waits of tasks that left it."""
        sid = new_sid("WQ")
        self.queues[sid] = FakeQueue(
            sid,
            friendly_name,
            target_workers,
            datetime.now(UTC),
            {"pending": pending, "reserved": reserved, "assigned": assigned, "wrapping": wrapping},
            longest_wait,
            list(task_waits),
            dict(cumulative or {}),
        )
        return sid

    def add_worker(
        self,
        friendly_name: str,
        activity: str = "Available",
        queues: Iterable[str] = (),
        attributes: Mapping[str, Any] | None = None,
    ) -> str:
        """Add a worker in ``activity`` (name or SID), eligible for the given queue SIDs."""
        sid = new_sid("WK")
        now = datetime.now(UTC)
        self.workers[sid] = FakeWorker(
            sid,
            friendly_name,
            self.activity_sid(activity),
            set(queues),
            dict(attributes or {}),
            now,
            now,
        )
        return sid

    def set_worker_activity(self, worker_sid: str, activity: str) -> None:
        worker = self.workers[worker_sid]
        worker.activity_sid = self.activity_sid(activity)
        worker.status_changed = datetime.now(UTC)

    def seed_demo(self, queues: int = 3, workers_per_queue: int = 4) -> list[str]:
        """A small plausible workspace; returns the queue SIDs."""
        sids = []
        for q in range(queues):
            sid = self.add_queue(
                f"Queue {q + 1}",
                pending=q + 1,
                assigned=2 * q,
                longest_wait=30 * (q + 1),
                task_waits=[(5 * i, "accepted" if i % 4 else "canceled") for i in range(1, 9)],
            )
            sids.append(sid)
            for w in range(workers_per_queue):
                activity = ("Available", "Unavailable", "Offline")[w % 3]
                self.add_worker(f"Agent {q + 1}.{w + 1}", activity, [sid])
        return sids

    # ----------------------------------------------------------------- routing
    def handle(self, rest: str, query: Mapping[str, str], base: str, path: str) -> dict[str, Any]:
        """Answer ``GET /v1/Workspaces/{WS}/<rest>``; ``base`` is the host written in URLs."""
        url = f"{base}{path}"
        if rest in ("Activities", "TaskQueues", "Workers"):
            return self._list(rest, query, base, path)
        if rest == "TaskQueues/Statistics":
            return self._queues_statistics(query, base, path)
        if rest == "Workers/Statistics":
            workers = self._workers_matching(query)
            return {
                "account_sid": self.account_sid,
                "workspace_sid": self.workspace_sid,
                "cumulative": workers_cumulative(self.activities.values(), workers, query),
                "realtime": workers_realtime(self.activities.values(), workers),
                "url": url,
            }
        if rest == "Workers/RealTimeStatistics":
            return {
                **workers_realtime(self.activities.values(), list(self.workers.values())),
                "url": url,
                "account_sid": self.account_sid,
                "workspace_sid": self.workspace_sid,
            }
        if rest == "Workers/CumulativeStatistics":
            return {
                **workers_cumulative(self.activities.values(), list(self.workers.values()), query),
                "url": url,
                "account_sid": self.account_sid,
                "workspace_sid": self.workspace_sid,
            }
        match = re.fullmatch(r"(Activities|TaskQueues|Workers)/(\w{34})(?:/(\w+))?", rest)
        if match:
            kind, sid, sub = match.groups()
            found = {
                "Activities": self.activities,
                "TaskQueues": self.queues,
                "Workers": self.workers,
            }[kind].get(sid)
            if found is not None and sub is None:
                return self._render(kind, found, base)
            if isinstance(found, FakeQueue) and sub == "RealTimeStatistics":
                return {
                    **queue_realtime(found, self.workers.values(), self.activities),
                    "url": url,
                    "account_sid": self.account_sid,
                    "workspace_sid": self.workspace_sid,
                }
            if isinstance(found, FakeQueue) and sub == "CumulativeStatistics":
                return {
                    **queue_cumulative(found, query),
                    "url": url,
                    "account_sid": self.account_sid,
                    "workspace_sid": self.workspace_sid,
                }
        raise ApiError(404, 20404, f"The requested resource {path} was not found")

    def _list(self, kind: str, query: Mapping[str, str], base: str, path: str) -> dict[str, Any]:
        items: list[Any]
        if kind == "Activities":
            items = list(self.activities.values())
            if query.get("Available"):
                items = [a for a in items if str(a.available).lower() == query["Available"]]
        elif kind == "TaskQueues":
            items = list(self.queues.values())
            if query.get("WorkerSid") in self.workers:
                items = [q for q in items if q.sid in self.workers[query["WorkerSid"]].queue_sids]
        else:
            items = self._workers_matching(query)
            if query.get("ActivitySid"):
                items = [w for w in items if w.activity_sid == query["ActivitySid"]]
            if query.get("ActivityName"):
                items = [
                    w
                    for w in items
                    if self.activities[w.activity_sid].friendly_name == query["ActivityName"]
                ]
            if query.get("Available"):
                items = [
                    w
                    for w in items
                    if str(self.activities[w.activity_sid].available).lower() == query["Available"]
                ]
        if query.get("FriendlyName") and kind != "Workers":
            items = [i for i in items if i.friendly_name == query["FriendlyName"]]
        key = {"Activities": "activities", "TaskQueues": "task_queues", "Workers": "workers"}[kind]
        return self._page(
            key, items, [self._render(kind, i, base) for i in items], query, base, path
        )

    def _page(
        self,
        key: str,
        items: list[Any],
        rendered: list[dict[str, Any]],
        query: Mapping[str, str],
        base: str,
        path: str,
    ) -> dict[str, Any]:
        cut = paginate(list(range(len(items))), query, lambda i: items[i].sid)
        absolute = f"{base}{path}"
        return {
            key: [rendered[i] for i in cut.items],
            "meta": {
                "first_page_url": _with_query(absolute, cut.first_query),
                "key": key,
                "next_page_url": _with_query(absolute, cut.next_query),
                "page": cut.page,
                "page_size": cut.page_size,
                "previous_page_url": _with_query(absolute, cut.previous_query),
                "url": _with_query(absolute, cut.this_query),
            },
        }

    def _render(self, kind: str, item: Any, base: str) -> dict[str, Any]:
        ws_url = f"{base}/v1/Workspaces/{self.workspace_sid}"
        common = {
            "account_sid": self.account_sid,
            "workspace_sid": self.workspace_sid,
            "sid": item.sid,
            "friendly_name": item.friendly_name,
            "date_created": iso8601(item.created),
            "date_updated": iso8601(item.created),
            "url": f"{ws_url}/{kind}/{item.sid}",
        }
        if isinstance(item, FakeActivity):
            return {**common, "available": item.available, "links": {"workspace": ws_url}}
        if isinstance(item, FakeQueue):
            q_url = common["url"]
            return {
                **common,
                "assignment_activity_sid": None,
                "assignment_activity_name": None,
                "reservation_activity_sid": None,
                "reservation_activity_name": None,
                "max_reserved_workers": 1,
                "target_workers": item.target_workers,
                "task_order": "FIFO",
                "links": {
                    "workspace": ws_url,
                    "statistics": f"{q_url}/Statistics",
                    "real_time_statistics": f"{q_url}/RealTimeStatistics",
                    "cumulative_statistics": f"{q_url}/CumulativeStatistics",
                },
            }
        activity = self.activities[item.activity_sid]
        return {
            **common,
            "activity_sid": activity.sid,
            "activity_name": activity.friendly_name,
            "available": activity.available,
            "attributes": json.dumps(item.attributes),
            "date_status_changed": iso8601(item.status_changed),
            "links": {"workspace": ws_url, "activity": f"{ws_url}/Activities/{activity.sid}"},
        }

    def _queues_statistics(self, query: Mapping[str, str], base: str, path: str) -> dict[str, Any]:
        queues = [
            q
            for q in self.queues.values()
            if not query.get("FriendlyName") or q.friendly_name == query["FriendlyName"]
        ]
        rendered = [
            {
                "account_sid": self.account_sid,
                "workspace_sid": self.workspace_sid,
                "task_queue_sid": q.sid,
                "realtime": queue_realtime(q, self.workers.values(), self.activities),
                "cumulative": queue_cumulative(q, query),
            }
            for q in queues
        ]
        return self._page("task_queues_statistics", queues, rendered, query, base, path)

    def _workers_matching(self, query: Mapping[str, str]) -> list[FakeWorker]:
        workers = list(self.workers.values())
        if query.get("TaskQueueSid"):
            workers = [w for w in workers if query["TaskQueueSid"] in w.queue_sids]
        if query.get("FriendlyName"):
            workers = [w for w in workers if w.friendly_name == query["FriendlyName"]]
        return workers
