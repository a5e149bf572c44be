"""Work off the GUI thread: one-shot operations and periodic snapshot feeds.

The pattern follows Anki's operations and Orange's concurrent helpers: a slot gathers its
parameters and submits a plain function; the function runs on a worker thread with its own
database session and returns plain data; success or failure comes back on the GUI thread.
"""

from __future__ import annotations

import logging
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from db.errors import DatabaseError

log = logging.getLogger(__name__)

_RUNNERS: weakref.WeakSet[TaskRunner] = weakref.WeakSet()


def wait_for_all_runners(msecs: int = 10_000) -> bool:
    """Wait until every live ``TaskRunner`` is idle (shutdown and test teardown)."""
    return all(runner.wait(msecs) for runner in list(_RUNNERS))


@dataclass(frozen=True)
class TaskError:
    """A failure reported to the GUI thread.

    Attributes:
        message: one sentence for the user.
        environmental: True for a known environment problem (database locked or gone), which
            deserves a retry rather than a bug report.
        details: the traceback, for the log and a "details" button.
    """

    message: str
    environmental: bool
    details: str


def describe_exception(exc: BaseException) -> TaskError:
    """Turn an exception into a ``TaskError``: environment problems apart from bugs."""
    if isinstance(exc, DatabaseError):
        return TaskError(exc.user_message, True, "")
    details = "".join(traceback.format_exception(exc))
    return TaskError(f"Unexpected error: {type(exc).__name__}: {exc}", False, details)


class _Relay(QObject):
    """Lives on the GUI thread; workers emit through it, so delivery is queued there."""

    done = Signal(object, object, object)  # (token, result, TaskError | None)


class _Job(QRunnable):
    def __init__(self, token: object, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._token, self._fn, self._relay = token, fn, relay

    def run(self) -> None:
        # Workers catch everything: an exception escaping run() would be lost silently.
        try:
            result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI thread
            error = describe_exception(exc)
            if not error.environmental:
                log.error("background task failed\n%s", error.details)
            self._relay.done.emit(self._token, None, error)
            return
        self._relay.done.emit(self._token, result, None)


class TaskRunner(QObject):
    """Runs functions on a private thread pool and calls back on the GUI thread."""

    def __init__(self, max_threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.done.connect(self._deliver)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[TaskError], None]]] = {}
        self._next = 0
        _RUNNERS.add(self)

    def submit(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[TaskError], None] | None = None,
    ) -> int:
        """Run ``fn()`` on a worker; ``on_success(result)`` or ``on_failure(error)`` on the GUI
        thread afterwards. Returns a token identifying the task."""
        self._next += 1
        token = self._next
        self._callbacks[token] = (on_success, on_failure or _log_failure)
        self._pool.start(_Job(token, fn, self._relay))
        return token

    @Slot(object, object, object)
    def _deliver(self, token: int, result: Any, error: TaskError | None) -> None:
        on_success, on_failure = self._callbacks.pop(token)
        if error is None:
            on_success(result)
        else:
            on_failure(error)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every submitted task finished (shutdown and tests only)."""
        return self._pool.waitForDone(msecs)

    @property
    def active(self) -> int:
        return self._pool.activeThreadCount()


def _log_failure(error: TaskError) -> None:
    log.warning("background task failed: %s", error.message)


class SnapshotFeed(QObject):
    """Recomputes one snapshot on a timer, never two at once, and reports each result.

    Attributes:
        snapshot_ready: emitted on the GUI thread with the new snapshot.
        failed: emitted with a ``TaskError`` when a refresh fails (the last snapshot stays).
    """

    snapshot_ready = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        compute: Callable[[], Any],
        interval_s: float,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._compute = compute
        self._busy = False
        self._pending = False
        self.last_success: float | None = None
        self.last_duration_ms: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(max(100, int(interval_s * 1000)))
        self._timer.timeout.connect(self.refresh)

    def set_compute(self, compute: Callable[[], Any]) -> None:
        """Change what is computed (new filter, new period) and refresh now."""
        self._compute = compute
        self.refresh()

    def start(self) -> None:
        self._timer.start()
        self.refresh()

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def refresh(self) -> None:
        if self._busy:
            self._pending = True  # coalesce: one more run after this one, not a pile-up
            return
        self._busy = True
        started = time.perf_counter()
        compute = self._compute

        def done(result: Any) -> None:
            self._finish(started)
            self.snapshot_ready.emit(result)

        def fail(error: TaskError) -> None:
            self._finish(None)
            self.failed.emit(error)

        self._runner.submit(compute, done, fail)

    def _finish(self, started: float | None) -> None:
        self._busy = False
        if started is not None:
            self.last_success = time.time()
            self.last_duration_ms = (time.perf_counter() - started) * 1000
        if self._pending:
            self._pending = False
            QTimer.singleShot(0, self.refresh)
