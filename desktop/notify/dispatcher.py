"""The dispatcher: an APScheduler BackgroundScheduler wakes it; the outbox is the truth.

APScheduler (3.x) only provides the timing, on its own threads, never the GUI thread: one
"wake" job re-armed for the next due time (never one job per notification: the next due time
is one indexed ``MIN(due_at)``), a short safety-net interval for anything that job missed
(APScheduler drops a missed one-shot job silently; another process may have queued a row),
an interval for the policy pass, one for delivery polling and one for the leader lock. Its
in-memory job store is private to this process and holds nothing that is not in the database.

One tick: claim a batch (committed), send each message, record the outcomes in small batches
(committed), repeat while rows are due; the next batch is claimed on a helper thread while one
is sent (that loop is :mod:`desktop.notify.batch_sender`). Only the lock holder sends; every
job survives database errors, "database is locked" included, and tries again at its next run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from db.engine import Database
from db.errors import DatabaseError
from db.queries.notification_settings import load_policy_book
from desktop.notify.batch_sender import BatchSender
from desktop.notify.delivery import poll_due
from desktop.notify.leader import DEFAULT_LEASE_SECONDS, HolderId, Leadership, make_leadership
from desktop.notify.outbox import next_due
from desktop.notify.reconcile import reconcile
from desktop.notify.recorder import Recorder
from desktop.notify.records import RecordSummary, SendOutcome, record_outcomes
from desktop.notify.rules import (
    MODE_KEY,
    Pause,
    RetryRules,
    load_pause,
    rules_from_settings,
    save_pause,
    set_meta,
)
from desktop.notify.scheduler import schedule_pass
from desktop.notify.twilio_gateway import TwilioGateway

log = logging.getLogger(__name__)


# The "wake" job is an interval job whose next run time is moved to the next due moment (an
# hour is only its fallback period). Not a one-shot date job: APScheduler removes a finished
# date job itself, which races with a shutdown ("No job by the id of wake"). It may fire while
# the tick it re-armed is still finishing; the tick's own lock makes that run return at once,
# so it need not be skipped (with a warning) either.
_WAKE = {"max_instances": 3}
_WAKE_PERIOD_S = 3600


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DispatcherConfig:
    """Timings and sizes; the defaults suit production, tests shorten them."""

    batch_size: int = 200
    safety_interval_s: float = 5.0
    schedule_interval_s: float = 60.0
    poll_interval_s: float = 10.0
    poll_min_s: float = 5.0
    lease_ttl_s: float = DEFAULT_LEASE_SECONDS
    claim_ttl_s: float = 120.0
    orphan_after_s: float = 600.0
    record_every: int = 100
    record_every_s: float = 0.5
    require_leader: bool = True
    run_scheduler: bool = True
    poll_delivery: bool = True
    rules: RetryRules = field(default_factory=RetryRules)


class Dispatcher:
    """Sends due notifications from the outbox while this process holds the dispatcher lock.

    Args:
        db: the database (each job opens its own sessions).
        gateway_factory: builds a Twilio gateway (one per worker thread); None runs in
            record-only mode: everything but the send.
        config: timings and retry rules.
        role: shown as the lock holder ("notifier", "desktop").
        clock: the time source (tests travel with time-machine instead of replacing it).
        record_only_reason: why there is no gateway, for the log and the notifications view.
    """

    def __init__(
        self,
        db: Database,
        gateway_factory: Callable[[], TwilioGateway] | None,
        config: DispatcherConfig | None = None,
        role: str = "notifier",
        clock: Callable[[], datetime] = utc_now,
        record_only_reason: str | None = None,
    ) -> None:
        self.db = db
        self.config = config or DispatcherConfig()
        self._reconcile_floor_s = self.config.rules.reconcile_after_s
        self.clock = clock
        self.holder = HolderId.for_this_process(role)
        self.record_only = gateway_factory is None
        self.record_only_reason = record_only_reason or "not configured"
        self._gateway_factory = gateway_factory
        self._local = threading.local()
        self._leadership: Leadership | None = (
            make_leadership(db, self.holder, self.config.lease_ttl_s, clock)
            if self.config.require_leader
            else None
        )
        self.is_leader = False
        self.leader_since: datetime | None = None
        self.pause: Pause | None = None
        self._stopping = threading.Event()
        self._send_lock = threading.Lock()
        self._wake_lock = threading.Lock()
        self._sender = BatchSender(
            db,
            str(self.holder),
            clock,
            self._stopping,
            gateway=self._gateway,
            rules=lambda: self.config.rules,
            may_send=self._may_send,
            batch_size=self.config.batch_size,
            claim_ttl_s=self.config.claim_ttl_s,
            record_only=self.record_only,
        )
        self._recorder: Recorder | None = None
        self.sent_count = 0
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    # ----------------------------------------------------------------- lifecycle
    @property
    def name(self) -> str:
        return "notification dispatcher"

    def start(self) -> Dispatcher:
        """Start the scheduler thread; the first lock attempt runs at once."""
        cfg = self.config
        now = datetime.now(UTC)
        lease_every = max(0.2, cfg.lease_ttl_s / 3)
        add = self._scheduler.add_job
        add(
            self._guard(self._leadership_tick),
            "interval",
            seconds=lease_every,
            id="lease",
            next_run_time=now,
        )
        add(
            self._guard(self._dispatch_tick),
            "interval",
            seconds=cfg.safety_interval_s,
            id="safety",
            next_run_time=now + timedelta(seconds=cfg.safety_interval_s),
        )
        add(
            self._guard(self._dispatch_tick),
            "interval",
            seconds=_WAKE_PERIOD_S,
            id="wake",
            next_run_time=None,
            **_WAKE,
        )
        if cfg.run_scheduler:
            add(
                self._guard(self._schedule_tick),
                "interval",
                seconds=cfg.schedule_interval_s,
                id="schedule",
            )
        if cfg.poll_delivery and not self.record_only:
            add(self._guard(self._poll_tick), "interval", seconds=cfg.poll_interval_s, id="poll")
        self._recorder = Recorder(
            self._write_outcomes, self.config.record_every, self.config.record_every_s
        )
        self._sender.start(self._recorder)
        self._scheduler.start()
        mode = "record only: " + self.record_only_reason if self.record_only else "sending"
        log.info("notification dispatcher started as %s (%s)", self.holder.label, mode)
        return self

    def stop(self) -> None:
        """Finish the message in flight, record it, give unsent claims back, release the lock."""
        self._stopping.set()
        with self._wake_lock:  # from here on no job touches the scheduler (see _jobs_call)
            pass
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        self._sender.stop()
        if self._recorder is not None and not self._recorder.stop(timeout=30.0):
            log.warning(
                "some send results were not recorded: those rows stay 'sending' and "
                "are checked with Twilio at the next start"
            )
        try:
            self._sender.flush_leftovers()
        except DatabaseError as exc:
            log.warning("could not record everything before stopping: %s", exc.user_message)
        if self._leadership is not None and self.is_leader:
            self._leadership.release()
        self.is_leader = False
        log.info("notification dispatcher stopped (%d sent by this process)", self.sent_count)

    def wake(self) -> None:
        """Run a dispatch tick now (e.g. after "send now")."""
        self._jobs_call(lambda: self._scheduler.modify_job("wake", next_run_time=datetime.now(UTC)))

    def _jobs_call(self, call: Callable[[], object]) -> None:
        """Change the job list, unless stopping: APScheduler's shutdown holds its job-store
        lock while it waits for running jobs, so a job changing jobs then would deadlock."""
        with self._wake_lock, contextlib.suppress(JobLookupError):
            if not self._stopping.is_set() and self._scheduler.running:
                call()

    # ----------------------------------------------------------------- jobs
    def _guard(self, job: Callable[[], None]) -> Callable[[], None]:
        """Every job survives anything: environment errors are logged and retried next run."""

        def run() -> None:
            if self._stopping.is_set():
                return
            try:
                job()
            except DatabaseError as exc:
                log.warning("notifications: %s", exc.user_message)
            except Exception:
                log.exception("notifications: %s failed", job.__name__)

        run.__name__ = job.__name__
        return run

    def _leadership_tick(self) -> None:
        if self._leadership is None:
            if not self.is_leader:
                self._became_leader()
            return
        if self.is_leader:
            if not self._leadership.renew():
                self.is_leader = False
                log.warning("lost the dispatcher lock; standing by")
        elif self._leadership.try_acquire():
            self._became_leader()

    def _became_leader(self) -> None:
        # With the lock, claims older than this moment belong to a holder that is gone (or
        # fenced off by its lease). Without it ("by mistake"), another dispatcher may be
        # sending them right now: only the orphan age rule applies then.
        self.leader_since = self.clock() if self._leadership is not None else None
        mode = f"record_only: {self.record_only_reason}" if self.record_only else "live"
        with self.db.write() as session:
            set_meta(session, MODE_KEY, mode)
            self.pause = load_pause(session)
        self.is_leader = True
        log.info("%s is now the notification dispatcher", self.holder.label)
        if self.config.run_scheduler:
            self._jobs_call(
                lambda: self._scheduler.modify_job("schedule", next_run_time=datetime.now(UTC))
            )
        self.wake()

    def _can_send(self) -> bool:
        if self._stopping.is_set() or not self.is_leader:
            return False
        return self._leadership is None or self._leadership.valid_for() > 0

    def _paused(self) -> bool:
        if self.pause is None:
            return False
        if self.pause.until > self.clock():
            return True
        log.info("sending resumes (pause ended: %s)", self.pause.reason)
        self.pause = None
        with self.db.write() as session:
            save_pause(session, None)
        return False

    def _dispatch_tick(self) -> None:
        if not self._send_lock.acquire(blocking=False):
            return  # a tick is running; it re-arms the wake when it ends
        try:
            if not self._can_send():
                return
            self._sender.flush_leftovers()
            if self._paused():
                return
            self._refresh_rules()
            reconcile(
                self.db,
                str(self.holder),
                self._gateway(),
                self.clock,
                self.leader_since,
                timedelta(seconds=self.config.orphan_after_s),
                self._grace(),
                self.config.rules.first_poll_s,
                self._can_send,
            )
            self._sender.claim_and_send()
        finally:
            self._send_lock.release()
            if self._can_send():
                self._arm_wake()

    def _grace(self) -> timedelta:
        """How long after an unclear send Twilio is asked about it: long enough for a
        request still travelling (our timeout gave up on it, the server may not have), and,
        with the lock, for a previous holder whose lease we took to have stopped sending."""
        gateway = self._gateway()
        timeout = gateway.settings.timeout_seconds if gateway is not None else 0.0
        seconds = max(self._reconcile_floor_s, 3 * timeout)
        if self._leadership is not None:
            seconds += self.config.lease_ttl_s
        return timedelta(seconds=seconds)

    def _refresh_rules(self) -> None:
        """Retry limits and the error-class table come from the policy (a setting)."""
        with self.db.read() as session:
            settings = load_policy_book(session).default
        base = replace(self.config.rules, reconcile_after_s=self._grace().total_seconds())
        try:
            rules = rules_from_settings(settings, base)
        except ValueError as exc:
            log.error("ignoring the error-class overrides: %s", exc)
            rules = base
        if rules != self.config.rules:
            self.config = replace(self.config, rules=rules)
            self._local = threading.local()  # gateways pick the new table up

    def _arm_wake(self) -> None:
        """Set the one timer to the next moment a row falls due (or the pause ends)."""
        due = next_due(self.db, str(self.holder))
        if self.pause is not None:
            due = self.pause.until if due is None else max(due, self.pause.until)

        def arm() -> None:
            when = None if due is None else max(due, datetime.now(UTC))
            self._scheduler.modify_job("wake", next_run_time=when)  # None: sleep until told

        self._jobs_call(arm)

    def _schedule_tick(self) -> None:
        if not self.is_leader:
            return
        stats = schedule_pass(self.db, self.clock())
        if stats.enqueued:
            self._arm_wake()

    def _poll_tick(self) -> None:
        gateway = self._gateway()
        if gateway is not None and self._can_send():
            poll_due(
                self.db,
                gateway,
                self.clock,
                keep_going=self._can_send,
                shortest=timedelta(seconds=self.config.poll_min_s),
            )

    # ------------------------------------------------- gateway, sending, recording
    def _gateway(self) -> TwilioGateway | None:
        if self._gateway_factory is None:
            return None
        gateway = getattr(self._local, "gateway", None)
        if gateway is None:  # a gateway is not shared between threads
            gateway = self._gateway_factory()
            gateway.error_table = self.config.rules.error_table
            self._local.gateway = gateway
        return gateway

    def _may_send(self) -> bool:
        return self._can_send() and not self._paused()

    def _write_outcomes(self, batch: list[SendOutcome]) -> None:
        """The recorder thread's writer (``DatabaseError`` makes it keep and retry)."""
        self._apply(record_outcomes(self.db, str(self.holder), batch, self.config.rules))

    def _apply(self, summary: RecordSummary) -> None:
        self.sent_count += summary.sent
        if summary.pause is not None:
            self.pause = summary.pause
            log.warning(
                "notifications paused until %s: %s",
                summary.pause.until.isoformat(),
                summary.pause.reason,
            )
