"""Read-only Twilio TaskRouter client: queues, workers, activities and their statistics.

Returns plain frozen dataclasses, reading every page. Requests go through the same
URL-rewriting HTTP client as the SMS gateway (``api_base`` for tests and proxies), paced by a
token bucket below TaskRouter's limit of 5 requests per second; 429 and 5xx answers are
retried with back-off, and an unreachable service raises :class:`TaskRouterUnavailable` at
once so the scheduled sync can keep the last values and try again next time. No database
code here: the sync that stores these records lives elsewhere.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from requests.exceptions import RequestException
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from desktop.notify.twilio_errors import DEFAULT_ERROR_TABLE, ErrorClass, describe, retry_delay
from desktop.notify.twilio_http import DEFAULT_TIMEOUT_SECONDS, make_client, normalise_api_base
from desktop.sources.taskrouter_records import (
    ActivityInfo,
    QueueStatistics,
    TaskQueueInfo,
    TaskRouterSnapshot,
    WorkerInfo,
    WorkersStatistics,
    parse_cumulative,
    parse_realtime,
    parse_workers_statistics,
)

__all__ = [  # the records are defined in taskrouter_records and re-exported for callers
    "ActivityInfo",
    "QueueStatistics",
    "TaskQueueInfo",
    "TaskRouterClient",
    "TaskRouterError",
    "TaskRouterRejected",
    "TaskRouterSettings",
    "TaskRouterSnapshot",
    "TaskRouterUnavailable",
    "TokenBucket",
    "WorkerInfo",
    "WorkersStatistics",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
_WORKSPACE_SID = re.compile(r"^WS[0-9a-fA-F]{32}$")
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_CALL_ERRORS = (TwilioException, RequestException, ValueError)
MAX_PAGE_SIZE = 1000  # TaskRouter's maximum PageSize: fewest requests against the rate limit


class TaskRouterError(Exception):
    """TaskRouter could not give an answer."""


class TaskRouterUnavailable(TaskRouterError):
    """Unreachable, timing out, or still rate-limiting / failing after the retries."""


class TaskRouterRejected(TaskRouterError):
    """TaskRouter refused the request (wrong credentials, unknown workspace...): a setup issue.

    Attributes:
        code: Twilio error code, if any.
        http_status: HTTP status.
    """

    def __init__(self, message: str, code: int | None, http_status: int | None) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


@dataclass(frozen=True, repr=False)
class TaskRouterSettings:
    """Which workspace to read and how. The auth token never appears in ``repr``."""

    account_sid: str
    auth_token: str
    workspace_sid: str
    api_base: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        if not _ACCOUNT_SID.match(self.account_sid or ""):
            raise ValueError("Twilio account SID must be 'AC' followed by 32 hex digits")
        if not self.auth_token:
            raise ValueError("Twilio auth token is missing (keyring or environment)")
        if not _WORKSPACE_SID.match(self.workspace_sid or ""):
            raise ValueError("TaskRouter workspace SID must be 'WS' followed by 32 hex digits")
        if not self.timeout_seconds > 0:
            raise ValueError("TaskRouter timeout must be a positive number of seconds")
        if self.api_base is not None:
            object.__setattr__(self, "api_base", normalise_api_base(self.api_base))

    def __repr__(self) -> str:
        return (
            f"TaskRouterSettings(account_sid={self.account_sid!r}, auth_token='****', "
            f"workspace_sid={self.workspace_sid!r}, api_base={self.api_base!r}, "
            f"timeout_seconds={self.timeout_seconds!r})"
        )


class TokenBucket:
    """Blocking token bucket: at most ``burst + rate_per_s * t`` requests in any ``t`` seconds.

    The defaults (4 per second, burst 1) allow at most 5 requests in any one-second window,
    TaskRouter's documented limit, with room for network jitter. Thread-safe; waiting
    threads are served one at a time.

    Args:
        rate_per_s: tokens added per second.
        burst: bucket size (requests allowed back to back after a pause).
        clock: monotonic seconds; sleep: blocking wait (both injectable for tests).
    """

    def __init__(
        self,
        rate_per_s: float = 4.0,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, waiting for it if needed; returns the seconds waited."""
        with self._lock:  # held while sleeping, so waiters queue in order
            waited = 0.0
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate_per_s)
                self._last = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return waited
                pause = (1.0 - self._tokens) / self.rate_per_s
                self._sleep(pause)
                waited += pause


