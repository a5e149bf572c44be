#!/usr/bin/env python3
"""Set up and run Proximity from a clone, on Windows, macOS and Linux.

    python3 dev.py run      # create .venv on first use, install, launch on the demo database
    python3 dev.py test     # create .venv on first use, install with test tools, run all checks

Only the standard library is used here, so it works on a machine with nothing but Python 3.11+.
The virtual environment is reinstalled when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _stamp_for(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return f"{digest}:{extras}"


def ensure_venv(extras: str = "") -> None:
    """Create the venv if missing and (re)install the project when pyproject.toml changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Proximity needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    stamp_file = VENV / ".proximity-installed"
    wanted = _stamp_for(extras)
    have = stamp_file.read_text().split() if stamp_file.exists() else []
    if wanted in have:
        return
    spec = f".[{extras}]" if extras else "."
    print(f"Installing Proximity and its dependencies ({spec}) ...", flush=True)
    _run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", spec])
    stamp_file.write_text("\n".join([*have, wanted]) + "\n")


def _run(cmd: list[str], env: dict[str, str] | None = None) -> int:
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code and cmd[1:3] == ["-m", "pip"]:
        sys.exit(f"Installing failed (exit {code}): {' '.join(cmd)}")
    return code


def run_app(args: list[str]) -> int:
    ensure_venv()
    return _run([str(PYTHON), "-m", "desktop", *args])


def run_tests(args: list[str]) -> int:
    ensure_venv("test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if not env.get("PROXIMITY_TEST_POSTGRES_URL"):
        print(
            "Note: PROXIMITY_TEST_POSTGRES_URL is not set, so the PostgreSQL variants of the "
            "database tests will be skipped.",
            flush=True,
        )
    steps: list[tuple[str, list[str]]] = [
        ("ruff check", [str(PYTHON), "-m", "ruff", "check", "."]),
        ("ruff format --check", [str(PYTHON), "-m", "ruff", "format", "--check", "."]),
        ("import-linter", [str(BIN / "lint-imports")]),
        ("pytest", [str(PYTHON), "-m", "pytest", *args]),
    ]
    failed = []
    for name, cmd in steps:
        print(f"\n=== {name} ===", flush=True)
        code = _run(cmd, env=env)
        if code == 5 and name == "pytest":
            print("pytest ran no test: that is a failure here.", flush=True)
        if code:
            failed.append(f"{name} (exit {code})")
    if failed:
        print("\nFAILED: " + ", ".join(failed), flush=True)
        return 1
    print("\nAll checks passed.", flush=True)
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return run_app(rest) if command == "run" else run_tests(rest)


if __name__ == "__main__":
    sys.exit(main())
