"""The Twilio TaskRouter source: queues, workers, activities and statistics, on a schedule.

Runs once per site: each cycle first asks the injected ``holds_lock`` whether this process
holds the site's service lock (the one the notification dispatcher runs under), and does
nothing when it does not; workstations just read the database. A cycle reads the lists and
the bulk queue statistics for "today", the last hour and the last 30 minutes (six requests
for a workspace of up to 1,000 queues and workers), paced by the client below TaskRouter's
5 requests per second and retried with back-off on 429. Everything read is written in one
transaction. When TaskRouter is unreachable the last figures stay in the tables and
``source_status`` records the failure, so the views show how old their figures are; the
next cycles back off up to five minutes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Database
from db.errors import DatabaseError
from db.models import Queue, ServiceLease, SourceStatus
from desktop.core.intraday import TimeWindow, day_start
from desktop.sources.taskrouter_client import (
    TaskRouterClient,
    TaskRouterError,
    TaskRouterSettings,
)
from desktop.sources.taskrouter_records import (
    ActivityInfo,
    QueueStatistics,
    TaskQueueInfo,
    WorkerInfo,
)
from desktop.sources.taskrouter_store import (
    SOURCE,
    StoreReport,
    split_thresholds,
    store_queues,
    store_statistics,
    store_workers,
)

if TYPE_CHECKING:
    from desktop.config import Settings

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 15.0
MAX_BACKOFF_S = 300.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _always() -> bool:
    return True


@dataclass(frozen=True)
class SyncResult:
    """The outcome of one cycle: "synced", "standby" (another process syncs) or "failed"."""

    outcome: str
    message: str = ""
    report: StoreReport | None = None


@dataclass(frozen=True)
class _Read:
    activities: list[ActivityInfo]
    queues: list[TaskQueueInfo]
    workers: list[WorkerInfo]
    stats: dict[str, list[tuple[datetime | None, list[QueueStatistics]]]]


class TaskRouterSync:
    """Syncs one TaskRouter workspace into the database.

    Args:
        db: the site database.
        client: a ``TaskRouterClient`` (or a factory, so credentials are read off the GUI thread).
        holds_lock: True when this process holds the site's service lock.
        interval_s: seconds between cycles.
        clock: the current time.
    """

    name = "TaskRouter sync"

    def __init__(
        self,
        db: Database,
        client: TaskRouterClient | Callable[[], TaskRouterClient],
        holds_lock: Callable[[], bool] = _always,
        interval_s: float = DEFAULT_INTERVAL_S,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.db = db
        self._client = client
        self.holds_lock = holds_lock
        self.interval_s = interval_s
        self.clock = clock
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def client(self) -> TaskRouterClient:
        if not isinstance(self._client, TaskRouterClient):
            self._client = self._client()
        return self._client

    # One cycle -----------------------------------------------------------------------------
    def _starts(self, sids: list[str], now: datetime) -> dict[datetime, list[str]]:
        """Queues grouped by the start of their "today" (new queues: UTC midnight)."""
        with self.db.read() as session:
            known = {
                q.external_sid: day_start(now, q.timezone, q.daily_reset)
                for q in session.scalars(select(Queue).where(Queue.external_sid.in_(sids)))
            }
        groups: dict[datetime, list[str]] = defaultdict(list)
        for sid in sids:
            groups[known.get(sid) or day_start(now, "UTC")].append(sid)
        return groups

    def _read(self, now: datetime) -> _Read:
        client = self.client
        activities = client.activities()
        queues = client.task_queues()
        workers = client.workers()
        sids = [q.sid for q in queues]
        with self.db.read() as session:
            splits = split_thresholds(session, sids)
        stats: dict[str, list[tuple[datetime | None, list[QueueStatistics]]]] = {}
        today = []
        for start, group in self._starts(sids, now).items():
            wanted = set(group)
            read = client.queue_statistics(
                start_date=start, end_date=now, split_by_wait_time=splits
            )
            today.append((start, [s for s in read if s.task_queue_sid in wanted]))
        stats[TimeWindow.TODAY.value] = today
        for window in (TimeWindow.LAST_HOUR, TimeWindow.LAST_30_MIN):
            read = client.queue_statistics(minutes=window.minutes, split_by_wait_time=splits)
            stats[window.value] = [(None, read)]
        return _Read(activities, queues, workers, stats)

    def sync_once(self, now: datetime | None = None) -> SyncResult:
        """One cycle: read TaskRouter, write the tables, record the source's health."""
        now = now or self.clock()
        try:
            if not self.holds_lock():
                return SyncResult("standby", "another process holds the site's service lock")
        except Exception as exc:  # noqa: BLE001 - the lock check failing means "not leader"
            return SyncResult("standby", f"service lock unavailable: {exc}")
        try:
            read = self._read(now)
        except TaskRouterError as exc:
            self._record_failure(now, str(exc))
            return SyncResult("failed", str(exc))
        except DatabaseError as exc:
            return SyncResult("failed", exc.user_message)
        try:
            with self.db.write() as session:
                queue_ids, added, retired = store_queues(session, read.queues)
                workers_added, changes = store_workers(session, read.workers, now)
                by_sid = {a.sid: a for a in read.activities}
                rows = 0
                for window, parts in read.stats.items():
                    for start, stats in parts:
                        rows += store_statistics(
                            session, window, start, stats, queue_ids, by_sid, now
                        )
                _status(session, now, success=True, error=None)
        except DatabaseError as exc:
            return SyncResult("failed", exc.user_message)
        report = StoreReport(added, retired, workers_added, changes, rows)
        return SyncResult("synced", "", report)

    def _record_failure(self, now: datetime, message: str) -> None:
        log.warning("TaskRouter sync failed: %s", message)
        try:
            with self.db.write() as session:
                _status(session, now, success=False, error=message)
        except DatabaseError as exc:
            log.warning("could not record the TaskRouter failure: %s", exc.user_message)

    # Schedule ------------------------------------------------------------------------------
    def next_delay(self) -> float:
        """Seconds to the next cycle: the interval, doubled per consecutive failure (capped)."""
        return min(MAX_BACKOFF_S, self.interval_s * (2 ** min(self.failures, 10)))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.sync_once()
                self.failures = self.failures + 1 if result.outcome == "failed" else 0
            except Exception:  # a bug in one cycle must not end the schedule
                self.failures += 1
                log.exception("TaskRouter sync cycle failed")
            self._stop.wait(self.next_delay())

    def start(self) -> TaskRouterSync:
        """Run cycles on a daemon thread until ``stop``; returns self (the service handle)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="taskrouter-sync", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None


def _status(session: Session, now: datetime, success: bool, error: str | None) -> None:
    row = session.get(SourceStatus, SOURCE) or SourceStatus(name=SOURCE)
    row.last_attempt_at = now
    if success:
        row.last_success_at = now
    row.last_error = error
    session.add(row)


def start_taskrouter_sync(
    settings: Settings, db: Database, holds_lock: Callable[[], bool] | None = None
) -> TaskRouterSync | None:
    """Service starter: sync when a workspace is configured and credentials are found.

    Args:
        settings: effective settings (``taskrouter.*``, ``twilio.*``).
        db: the site database.
        holds_lock: the site's service-lock check; when None the site lock of
            ``desktop.notify.leader`` is used, and without it the sync stays off (it must
            never run on every workstation at once).
    """
    from desktop.config import twilio_auth_token

    workspace = str(settings["taskrouter.workspace_sid"] or "")
    if not workspace:
        return None
    if holds_lock is None:
        holds_lock = site_lock_check(db)
        if holds_lock is None:
            log.warning("TaskRouter sync not started: no site service lock available")
            return None
    try:
        tr_settings = TaskRouterSettings(
            account_sid=str(settings["twilio.account_sid"]),
            auth_token=twilio_auth_token(settings) or "",
            workspace_sid=workspace,
            api_base=str(settings["twilio.api_base"]) or None,
            timeout_seconds=float(settings["twilio.timeout_seconds"]),
        )
    except ValueError as exc:
        log.warning("TaskRouter sync not started: %s", exc)
        return None
    interval = max(1.0, float(settings["taskrouter.interval_seconds"]))
    return TaskRouterSync(
        db, lambda: TaskRouterClient(tr_settings), holds_lock, interval_s=interval
    ).start()


def site_lock_check(db: Database) -> Callable[[], bool] | None:
    """ "Does this process hold the notification dispatcher's site lock?" as a callable.

    The dispatcher (``desktop.notify.leader``) records its holder, machine and process id,
    in the ``service_leases`` row and renews it while it holds the lock; the sync follows
    that holder, so it runs in the same process as the dispatcher, once per site.
    """
    try:
        from desktop.notify.leader import LEASE_NAME, HolderId
    except ImportError:
        return None

    def check() -> bool:
        with db.read() as session:
            row = session.get(ServiceLease, LEASE_NAME)
            if row is None or row.expires_at <= _utc_now():
                return False
            holder = HolderId.parse(row.holder)
        here = socket.gethostname() or "localhost"
        return holder is not None and holder.host == here and holder.pid == os.getpid()

    return check
