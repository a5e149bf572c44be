"""A tiny demo database and a view context for the live views' tests (queues, workload).

Import the fixtures into a test module (``from tests.ui.live_demo import ...``); the demo is
built once per module and each test gets its own copy, so actions never leak between tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db import migrate
from db.engine import Database, sqlite_url
from db.queries.people import default_demo_actor
from desktop.config import load_settings
from desktop.live.tasks import TaskRunner
from desktop.ui.context import ViewContext

DEMO_NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday afternoon


@pytest.fixture(scope="module")
def tiny_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny demo, generated once per test module."""
    from desktop.sources.demo import generate_demo

    path = tmp_path_factory.mktemp("live-demo") / "demo.db"
    db = Database(sqlite_url(path))
    migrate.upgrade(db.engine)
    generate_demo(db, scale="tiny", seed=3, now=DEMO_NOW)
    raw = db.engine.raw_connection()
    try:  # outside a transaction: fold the WAL in, so copying the one file copies everything
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    db.dispose()
    return path


@pytest.fixture
def demo_db(tiny_demo_file: Path, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the tiny demo."""
    path = tmp_path / "demo.db"
    shutil.copyfile(tiny_demo_file, path)
    db = Database(sqlite_url(path))
    yield db
    db.dispose()


@pytest.fixture
def live_ctx(demo_db: Database, tmp_path: Path, qapp) -> Iterator[ViewContext]:  # type: ignore[no-untyped-def]
    """A view context on the demo copy: a team lead, the clock stopped at the demo's now."""
    with demo_db.read() as session:
        actor = default_demo_actor(session)
    assert actor is not None
    runner = TaskRunner()
    settings = load_settings(env={}, frozen_dir=tmp_path)
    yield ViewContext(runner, demo_db, actor, settings, True, lambda: DEMO_NOW)
    runner.wait(10_000)
