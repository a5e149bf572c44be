"""The live demo simulator on a copy of the tiny demo: the demo moves, stays consistent,
survives a locked database, and runs on its own thread only when the setting wants it."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import migrate
from db.engine import Database, sqlite_url
from db.models import AgentStateLog, Contact, CustomerSurvey, SourceStatus, Ticket
from desktop.bootstrap import AppContext
from desktop.config import load_settings
from desktop.core.identity import unknown_actor
from desktop.sources.simulator import DemoSimulator, simulator_wanted, start_simulator

DEMO_NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday afternoon


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from desktop.sources.demo import generate_demo

    path = tmp_path_factory.mktemp("sim") / "demo.db"
    db = Database(sqlite_url(path))
    migrate.upgrade(db.engine)
    generate_demo(db, scale="tiny", seed=5, now=DEMO_NOW)
    db.dispose()  # the last connection folds the WAL into the file
    return path


@pytest.fixture
def demo(tiny_file: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "demo.db"
    shutil.copyfile(tiny_file, path)
    db = Database(sqlite_url(path), busy_timeout_ms=200)
    yield db
    db.dispose()


def run(sim: DemoSimulator, start: datetime, steps: int, every: timedelta) -> dict[str, int]:
    totals: dict[str, int] = {}
    at = start
    for _ in range(steps):
        at += every
        report = sim.step(at)
        assert report is not None
        for key, value in vars(report).items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    return totals


def test_the_demo_moves_and_stays_consistent(demo: Database) -> None:
    sim = DemoSimulator(demo, seed=11)
    with demo.read() as s:
        contacts_before = s.scalar(select(func.count()).select_from(Contact))
        tickets_before = s.scalar(select(func.count()).select_from(Ticket))
    totals = run(sim, DEMO_NOW, 90, timedelta(minutes=2))  # three hours of afternoon
    assert totals["arrived"] > 5 and totals["answered"] > 5 and totals["ended"] > 0
    assert totals["state_changes"] > 0 and totals["tickets_created"] > 0
    assert totals["replies"] + totals["solved"] > 0
    with demo.read() as s:
        assert (
            s.scalar(select(func.count()).select_from(Contact))
            == contacts_before + totals["arrived"]
        )
        assert (
            s.scalar(select(func.count()).select_from(Ticket))
            == tickets_before + totals["tickets_created"]
        )
        # Nobody is in two states at once, nor on two contacts at once.
        current = s.execute(
            select(AgentStateLog.employee_id, func.count())
            .where(AgentStateLog.ended_at.is_(None))
            .group_by(AgentStateLog.employee_id)
        ).all()
        assert all(n == 1 for _e, n in current)
        talking = s.execute(
            select(Contact.agent_id, func.count())
            .where(Contact.answered_at.is_not(None), Contact.ended_at.is_(None))
            .group_by(Contact.agent_id)
        ).all()
        assert all(n == 1 for _a, n in talking)
        new = s.scalars(select(Contact).where(Contact.enqueued_at > DEMO_NOW)).all()
        for c in new:
            if c.answered_at is not None:
                assert c.wait_seconds is not None and c.wait_seconds >= 0
                assert c.answered_at >= c.enqueued_at
            if c.ended_at is not None:
                assert c.ended_at >= c.answered_at
                assert c.talk_seconds > 0
            assert not (c.answered_at and c.abandoned_at)
        # Busy agents are exactly those on a contact.
        busy = set(
            s.scalars(
                select(AgentStateLog.employee_id).where(
                    AgentStateLog.ended_at.is_(None), AgentStateLog.state == "busy"
                )
            )
        )
        assert busy == {a for a, _n in talking}
        status = s.get(SourceStatus, "demo simulator")
        assert status is not None and status.last_success_at is not None


def test_arrivals_follow_the_queues_intraday_curve(demo: Database) -> None:
    sim = DemoSimulator(demo, seed=1)
    sim.prepare(DEMO_NOW)
    for q in sim.queues:
        night = q.rate_per_second(DEMO_NOW.replace(hour=3))
        day = q.rate_per_second(DEMO_NOW.replace(hour=10, minute=30))
        assert day > night


def test_survives_a_locked_database(demo: Database, tmp_path: Path) -> None:
    sim = DemoSimulator(demo, seed=2)
    run(sim, DEMO_NOW, 10, timedelta(seconds=30))
    memory, last = sim.memory.copy(), sim.last_tick
    blocker = sqlite3.connect(tmp_path / "demo.db", timeout=0.1, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        assert sim.step(DEMO_NOW + timedelta(minutes=6)) is None
        assert sim.failures == 1 and "busy" in (sim.last_error or "")
        assert sim.memory == memory and sim.last_tick == last  # nothing half-remembered
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    report = sim.step(DEMO_NOW + timedelta(minutes=6, seconds=30))
    assert report is not None and sim.last_error is None


def test_runs_on_its_own_thread(demo: Database) -> None:
    ticked = threading.Event()
    calls: list[datetime] = []

    def clock() -> datetime:
        calls.append(DEMO_NOW + timedelta(seconds=30 * len(calls)))
        if len(calls) >= 3:
            ticked.set()
        return calls[-1]

    sim = DemoSimulator(demo, seed=3, clock=clock, tick_seconds=0.01).start()
    try:
        assert ticked.wait(20), "the simulator did not tick on its own"
        assert sim.running
    finally:
        sim.stop()
    assert not sim.running and sim.ticks >= 2


@pytest.mark.parametrize(
    ("setting", "is_demo", "wanted"),
    [("auto", True, True), ("auto", False, False), ("on", False, True), ("off", True, False)],
)
def test_setting(setting: str, is_demo: bool, wanted: bool) -> None:
    assert simulator_wanted(setting, is_demo) is wanted


def test_starter_honours_the_setting(demo: Database, tmp_path: Path) -> None:
    app = AppContext(demo, unknown_actor("x"), is_demo=False, generated_demo=False)
    auto = load_settings(env={}, frozen_dir=tmp_path)
    assert start_simulator(auto, app) is None  # a real site's database is never simulated
    forced = load_settings(cli={"demo.simulator": "on"}, env={}, frozen_dir=tmp_path)
    sim = start_simulator(forced, app)
    try:
        assert sim is not None and sim.running
    finally:
        if sim is not None:
            sim.stop()
    with demo.read() as s:
        assert s.scalar(select(func.count()).select_from(CustomerSurvey)) is not None


def test_after_a_long_pause_agents_log_out_when_their_shift_ended(demo: Database) -> None:
    later = DEMO_NOW + timedelta(hours=9)  # the app reopened in the evening
    sim = DemoSimulator(demo, seed=4)
    assert sim.step(later) is not None
    with demo.read() as s:
        current = {
            row.employee_id: row
            for row in s.scalars(select(AgentStateLog).where(AgentStateLog.ended_at.is_(None)))
        }
    checked = 0
    for agent in sim.agents:
        end = agent.last_shift_end(later)
        if agent.on_shift(later) or end is None or end <= DEMO_NOW:
            continue
        row = current[agent.employee_id]
        assert row.state == "offline"
        # Logged out around the end of the shift (up to 15 minutes of overtime), not now.
        assert end <= row.started_at <= end + timedelta(minutes=15)
        checked += 1
    assert checked > 0
