"""Startup: process start to the first painted main window with data, against a bare window.

Prints one JSON line: {"startup_s": ..., "bare_qt_s": ..., "ratio": ...}. Both are measured in
the same run, offscreen, as the median of several cold process starts (taken in turns), from
launching the process to the moment it reports its window painted: the app once the view on
screen has painted its first data from the database (``--startup-probe``), the bare window
(a PySide6 window that imports pyqtgraph) once it has painted. Both report after the repaint
itself: a zero-time timer would fire before Qt's low-priority repaint request.

Also reported: "startup_cpu_s" and "bare_qt_cpu_s", the CPU seconds (all threads) each had
used by then, which vary less with the machine's load than the wall-clock times; the whole
process lifetimes (tear-down included), "startup_exit_s" and "bare_exit_s"; and "stages_s",
the app's start by stage (medians, seconds from launch): the window built (with the view it
shows first), shown, the database ready, the first data painted. The demo database is created
first (not timed), so the figure is a normal day's start, not the first-ever one.

    python benchmarks/startup.py [--runs 5] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import json, time
import pyqtgraph
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
class Label(QLabel):
    def paintEvent(self, event):
        super().paintEvent(event)
        QTimer.singleShot(0, painted)  # once this repaint is done
def painted():
    if app.property("probed"):
        return
    app.setProperty("probed", True)
    marks = {"first_data": time.time(), "first_data_cpu": time.process_time()}
    print("startup-probe: " + json.dumps(marks), flush=True)
    app.quit()
app = QApplication([])
w = QMainWindow(); w.setCentralWidget(Label("bare")); w.resize(1280, 800); w.show()
app.exec()
"""


PROBE_PREFIX = "startup-probe: "


def timed(
    cmd: list[str], env: dict[str, str], stages: list[dict[str, float]] | None = None
) -> float:
    launched = time.time()
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if stages is not None:
        for line in done.stdout.splitlines():
            if line.startswith(PROBE_PREFIX):
                marks = json.loads(line[len(PROBE_PREFIX) :])
                cpu = marks.pop("first_data_cpu", None)
                stages.append({name: at - launched for name, at in marks.items()})
                if cpu is not None:
                    stages[-1]["cpu"] = cpu
    return elapsed


def median_stages(stages: list[dict[str, float]]) -> dict[str, float]:
    names = [n for n in stages[0] if n != "cpu" and all(n in s for s in stages)] if stages else []
    return {name: round(statistics.median(s[name] for s in stages), 3) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    work = Path(tempfile.mkdtemp(prefix="proximity-startup-"))
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(root),
        XDG_CONFIG_HOME=str(work / "config"),
        XDG_DATA_HOME=str(work / "data"),
    )
    # As on a workstation: Python keeps the compiled modules (an installed package and the
    # bundle have them already). Some sandboxes set this, which recompiles every module of the
    # project on every start (site-packages, pyqtgraph included, were compiled by pip).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    url = args.database or f"sqlite:///{work / 'bench.db'}"
    if not args.database:
        subprocess.run(
            [sys.executable, "-m", "desktop", "--database", url, "demo"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    app_cmd = [sys.executable, "-m", "desktop", "--database", url, "--startup-probe"]
    bare_cmd = [sys.executable, "-c", BARE]
    timed(app_cmd, env)  # warm the OS file cache once for both
    timed(bare_cmd, env)
    app_exits, bare_exits = [], []
    stages: list[dict[str, float]] = []
    bare_stages: list[dict[str, float]] = []
    for _ in range(args.runs):
        bare_exits.append(timed(bare_cmd, env, bare_stages))
        app_exits.append(timed(app_cmd, env, stages))
    startup = statistics.median(s["first_data"] for s in stages)
    bare = statistics.median(s["first_data"] for s in bare_stages)
    print(
        json.dumps(
            {
                "startup_s": round(startup, 3),
                "bare_qt_s": round(bare, 3),
                "ratio": round(startup / bare, 2),
                "runs": args.runs,
                "startup_cpu_s": round(statistics.median(s["cpu"] for s in stages), 3),
                "bare_qt_cpu_s": round(statistics.median(s["cpu"] for s in bare_stages), 3),
                "startup_exit_s": round(statistics.median(app_exits), 3),
                "bare_exit_s": round(statistics.median(bare_exits), 3),
                "stages_s": median_stages(stages),
            }
        )
    )


if __name__ == "__main__":
    main()
