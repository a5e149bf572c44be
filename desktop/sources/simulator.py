"""The live demo simulator: keeps the embedded demo database moving while the app runs.

Contacts arrive on each queue's intraday curve and are answered or abandoned, agents log in,
take breaks and log off around their shifts, tickets are created, answered, solved and
surveyed: a team lead opening Proximity on a fresh machine sees the queues move.

Setting ``demo.simulator``: ``auto`` (on for the demo database only), ``on`` or ``off``. The
simulator runs on its own thread, one small write transaction per tick; a locked database
(another program writing) costs one tick, never the thread.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from db.engine import Database
from db.errors import DatabaseError
from db.models import Contact, Customer
from desktop.sources.simulator_model import (
    AgentProfile,
    QueueProfile,
    load_agents,
    load_queues,
    lognormal_around,
)
from desktop.sources.simulator_step import (
    PlannedEnd,
    SimMemory,
    StepReport,
    simulate_step,
)

if TYPE_CHECKING:
    from desktop.bootstrap import AppContext
    from desktop.config import Settings

log = logging.getLogger(__name__)

DEFAULT_TICK_SECONDS = 2.0
PROFILE_REFRESH = timedelta(minutes=15)  # a new local day needs that day's curve


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DemoSimulator:
    """Drives the demo database; ``step`` is one tick, ``start``/``stop`` run it on a thread.

    Args:
        db: the demo database.
        seed: random seed (tests); None for a different demo each run.
        clock: the current time.
        tick_seconds: real seconds between ticks.
    """

    name = "demo simulator"

    def __init__(
        self,
        db: Database,
        seed: int | None = None,
        clock: Callable[[], datetime] = _utc_now,
        tick_seconds: float = DEFAULT_TICK_SECONDS,
    ) -> None:
        self.db = db
        self.rng = random.Random(seed)
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.memory = SimMemory()
        self.queues: list[QueueProfile] = []
        self.agents: list[AgentProfile] = []
        self.customers: tuple[int, int] = (1, 0)
        self.last_tick: datetime | None = None
        self.profiles_at: datetime | None = None
        self.ticks = 0
        self.failures = 0
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # One tick ------------------------------------------------------------------------------
    def prepare(self, now: datetime) -> None:
        """Read the queue and agent profiles, and pick up contacts left in progress."""
        with self.db.read() as session:
            self.queues = load_queues(session, now)
            self.agents = load_agents(session)
            low, high = session.execute(select(func.min(Customer.id), func.max(Customer.id))).one()
            self.customers = (low or 1, high or 0)
            handle = {q.queue_id: q for q in self.queues}
            in_progress = session.execute(
                select(Contact.id, Contact.queue_id, Contact.agent_id, Contact.answered_at).where(
                    Contact.enqueued_at >= now - timedelta(days=2),
                    Contact.answered_at.is_not(None),
                    Contact.ended_at.is_(None),
                )
            ).all()
        memory = self.memory.copy()
        for contact_id, queue_id, agent_id, answered in in_progress:
            profile = handle.get(queue_id)
            if profile is None or agent_id is None or contact_id in memory.ends:
                continue
            talk = lognormal_around(self.rng, profile.talk_s)
            wrap = lognormal_around(self.rng, profile.wrap_s)
            end = answered + timedelta(seconds=talk + wrap)
            memory.ends[contact_id] = PlannedEnd(agent_id, end, talk, 0.0, wrap)
        self.memory = memory
        self.profiles_at = now

    def step(self, now: datetime | None = None) -> StepReport | None:
        """Advance to ``now`` in one write transaction.

        Returns:
            What the tick did, or None when the database refused it (locked, gone); the
            memory is then left as it was, so the next tick carries on consistently.
        """
        now = now or self.clock()
        try:
            if self.profiles_at is None or now - self.profiles_at >= PROFILE_REFRESH:
                self.prepare(now)
            since = self.last_tick or now
            memory = self.memory.copy()
            with self.db.write() as session:
                report = simulate_step(
                    session, self.queues, self.agents, memory, self.rng, since, now, self.customers
                )
        except DatabaseError as exc:
            self.failures += 1
            self.last_error = exc.user_message
            log.info("demo simulator skipped a tick: %s", exc.user_message)
            return None
        self.memory = memory
        self.last_tick = now
        self.ticks += 1
        self.last_error = None
        return report

    # Thread --------------------------------------------------------------------------------
    def start(self) -> DemoSimulator:
        """Run ticks on a daemon thread until ``stop``; returns self (the service handle)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="demo-simulator", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # a bug in one tick must not end the demo
                self.failures += 1
                log.exception("demo simulator tick failed")
            self._stop.wait(self.tick_seconds)

    def stop(self) -> None:
        """Stop after the tick in progress and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def simulator_wanted(setting: str, is_demo: bool) -> bool:
    """``demo.simulator``: on, off, or auto = on for the demo database only."""
    if setting == "on":
        return True
    if setting == "off":
        return False
    return is_demo


def start_simulator(settings: Settings, app: AppContext) -> DemoSimulator | None:
    """Service starter (desktop/services.py): run the simulator when the setting wants it.

    Args:
        settings: the effective ``Settings``.
        app: the ``AppContext`` (its ``db`` and ``is_demo``).
    """
    if not simulator_wanted(str(settings["demo.simulator"]), app.is_demo):
        return None
    simulator = DemoSimulator(app.db)
    # Contacts answered before the app was closed are finished off rather than left hanging.
    with simulator.db.write() as session:
        session.execute(
            update(Contact)
            .where(
                Contact.answered_at.is_not(None),
                Contact.ended_at.is_(None),
                Contact.enqueued_at < _utc_now() - timedelta(days=2),
            )
            .values(ended_at=Contact.answered_at)
        )
    return simulator.start()
