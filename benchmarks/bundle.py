"""Bundle size and start-up: the PyInstaller bundle against the installed app, same run.

Prints one JSON line::

    {"bundle_mb": ..., "bundle_start_s": ..., "installed_start_s": ..., "ratio": ...,
     "bundle_first_s": ..., "installed_first_s": ..., "runs": ...}

Both programs run ``--self-test`` (start offscreen, open the database, build every view,
load its data, exit) in a clean environment (HOME, PATH, QT_QPA_PLATFORM only) on the same
demo database, which the bundle creates first (not timed). ``*_start_s`` are medians of
``--runs`` alternating process starts; ``*_first_s`` the first start of each, before the
other had run, the coldest figure this can give without dropping the OS file cache (which
needs root). Goal: ratio <= 1.2, bundle_mb <= 250.

    python benchmarks/bundle.py [--bundle dist/proximity] [--runs 5]
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

ROOT = Path(__file__).resolve().parent.parent


def size_mb(folder: Path) -> float:
    """Size on disk as ``du`` counts it (symlinks once)."""
    files = (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 1e6


def timed(command: list[str], home: Path) -> float:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
    if os.name == "nt":
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "proximity")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bundle = args.bundle.resolve()
    exe = bundle / ("proximity.exe" if os.name == "nt" else "proximity")
    if not exe.is_file():
        sys.exit(f"no bundle at {bundle}: build it with python -m PyInstaller build.spec")
    home = Path(tempfile.mkdtemp(prefix="proximity-bundle-bench-"))
    bundle_cmd = [str(exe), "--self-test"]
    installed_cmd = [sys.executable, "-m", "desktop", "--self-test"]

    timed(bundle_cmd, home)  # creates the default database with the demo data (not timed)
    bundle_first = timed(bundle_cmd, home)
    installed_first = timed(installed_cmd, home)
    bundle_times, installed_times = [], []
    for _ in range(args.runs):
        bundle_times.append(timed(bundle_cmd, home))
        installed_times.append(timed(installed_cmd, home))
    bundle_s = statistics.median(bundle_times)
    installed_s = statistics.median(installed_times)
    print(
        json.dumps(
            {
                "bundle_mb": round(size_mb(bundle), 1),
                "bundle_start_s": round(bundle_s, 3),
                "installed_start_s": round(installed_s, 3),
                "ratio": round(bundle_s / installed_s, 2),
                "bundle_first_s": round(bundle_first, 3),
                "installed_first_s": round(installed_first, 3),
                "runs": args.runs,
            }
        )
    )


if __name__ == "__main__":
    main()
