"""The dispatcher's claim-and-send loop: each batch is claimed while the one before is sent.

The dispatcher decides when sending may go on (lock held, not paused, not stopping) and
records the outcomes; this module does the sending: claim a batch (committed before its
first send), send each message through the gateway, hand each outcome to the dispatcher's
recorder thread, and meanwhile claim the next batch on a helper thread so the sender does not
wait for the database between two batches. A claimed batch that is not sent (stopping,
paused, lease lost, claim gone stale) is given back; ids the database would not take back
are kept and given back at the next chance.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor as ClaimerPool
from datetime import datetime, timedelta

from db.engine import Database
from db.errors import DatabaseError
from desktop.notify.outbox import Claimed, ClaimOutcome, claim_due, release
from desktop.notify.recorder import Recorder
from desktop.notify.records import SendOutcome
from desktop.notify.rules import RetryRules
from desktop.notify.throttle import Throttle
from desktop.notify.twilio_errors import ErrorClass
from desktop.notify.twilio_gateway import TwilioGateway

log = logging.getLogger(__name__)


class BatchSender:
    """Claims due outbox rows in batches and sends them; outcomes go to a recorder.

    Args:
        db: the database.
        holder: the claim holder (the dispatcher's lock holder id as text).
        clock: the time source.
        stopping: set when the dispatcher stops (a throttle wait then ends at once).
        gateway: the calling thread's Twilio gateway; None in record-only mode.
        rules: the retry rules in force (they follow the policy, so they can change).
        may_send: whether sending may go on (checked before each claim and each send).
        batch_size: most rows per claim.
        claim_ttl_s: a claim older than this is given back instead of sent.
        record_only: claims record everything but the send.
    """

    def __init__(
        self,
        db: Database,
        holder: str,
        clock: Callable[[], datetime],
        stopping: threading.Event,
        *,
        gateway: Callable[[], TwilioGateway | None],
        rules: Callable[[], RetryRules],
        may_send: Callable[[], bool],
        batch_size: int,
        claim_ttl_s: float,
        record_only: bool,
    ) -> None:
        self._db = db
        self._holder = holder
        self._clock = clock
        self._gateway = gateway
        self._rules = rules
        self._may_send = may_send
        self._batch_size = batch_size
        self._claim_ttl = timedelta(seconds=claim_ttl_s)
        self._record_only = record_only
        self._unreleased: list[int] = []
        self._recorder: Recorder | None = None
        self._throttle = Throttle(stopping)
        self._claimer = ClaimerPool(1, thread_name_prefix="notify-claimer")

    def start(self, recorder: Recorder) -> None:
        """Hand the outcome of every send to ``recorder`` from now on (before the first claim)."""
        self._recorder = recorder

    def stop(self) -> None:
        """Shut the claimer thread down, once no ``claim_and_send`` runs any more."""
        self._claimer.shutdown(wait=True)  # a tick collects its claim ahead before it ends

    def _claim(self) -> ClaimOutcome:
        return claim_due(self._db, self._holder, self._clock(), self._batch_size, self._record_only)

    def claim_and_send(self) -> None:
        """Claim and send batches while rows are due.

        The next batch is claimed on the claimer thread while this one is sent, so the
        sender does not wait for the database between two batches. Every claim is committed
        before its first send all the same; a claimed batch that is not sent (stopping,
        paused, lease lost) is given back.
        """
        outcome = self._claim() if self._may_send() else None
        while outcome is not None and not outcome.empty:
            ahead = self._claimer.submit(self._claim) if self._may_send() else None
            finished = False
            try:
                finished = self._send_batch(outcome.to_send) if outcome.to_send else True
            finally:
                outcome = self._take_ahead(ahead, finished)

    def _take_ahead(self, ahead: Future[ClaimOutcome] | None, keep: bool) -> ClaimOutcome | None:
        """The batch claimed ahead, or None: none, or given back (``keep`` False, or
        sending must not go on)."""
        if ahead is None:
            return None
        outcome = ahead.result()
        if keep and self._may_send():
            return outcome
        if outcome.to_send:
            self._give_back([row.notification_id for row in outcome.to_send])
        return None

    def _send_batch(self, rows: list[Claimed]) -> bool:
        """Send one claimed batch; outcomes go to the recorder thread as they come.

        Returns False when it stopped early (the unsent rest is given back).
        """
        gateway, recorder = self._gateway(), self._recorder
        assert gateway is not None and recorder is not None
        for index, row in enumerate(rows):
            stale = self._clock() - row.claimed_at > self._claim_ttl
            if stale or not self._may_send() or not self._throttle.wait():
                self._give_back([r.notification_id for r in rows[index:]])
                return False
            result = gateway.send_sms(row.to, row.body)
            recorder.put(SendOutcome(row, result, self._clock()))
            self._throttle.note(result.ok, result.http_status, result.error_code)
            if not result.ok and self._rules().classify(result) in (
                ErrorClass.DAILY_LIMIT_PAUSE,
                ErrorClass.CONFIGURATION,
            ):
                recorder.flush(timeout=10.0)  # learn of the pause before the next send
        return True

    def _give_back(self, ids: list[int]) -> None:
        try:
            release(self._db, self._holder, ids, self._clock())
        except DatabaseError as exc:
            log.warning("%d claimed message(s) not released yet: %s", len(ids), exc.user_message)
            self._unreleased.extend(ids)

    def flush_leftovers(self) -> None:
        """Give back claims an earlier database failure held back.

        Raises:
            DatabaseError: they still could not be given back (they are kept for next time).
        """
        if self._unreleased:
            ids, self._unreleased = self._unreleased, []
            try:
                release(self._db, self._holder, ids, self._clock())
            except DatabaseError:
                self._unreleased = ids + self._unreleased
                raise
