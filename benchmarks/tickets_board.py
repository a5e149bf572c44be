"""Ticket board at scale: load, search keystroke, sort, memory; and CSV import throughput.

Prints one JSON line::

    {"open_tickets": ..., "load_ms": ..., "full_index_ms": ..., "filter_keystroke_ms": ...,
     "sort_ms": ..., "rss_mb": ..., "filter_keystroke_cpu_ms": ..., "sort_cpu_ms": ...,
     "load_average": ..., "import_rows": ..., "import_s": ..., "import_rows_per_s": ...}

- load_ms: from opening the board (``TicketsView.attach``) to its first painted rows;
- full_index_ms: until every open ticket is in the in-memory index (search, sort, filters);
- filter_keystroke_ms: median time from a key press in the search box to the repainted view;
- sort_ms: median time to sort by the priority column and repaint;
- rss_mb: the board process's peak resident memory;
- *_cpu_ms: the same medians in this process's CPU time, and the machine's 1-minute load
  average: on a shared machine the wall-clock figures also count waiting for a free core;
- import_*: a generated 100,000-row CSV imported into a fresh demo database (own process).

The board runs offscreen against ``--database`` or the demo database of ``--scale``
(``/tmp/proximity-<scale>.db``, generated first when missing: minutes for "large"). It only
reads that database; the import writes to a temporary one.

    python benchmarks/tickets_board.py --scale large [--database URL] [--import-rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KEYSTROKES = ("mar", "anna", "refund", "0791", "#12")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def ensure_demo(scale: str, url: str | None) -> str:
    """The database URL to read, generating the demo database when there is none."""
    from db import migrate
    from db.engine import Database, sqlite_url

    if url:
        return url
    path = Path(tempfile.gettempdir()) / f"proximity-{scale}.db"
    if not path.exists():
        from desktop.sources.demo import generate_demo

        print(f"generating the {scale} demo database at {path} (once)…", file=sys.stderr)
        db = Database(sqlite_url(path))
        migrate.upgrade(db.engine)
        generate_demo(db, scale=scale)
        db.dispose()
    return sqlite_url(path)


def measure_board(url: str) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="proximity-bench-")
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMainWindow

    from db.engine import Database
    from db.queries.people import default_demo_actor
    from desktop.config import load_settings
    from desktop.core.identity import unknown_actor
    from desktop.live.tasks import TaskRunner
    from desktop.ui.context import ViewContext
    from desktop.ui.theme import apply_theme
    from desktop.ui.tickets_board_data import Col
    from desktop.ui.tickets_view import TicketsView

    app = QApplication.instance() or QApplication([])
    apply_theme(app, "light")
    db = Database(url)
    with db.read() as session:
        actor = default_demo_actor(session) or unknown_actor("bench")
    settings = load_settings(cli={"database.url": url}, env={})
    runner = TaskRunner(3)
    ctx = ViewContext(runner, db, actor, settings, True)
    window = QMainWindow()
    view = TicketsView()
    window.setCentralWidget(view)
    window.resize(1600, 950)
    window.show()
    app.processEvents()

    def wait(condition, timeout_s: float = 600.0) -> None:  # type: ignore[no-untyped-def]
        end = time.perf_counter() + timeout_s
        while not condition():
            if time.perf_counter() > end:
                raise TimeoutError("the board did not load")
            loop = QEventLoop()
            QTimer.singleShot(2, loop.quit)
            loop.exec()

    viewport = view.table.viewport()
    started = time.perf_counter()
    view.attach(ctx)
    wait(lambda: view.is_loaded and view.model.rowCount() > 0)
    viewport.repaint()
    load_ms = (time.perf_counter() - started) * 1000
    wait(lambda: view._full)
    full_ms = (time.perf_counter() - started) * 1000
    view.feed.stop()  # no refresh in the middle of the timings
    runner.wait()

    # Wall time is the figure; this process's CPU time is printed beside it because on a
    # shared, loaded machine the wall time also counts waiting for a core.
    keystrokes: list[float] = []
    keystrokes_cpu: list[float] = []
    for word in KEYSTROKES:
        for key in [*word, *[Qt.Key.Key_Backspace] * len(word)]:
            t0, c0 = time.perf_counter(), time.process_time()
            QTest.keyClick(view.filters.search, key)
            viewport.repaint()
            keystrokes.append((time.perf_counter() - t0) * 1000)
            keystrokes_cpu.append((time.process_time() - c0) * 1000)

    sorts: list[float] = []
    sorts_cpu: list[float] = []
    for i in range(8):
        order = Qt.SortOrder.DescendingOrder if i % 2 == 0 else Qt.SortOrder.AscendingOrder
        t0, c0 = time.perf_counter(), time.process_time()
        view.table.sortByColumn(int(Col.PRIORITY), order)
        viewport.repaint()
        sorts.append((time.perf_counter() - t0) * 1000)
        sorts_cpu.append((time.process_time() - c0) * 1000)
    result = {
        "open_tickets": view.model.total_count(),
        "load_ms": round(load_ms, 1),
        "full_index_ms": round(full_ms, 1),
        "filter_keystroke_ms": round(statistics.median(keystrokes), 2),
        "sort_ms": round(statistics.median(sorts), 2),
        "rss_mb": round(_peak_rss_mb(), 1),
        "filter_keystroke_cpu_ms": round(statistics.median(keystrokes_cpu), 2),
        "sort_cpu_ms": round(statistics.median(sorts_cpu), 2),
        "load_average": round(os.getloadavg()[0], 2),
    }
    view.detach()
    runner.wait()
    db.dispose()
    return result


def write_import_csv(path: Path, rows: int, queues: list[str], seed: int = 11) -> None:
    """A Proximity-layout export: ``rows`` tickets of about rows * 0.6 customers."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    customers = max(1, int(rows * 0.6))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "external_id",
                "subject",
                "created_at",
                "status",
                "priority",
                "queue",
                "customer_external_id",
                "customer_name",
                "customer_phone",
                "customer_email",
                "first_response_at",
                "solved_at",
            ]
        )
        for i in range(rows):
            c = rng.randrange(customers)
            created = now - timedelta(minutes=rng.randrange(30, 60 * 24 * 30))
            answered = min(created + timedelta(minutes=rng.randrange(5, 600)), now)
            status = rng.choice(("new", "open", "pending", "on hold", "solved"))
            area = rng.choice((212, 312, 415, 617, 646))
            writer.writerow(
                [
                    f"BENCH-{i}",
                    f"Order {i}: delivery question",
                    created.isoformat(),
                    status,
                    rng.choice(("low", "normal", "high", "urgent")),
                    rng.choice(queues),
                    f"C{c}",
                    f"Customer {c}",
                    f"({area}) {200 + c % 800:03d}-{c % 10000:04d}",
                    f"customer{c}@example.com",
                    answered.isoformat() if i % 3 or status == "solved" else "",
                    answered.isoformat() if status == "solved" else "",
                ]
            )


