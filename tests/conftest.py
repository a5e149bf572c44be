"""Shared fixtures: a real SQLite file and the real PostgreSQL server run the same tests.

PostgreSQL variants run when PROXIMITY_TEST_POSTGRES_URL is set (CI sets it) and fail if the
server is unreachable; without it they are skipped with a visible reason.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Qt or platformdirs: no screen needed, and no test touches the real
# user's data, config or QSettings.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SANDBOX = Path(tempfile.mkdtemp(prefix="proximity-tests-"))
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_SANDBOX / _var.lower())
os.environ.pop("PROXIMITY_CONFIG", None)
os.environ.pop("PROXIMITY_DATABASE_URL", None)

import pytest  # noqa: E402

import desktop.ui  # noqa: E402, F401 - Qt with its import-hook workaround, as the app loads it
from db import migrate  # noqa: E402
from db.engine import Database, sqlite_url  # noqa: E402
from db.scratch import scratch_schema  # noqa: E402

POSTGRES_ENV = "PROXIMITY_TEST_POSTGRES_URL"

pytest_plugins = (
    ["tests.fakes.fixtures"] if (Path(__file__).parent / "fakes/fixtures.py").exists() else []
)


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """An empty SQLite file database, upgraded to the latest schema."""
    db = Database(sqlite_url(tmp_path / "proximity.db"))
    migrate.upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def postgres_db() -> Iterator[Database]:
    """A private schema on the test PostgreSQL server, upgraded to the latest schema."""
    base = postgres_url()
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (CI sets it)")
    with scratch_schema(base) as db:  # an unreachable server fails here, loudly
        migrate.upgrade(db.engine)
        yield db


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_db" if request.param == "sqlite" else "postgres_db"
    return request.getfixturevalue(name)


@pytest.fixture(autouse=True)
def _no_leaked_tasks() -> Iterator[None]:
    """Fail a test that leaves a background task running (napari's habit)."""
    yield
    import sys

    if "desktop.live.tasks" in sys.modules:
        from desktop.live.tasks import wait_for_all_runners

        assert wait_for_all_runners(10_000), "a background task was still running"
