"""Startup: process start to the first painted main window with data, against a bare window.

Prints one JSON line: {"startup_s": ..., "bare_qt_s": ..., "ratio": ...}. Both are measured in
the same run, offscreen, as the median of several cold process starts. The demo database is
created first (not timed), so the figure is a normal day's start, not the first-ever one.
"stages_s" breaks the app's start down (medians, seconds from launching the process): the
window built (with the view it shows first), shown, the database ready, the first data painted;
the rest of "startup_s" is the process ending.

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
import pyqtgraph
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication([])
w = QMainWindow(); w.setCentralWidget(QLabel("bare")); w.resize(1280, 800); w.show()
QTimer.singleShot(0, app.quit)
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
                stages.append({name: at - launched for name, at in marks.items()})
    return elapsed


def median_stages(stages: list[dict[str, float]]) -> dict[str, float]:
    names = [name for name in stages[0] if all(name in s for s in stages)] if stages else []
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
    app_times, bare_times = [], []
    stages: list[dict[str, float]] = []
    for _ in range(args.runs):
        bare_times.append(timed(bare_cmd, env))
        app_times.append(timed(app_cmd, env, stages))
    startup, bare = statistics.median(app_times), statistics.median(bare_times)
    print(
        json.dumps(
            {
                "startup_s": round(startup, 3),
                "bare_qt_s": round(bare, 3),
                "ratio": round(startup / bare, 2),
                "runs": args.runs,
                "stages_s": median_stages(stages),
            }
        )
    )


if __name__ == "__main__":
    main()