def measure_import(rows: int) -> dict[str, float]:
    """Import ``rows`` generated tickets into a fresh tiny demo database (this process)."""
    from sqlalchemy import select

    from db import migrate
    from db.engine import Database, sqlite_url
    from db.models import Queue
    from db.queries.people import default_demo_actor
    from desktop.sources.csv_import import ImportOptions, import_tickets
    from desktop.sources.demo import generate_demo

    work = Path(tempfile.mkdtemp(prefix="proximity-import-bench-"))
    db = Database(sqlite_url(work / "import.db"))
    migrate.upgrade(db.engine)
    generate_demo(db, scale="tiny")
    with db.read() as session:
        queues = list(session.scalars(select(Queue.name)))
        actor = default_demo_actor(session)
    path = work / "tickets.csv"
    write_import_csv(path, rows, queues)
    started = time.perf_counter()
    report = import_tickets(db, path, actor, ImportOptions(region="US"))
    seconds = time.perf_counter() - started
    if not report.written or report.created != rows:
        raise SystemExit(f"import benchmark failed: {report.format(5)}")
    db.dispose()
    return {
        "import_rows": rows,
        "import_s": round(seconds, 2),
        "import_rows_per_s": round(rows / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=["small", "large"], default="large")
    parser.add_argument("--database", default=None, help="read this database instead")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--import-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:
        print(json.dumps(measure_import(args.import_rows)))
        return
    result = measure_board(ensure_demo(args.scale, args.database))
    if args.import_rows:
        # Its own process, so the import's memory does not count as the board's.
        out = subprocess.run(
            [sys.executable, __file__, "--import-only", "--import-rows", str(args.import_rows)],
            check=True,
            capture_output=True,
            text=True,
        )
        result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
    # Skip interpreter teardown: Qt objects collected after QApplication is gone can crash
    # it, which would only hide the printed figures behind a failing exit status.
    os._exit(0)
