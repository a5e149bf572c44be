"""The start-up path loads only what the first painted view needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db import migrate
from db.engine import Database, sqlite_url

PROBE = """
import json, sys
import desktop.ui.view_base as view_base
from desktop.__main__ import main

# The modules loaded when the first figures have been painted (the probe's own mark is the
# first callback after that paint), not at exit: work that waits for the paint comes later.
at_first_paint = []
after_paints = view_base.after_pending_paints

def recording(parent, fn):
    def first():
        if not at_first_paint:
            at_first_paint.extend(sorted(sys.modules))
        fn()
    after_paints(parent, first)

view_base.after_pending_paints = recording
code = main(["--database", sys.argv[1], "--startup-probe"])
print("modules:", json.dumps(at_first_paint))
sys.exit(code)
"""

NOT_BEFORE_FIRST_PAINT = [
    "alembic",
    # The first figures are read with Core (db.tables): the ORM loads after they are shown.
    "sqlalchemy.orm",
    "db.models",
    # The chart's plotting library loads on a worker once the table has painted.
    "pyqtgraph",
    "desktop.ui.tickets_view",
    "desktop.ui.workload_view",
    "desktop.ui.notifications_view",
    "desktop.ui.supervisor_view",
    "twilio",
    "apscheduler",
    "phonenumbers",
    "reportlab",
]


@pytest.mark.slow
def test_startup_probe_loads_only_the_first_view(tmp_path: Path) -> None:
    from desktop.sources.demo import generate_demo

    path = tmp_path / "demo.db"
    db = Database(sqlite_url(path))
    migrate.upgrade(db.engine)
    generate_demo(db, scale="tiny", seed=3, now=datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    db.dispose()
    root = Path(__file__).resolve().parents[2]
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(root),
        # Its own settings: other tests leave another "last view" behind.
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, sqlite_url(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    marks = json.loads(next(ln for ln in lines if ln.startswith("startup-probe: "))[15:])
    assert marks["window_built"] <= marks["database_ready"] <= marks["first_data"]
    modules = set(json.loads(next(ln for ln in lines if ln.startswith("modules: "))[9:]))
    assert "desktop.ui.queues_view" in modules
    loaded = [m for m in NOT_BEFORE_FIRST_PAINT if m in modules]
    assert loaded == []
