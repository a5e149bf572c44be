"""Live refresh: how long the queues and workload snapshots take, and how still the GUI stays.

Prints one JSON line::

    {"queues_refresh_ms": ..., "workload_refresh_ms": ..., "max_gui_stall_ms": ...,
     "p99_gui_stall_ms": ...}

- ``*_refresh_ms``: median of 20 computations of each view's snapshot (the function its
  feed runs on the worker), on the demo database of ``--scale``; the workload is the default
  demo team lead's (the person the app signs in as on the demo database).
- ``*_gui_stall_ms``: the longest and the 99th-percentile gap between ticks of a 5 ms timer
  on the GUI thread while both views (offscreen, side by side in a 1920 x 1000 window)
  refresh every 2 s for 60 s, their worker queries, diff updates and repaints included.

    python benchmarks/live_refresh.py --scale large   # builds /tmp/proximity-large.db once

Details (all-teams workload, per-run timings) go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.live_db import build_or_reuse, demo_now  # noqa: E402


def _median_ms(fn, runs: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    """Median wall-clock ms of ``runs`` calls, and each run's (wall, CPU) ms."""
    times = []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.thread_time()
        fn()
        times.append(((time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000))
    return statistics.median(t[0] for t in times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=("tiny", "small", "large"))
    parser.add_argument("--path", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--no-settle",
        action="store_true",
        help="skip the app's heap settling after the first load (to measure its effect)",
    )
    args = parser.parse_args()

    from db.engine import Database, sqlite_url
    from db.queries.people import default_demo_actor
    from db.queries.workload import team_choices
    from desktop.core.intraday import TimeWindow
    from desktop.ui.queues_view import compute_queues
    from desktop.ui.workload_view import compute_workload

    path = build_or_reuse(args.scale, args.path)
    db = Database(sqlite_url(path))
    frozen = demo_now(db)
    with db.read() as session:
        actor = default_demo_actor(session)
        all_teams = tuple(t.team_id for t in team_choices(session))
    assert actor is not None
    started = time.monotonic()

    def now():  # type: ignore[no-untyped-def]
        return frozen + timedelta(seconds=time.monotonic() - started)

    queues_ms, queue_runs = _median_ms(lambda: compute_queues(db, now, TimeWindow.TODAY), args.runs)
    first = compute_workload(db, now, actor.team_ids, None)
    focus = max(first.agents, key=lambda a: a.weighted_load).employee_id if first.agents else None
    workload_ms, workload_runs = _median_ms(
        lambda: compute_workload(db, now, actor.team_ids, focus), args.runs
    )
    everyone_ms, _ = _median_ms(lambda: compute_workload(db, now, all_teams, focus), 5)

    def cpu(runs: list[tuple[float, float]]) -> float:
        return statistics.median(t[1] for t in runs)

    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
        f"queues runs (wall ms): {[round(t[0]) for t in queue_runs]}, median CPU "
        f"{cpu(queue_runs):.0f} ms\n"
        f"workload runs (wall ms), {len(first.agents)} agents of {actor.label}: "
        f"{[round(t[0]) for t in workload_runs]}, median CPU {cpu(workload_runs):.0f} ms\n"
        f"workload of all {len(all_teams)} teams: median {everyone_ms:.0f} ms",
        file=sys.stderr,
    )
    stall_max, stall_p99, ticks = measure_gui(db, actor, now, args.seconds, not args.no_settle)
    print(f"GUI timer ticks: {ticks}", file=sys.stderr)
    print(
        json.dumps(
            {
                "queues_refresh_ms": round(queues_ms, 1),
                "workload_refresh_ms": round(workload_ms, 1),
                "max_gui_stall_ms": round(stall_max, 1),
                "p99_gui_stall_ms": round(stall_p99, 1),
            }
        )
    )
    db.dispose()


def measure_gui(db, actor, now, seconds: float, settle: bool) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """Both views refreshing every 2 s; the gaps of a 5 ms timer on the GUI thread."""
    from desktop.ui.pyside_workarounds import immortalise_singletons

    # PySide6 6.12 on Python 3.11 drops a reference to None on every void call: without
    # this a GUI refreshing for a minute aborts ("none_dealloc"). The app does the same.
    immortalise_singletons()
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QSplitter

    from desktop.config import load_settings
    from desktop.live.tasks import TaskRunner
    from desktop.ui.context import ViewContext
    from desktop.ui.queues_view import QueuesView
    from desktop.ui.theme import Theme, apply_theme
    from desktop.ui.workload_view import WorkloadView

    app = QApplication.instance() or QApplication([])
    apply_theme(app, Theme.LIGHT)
    runner = TaskRunner(max_threads=3)
    settings = load_settings(env={}, frozen_dir=Path("/nonexistent"))
    ctx = ViewContext(runner, db, actor, settings, True, now)
    # Both views on screen side by side: both repaint on every refresh.
    window = QSplitter()
    queues, workload = QueuesView(), WorkloadView()
    window.addWidget(queues)
    window.addWidget(workload)
    window.resize(1920, 1000)
    window.show()
    # Load first (start-up is not refresh), then measure the steady state.
    loaded = QEventLoop()
    waiting = {queues.view_id, workload.view_id}

    def done(view_id: str) -> None:
        waiting.discard(view_id)
        if not waiting:
            loaded.quit()

    queues.loaded.connect(lambda: done(queues.view_id))
    workload.loaded.connect(lambda: done(workload.view_id))
    queues.attach(ctx)
    workload.attach(ctx)
    QTimer.singleShot(180_000, loaded.quit)
    loaded.exec()
    if settle:  # as the app does once its first view has loaded
        from desktop.live.heap import settle_after_startup

        print(f"heap settled: {settle_after_startup()} objects frozen", file=sys.stderr)
    # Let both refresh once before measuring: the first paint of a view (style sheet
    # polish, first layout, first chart) is start-up, which benchmarks/startup.py measures.
    warm = QEventLoop()
    QTimer.singleShot(4000, warm.quit)
    warm.exec()
    gaps: list[float] = []
    worst: list[tuple[float, float]] = []  # (gap ms, seconds into the measurement)
    began = time.monotonic()
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(5)

    def tick() -> None:
        if clock.isValid():
            gap = clock.nsecsElapsed() / 1e6
            gaps.append(gap)
            if gap > 30:
                worst.append((gap, time.monotonic() - began))
        clock.restart()

    timer.timeout.connect(tick)
    cpu_before = time.thread_time()
    timer.start()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    timer.stop()
    gui_cpu = time.thread_time() - cpu_before
    queues.detach()
    workload.detach()
    runner.wait(60_000)
    gaps.sort()
    p99 = gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))]
    worst.sort(reverse=True)
    print(
        "longest gaps (ms @ s): "
        + ", ".join(f"{g:.0f} @ {t:.1f}" for g, t in worst[:8])
        + f"\nGUI thread CPU: {gui_cpu:.1f} s of {seconds:.0f} s "
        f"(timer ticks, diff updates, repaints); load average {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    return gaps[-1], p99, len(gaps)


if __name__ == "__main__":
    main()
