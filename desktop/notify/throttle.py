"""Slowing down when Twilio says "too many requests" (HTTP 429 / 20429).

A 429 is about the whole account, not one message: every send waits, with a back-off that
grows while refusals continue (full jitter, so several dispatchers by mistake do not retry in
step) and resets at the first accepted message.
"""

from __future__ import annotations

import logging
import threading
import time

from desktop.notify.twilio_errors import retry_delay

log = logging.getLogger(__name__)

TOO_MANY_REQUESTS = frozenset({429, 20429})


class Throttle:
    """Tracks 429s and makes the sender wait; ``wait`` returns early when stopping.

    Args:
        stopping: set when the dispatcher stops (a wait then ends at once).
        base_s / cap_s: back-off ceiling after the first refusal and at most.
    """

    def __init__(self, stopping: threading.Event, base_s: float = 1.0, cap_s: float = 30.0) -> None:
        self._stopping = stopping
        self._base, self._cap = base_s, cap_s
        self._until = 0.0
        self._count = 0

    def note(self, ok: bool, http_status: int | None, code: int | None) -> None:
        """Record one send's outcome."""
        if ok:
            self._count = 0
            return
        if http_status in TOO_MANY_REQUESTS or code in TOO_MANY_REQUESTS:
            self._count += 1
            delay = retry_delay(self._count, base=self._base, cap=self._cap)
            self._until = time.monotonic() + delay
            log.warning("Twilio is rate limiting; next send in %.1f s", delay)

    def wait(self) -> bool:
        """Wait out the current back-off; False when the dispatcher is stopping."""
        remaining = self._until - time.monotonic()
        if remaining > 0:
            return not self._stopping.wait(remaining)
        return True
