"""Recording send outcomes on a thread of their own, in batches.

The sender never waits for the database between two messages: it hands each outcome over
and goes on with the next HTTP call, while this thread writes the outcomes in small batches
(one transaction each). Until an outcome is written its row stays "sending", which is safe:
nothing resends such a row without first asking Twilio whether it already has the message.
A database error (locked, gone) keeps the batch in memory and tries again with back-off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from db.errors import DatabaseError
from desktop.notify.records import SendOutcome

log = logging.getLogger(__name__)

_RETRY_FIRST_S = 0.2
_RETRY_MAX_S = 5.0


class Recorder:
    """A writer thread: ``put`` outcomes, ``flush`` to wait until they are written.

    Args:
        write: writes one batch in one transaction (raises ``DatabaseError`` on failure).
        every: most outcomes per transaction.
        every_s: longest an outcome waits for its batch to fill.
    """

    def __init__(
        self,
        write: Callable[[list[SendOutcome]], None],
        every: int = 100,
        every_s: float = 0.5,
    ) -> None:
        self._write = write
        self._every = max(1, every)
        self._every_s = every_s
        self._items: list[SendOutcome] = []
        self._cond = threading.Condition()
        self._busy = False
        self._flush_wanted = False
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="notify-recorder", daemon=True)
        self._thread.start()

    @property
    def backlog(self) -> int:
        """Outcomes not written yet (including a batch being written)."""
        with self._cond:
            return len(self._items) + (1 if self._busy else 0)

    def put(self, outcome: SendOutcome) -> None:
        with self._cond:
            self._items.append(outcome)
            if len(self._items) >= self._every:
                self._cond.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        """Write everything handed over so far; False when the database refused in time."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._flush_wanted = True
            self._cond.notify_all()
            while self._items or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            self._flush_wanted = False
            return True

    def stop(self, timeout: float = 30.0) -> bool:
        """Flush, then end the thread; returns whether everything was written."""
        done = self.flush(timeout)
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout)
        return done

    def _take(self) -> list[SendOutcome] | None:
        """The next batch, waiting for it to fill (or a flush); None when stopped."""
        with self._cond:
            oldest = time.monotonic()
            while True:
                if self._stopped and not self._items:
                    return None
                full = len(self._items) >= self._every
                aged = self._items and time.monotonic() - oldest >= self._every_s
                if self._items and (full or aged or self._flush_wanted or self._stopped):
                    batch = self._items[: self._every]
                    del self._items[: self._every]
                    self._busy = True
                    return batch
                if not self._items:
                    oldest = time.monotonic()
                    self._cond.wait(self._every_s)
                else:
                    self._cond.wait(max(0.0, self._every_s - (time.monotonic() - oldest)))

    def _run(self) -> None:
        delay = _RETRY_FIRST_S
        while True:
            batch = self._take()
            if batch is None:
                return
            try:
                self._write(batch)
                delay = _RETRY_FIRST_S
            except DatabaseError as exc:
                log.warning(
                    "results of %d send(s) not recorded yet: %s", len(batch), exc.user_message
                )
                with self._cond:
                    self._items[:0] = batch  # keep the order; try again after a pause
                    self._busy = False
                    self._cond.notify_all()
                    if self._stopped:
                        return
                    self._cond.wait(delay)
                delay = min(_RETRY_MAX_S, delay * 2)
                continue
            except Exception:
                log.exception("recording %d send result(s) failed", len(batch))
            with self._cond:
                self._busy = False
                self._cond.notify_all()