class TaskRouterClient:
    """Reads one TaskRouter workspace through the ``twilio`` package.

    Args:
        settings: credentials, workspace, base URL and timeout.
        limiter: paces every HTTP request (default: :class:`TokenBucket` defaults).
        max_retries: retries of a request answered 429 or 5xx before giving up.
        backoff_base: first back-off ceiling in seconds (doubles per retry, full jitter).
        backoff_cap: largest back-off ceiling.
        page_size: records per list page (TaskRouter allows up to 1000).
        sleep: how back-off waits (injectable for tests).
        rand: jitter source in ``[0, 1)`` (injectable for tests).
        client: a prebuilt ``twilio.rest.Client`` (its HTTP client must apply the limiter).
    """

    def __init__(
        self,
        settings: TaskRouterSettings,
        limiter: TokenBucket | None = None,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        page_size: int = MAX_PAGE_SIZE,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        client: Client | None = None,
    ) -> None:
        self.settings = settings
        self.limiter = limiter or TokenBucket()
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        self._sleep = sleep
        self._rand = rand
        self.client = client or make_client(
            settings.account_sid,
            settings.auth_token,
            settings.api_base,
            settings.timeout_seconds,
            throttle=self.limiter.acquire,
        )
        self._workspace = self.client.taskrouter.v1.workspaces(settings.workspace_sid)

    # ----------------------------------------------------------------- lists
    def activities(self) -> list[ActivityInfo]:
        """Every activity of the workspace."""
        records = self._all_pages("listing activities", self._workspace.activities.page)
        return [ActivityInfo(r.sid, r.friendly_name or "", bool(r.available)) for r in records]

    def task_queues(self) -> list[TaskQueueInfo]:
        """Every task queue of the workspace."""
        records = self._all_pages("listing task queues", self._workspace.task_queues.page)
        return [
            TaskQueueInfo(
                sid=r.sid,
                friendly_name=r.friendly_name or "",
                target_workers=r.target_workers,
                task_order=str(r.task_order) if r.task_order else None,
                assignment_activity_sid=r.assignment_activity_sid,
                reservation_activity_sid=r.reservation_activity_sid,
                max_reserved_workers=r.max_reserved_workers,
            )
            for r in records
        ]

    def workers(self) -> list[WorkerInfo]:
        """Every worker with its current activity."""
        records = self._all_pages("listing workers", self._workspace.workers.page)
        return [
            WorkerInfo(
                sid=r.sid,
                friendly_name=r.friendly_name or "",
                activity_sid=r.activity_sid,
                activity_name=r.activity_name,
                available=bool(r.available),
                attributes_json=_valid_json(r.attributes),
                date_status_changed=r.date_status_changed,
            )
            for r in records
        ]

    # ----------------------------------------------------------------- statistics
    def queue_statistics(
        self,
        minutes: int | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        split_by_wait_time: Sequence[int] = (),
        task_channel: str | None = None,
    ) -> list[QueueStatistics]:
        """Real-time and cumulative statistics of every queue, from the bulk endpoint.

        Args:
            minutes: cumulative window ending now (Twilio's default is 15 minutes).
            start_date: window start instead of ``minutes`` (aware UTC datetime).
            end_date: window end.
            split_by_wait_time: thresholds in seconds, e.g. ``(20, 60)`` for service levels.
            task_channel: restrict to one channel (``voice``, ``chat``...).
        """
        params = _stats_params(minutes, start_date, end_date, task_channel)
        if split_by_wait_time:
            params["split_by_wait_time"] = ",".join(str(int(t)) for t in split_by_wait_time)
        records = self._all_pages(
            "reading queue statistics",
            lambda page_size: self._workspace.task_queues.statistics.page(
                page_size=page_size, **params
            ),
        )
        return [
            QueueStatistics(
                task_queue_sid=r.task_queue_sid,
                realtime=parse_realtime(r.realtime or {}),
                cumulative=parse_cumulative(r.cumulative or {}),
            )
            for r in records
        ]

    def queue_statistics_for(
        self,
        task_queue_sid: str,
        minutes: int | None = None,
        split_by_wait_time: Sequence[int] = (),
    ) -> QueueStatistics:
        """One queue's statistics from its RealTime and Cumulative endpoints (two requests)."""
        queue = self._workspace.task_queues(task_queue_sid)
        params = _stats_params(minutes, None, None, None)
        if split_by_wait_time:
            params["split_by_wait_time"] = ",".join(str(int(t)) for t in split_by_wait_time)
        realtime = self._call("reading real-time statistics", queue.real_time_statistics().fetch)
        cumulative = self._call(
            "reading cumulative statistics",
            lambda: queue.cumulative_statistics().fetch(**params),
        )
        return QueueStatistics(
            task_queue_sid, parse_realtime(realtime), parse_cumulative(cumulative)
        )

    def workers_statistics(
        self, minutes: int | None = None, task_queue_sid: str | None = None
    ) -> WorkersStatistics:
        """Workspace-wide worker statistics (real-time counts, cumulative durations)."""
        params = _stats_params(minutes, None, None, None)
        if task_queue_sid:
            params["task_queue_sid"] = task_queue_sid
        stats = self._call(
            "reading worker statistics",
            lambda: self._workspace.workers.statistics().fetch(**params),
        )
        return parse_workers_statistics(stats.realtime or {}, stats.cumulative or {})

    def snapshot(
        self, minutes: int | None = None, split_by_wait_time: Sequence[int] = ()
    ) -> TaskRouterSnapshot:
        """Everything a sync stores, read in one go (five requests for a typical workspace)."""
        return TaskRouterSnapshot(
            activities=tuple(self.activities()),
            queues=tuple(self.task_queues()),
            workers=tuple(self.workers()),
            queue_statistics=tuple(self.queue_statistics(minutes, None, None, split_by_wait_time)),
            workers_statistics=self.workers_statistics(minutes),
        )

    # ----------------------------------------------------------------- plumbing
    def _all_pages(self, what: str, first_page: Callable[..., Any]) -> list[Any]:
        """Read a list to its end, each page fetch paced, retried and translated on its own."""
        page = self._call(what, lambda: first_page(page_size=self.page_size))
        records: list[Any] = []
        while page is not None:
            records.extend(page)
            page = self._call(what, page.next_page)
        return records

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one request; retry 429/5xx with back-off; translate failures."""
        attempt = 0
        while True:
            try:
                return fn()
            except _CALL_ERRORS as exc:
                info = describe(exc)
                where = self.settings.api_base or "Twilio"
                if info.network:
                    raise TaskRouterUnavailable(
                        f"TaskRouter at {where} is unreachable while {what}: {info.message}"
                    ) from exc
                attempt += 1
                retryable = DEFAULT_ERROR_TABLE.classify(info) is ErrorClass.RETRYABLE
                if retryable and attempt <= self.max_retries:
                    delay = retry_delay(
                        attempt, self.backoff_base, self.backoff_cap, rand=self._rand
                    )
                    log.info(
                        "TaskRouter HTTP %s while %s; retry %d in %.2f s",
                        info.http_status,
                        what,
                        attempt,
                        delay,
                    )
                    self._sleep(delay)
                    continue
                detail = f"HTTP {info.http_status}, code {info.code}: {info.message}"
                if retryable:
                    raise TaskRouterUnavailable(
                        f"TaskRouter at {where} still failing after {attempt} attempts while "
                        f"{what} ({detail})"
                    ) from exc
                raise TaskRouterRejected(
                    f"TaskRouter refused {what} ({detail}); check the account and workspace",
                    info.code,
                    info.http_status,
                ) from exc


def _stats_params(
    minutes: int | None,
    start_date: datetime | None,
    end_date: datetime | None,
    task_channel: str | None,
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if minutes is not None:
        params["minutes"] = int(minutes)
    if start_date is not None:
        params["start_date"] = start_date
    if end_date is not None:
        params["end_date"] = end_date
    if task_channel:
        params["task_channel"] = task_channel
    return params


def _valid_json(text: str | None) -> str:
    """Worker attributes as a JSON object string ('{}' when missing or malformed)."""
    try:
        return text if isinstance(json.loads(text or ""), Mapping) else "{}"
    except ValueError:
        return "{}"
