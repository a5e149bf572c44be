"""The PyInstaller bundle works on a clean machine: the smoke test CI runs after the suite.

Runs only with ``PROXIMITY_TEST_BUNDLE=1`` (building takes a minute or two). It builds
``build.spec`` into a temporary folder, or uses the bundle in ``PROXIMITY_BUNDLE_DIR`` when a
caller (``.ci/bundle_smoke.sh``) built it already, then runs the executable with an empty
environment: only HOME (a fresh folder, so the default database does not exist yet), PATH and
QT_QPA_PLATFORM. ``--self-test`` then creates the schema from the bundled migrations, loads the
demo data, builds every view and loads its data; a missing hidden import or data file fails it.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

import desktop

ROOT = Path(__file__).resolve().parents[2]
EXE_NAME = "proximity.exe" if sys.platform == "win32" else "proximity"
SIZE_GOAL_MB = 250
WORKPATHS: list[Path] = [ROOT / "build"]  # PyInstaller's default; the fixture adds its own

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("PROXIMITY_TEST_BUNDLE") != "1",
        reason="bundle smoke test: set PROXIMITY_TEST_BUNDLE=1 (.ci/bundle_smoke.sh does)",
    ),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-folder application: prebuilt, or built here from build.spec."""
    prebuilt = os.environ.get("PROXIMITY_BUNDLE_DIR")
    if prebuilt:
        folder = Path(prebuilt).resolve()
    else:
        out = tmp_path_factory.mktemp("pyinstaller")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--distpath",
                str(out / "dist"),
                "--workpath",
                str(out / "build"),
                str(ROOT / "build.spec"),
            ],
            cwd=ROOT,
            check=True,
            timeout=1800,
        )
        folder = out / "dist" / "proximity"
        WORKPATHS.insert(0, out / "build")
    assert (folder / EXE_NAME).is_file(), f"no executable in {folder}"
    return folder


def run_clean(
    bundle: Path, home: Path, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the bundled executable as on a fresh workstation: ``env -i`` plus HOME, PATH,
    QT_QPA_PLATFORM (and what a test adds, e.g. PROXIMITY_CONFIG)."""
    home.mkdir(parents=True, exist_ok=True)
    variables = {"HOME": str(home), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
    variables |= extra_env or {}
    command: Sequence[str] = [str(bundle / EXE_NAME), *args]
    if os.name == "posix":
        command = ["env", "-i", *(f"{k}={v}" for k, v in variables.items()), *command]
        env = None
    else:  # Windows has no env -i; an explicit environment is the same thing
        env = {**variables, "SYSTEMROOT": os.environ.get("SYSTEMROOT", "")}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, cwd=home)


def test_self_test_on_a_fresh_machine(bundle: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = run_clean(bundle, home, "--self-test")
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "self-test: OK" in done.stdout
    if sys.platform.startswith("linux"):
        database = home / ".local/share/Proximity/proximity.db"
        with sqlite3.connect(database) as conn:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        assert revision == newest_migration() and tickets > 1_000
        log = (home / ".local/state/Proximity/log/proximity.log").read_text(encoding="utf-8")
        assert "Running upgrade" in log and "startup: Ready" in log
        # A clean first start logs no error: a traceback here is a bug even if the self-test
        # passed (a background task failed), or a module missing from the bundle.
        assert "Traceback" not in log, log


def test_version_is_the_package_version(bundle: Path, tmp_path: Path) -> None:
    done = run_clean(bundle, tmp_path / "home", "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"proximity {desktop.__version__}"


def test_site_config_is_read_and_checked(bundle: Path, tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    url = f"sqlite:///{(tmp_path / 'site.db').as_posix()}"
    config.write_text(f'[database]\nurl = "{url}"\n[refresh]\nlive_seconds = 3\n')
    env = {"PROXIMITY_CONFIG": str(config)}
    shown = run_clean(bundle, tmp_path / "home", "config", "show", extra_env=env)
    assert shown.returncode == 0, shown.stderr
    assert re.search(rf"refresh\.live_seconds\s+3\.0\s+\[{re.escape(str(config))}\]", shown.stdout)
    checked = run_clean(bundle, tmp_path / "home", "config", "check", extra_env=env)
    assert checked.returncode == 0, checked.stderr
    assert "database: OK" in checked.stdout
    config.write_text("[refresh]\nlive_seconds = 'often'\n")
    bad = run_clean(bundle, tmp_path / "home", "config", "check", extra_env=env)
    assert bad.returncode == 2
    assert f"{config}: key 'refresh.live_seconds' expects float" in bad.stderr


def test_self_test_on_postgresql(bundle: Path, tmp_path: Path, postgres_db) -> None:  # type: ignore[no-untyped-def]
    """The PostgreSQL driver and dialect are in the bundle too (schema already migrated)."""
    done = run_clean(bundle, tmp_path / "home", "--database", postgres_db.url, "--self-test")
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"


@pytest.mark.skipif(os.name != "posix", reason="stops the notifier with SIGTERM")
def test_headless_notifier_starts_and_stops_cleanly(bundle: Path, tmp_path: Path) -> None:
    """The dispatcher's modules (APScheduler, Twilio) are not used by --self-test."""
    home = tmp_path / "home"
    home.mkdir()
    url = f"sqlite:///{(tmp_path / 'notifier.db').as_posix()}"
    variables = [f"HOME={home}", "PATH=/usr/bin:/bin"]
    process = subprocess.Popen(
        ["env", "-i", *variables, str(bundle / EXE_NAME), "--database", url, "notifier"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stdout or []:
            lines.put(line)
        lines.put(None)  # end of output: the process is gone

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 60
    # Running once it says so (or still alive after a minute): then ask it to stop.
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if "running" in line:
            break
    alive = process.poll() is None
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    while (line := lines.get(timeout=10)) is not None:
        seen.append(line)
    output = "".join(seen)
    assert alive, f"the notifier stopped by itself:\n{output}"
    assert code == 0 and "Traceback" not in output, output


def test_bundle_holds_what_it_needs_and_not_more(bundle: Path) -> None:
    internal = bundle / "_internal" if (bundle / "_internal").is_dir() else bundle
    names = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    for needed in (
        "resources/icons/proximity.svg",
        "resources/styles/base.qss",
        "db/migrations/env.py",
        "db/migrations/script.py.mako",
        f"db/migrations/versions/{newest_migration_file()}",
    ):
        assert needed in names, f"{needed} missing from the bundle"
    plugins = {Path(n).name.split(".")[0].removeprefix("lib") for n in names if "/plugins/" in n}
    assert {"qoffscreen", "qsvg", "qsvgicon", "qico"} <= plugins
    if sys.platform.startswith("linux"):
        assert "qxcb" in plugins
    unwanted = ("WebEngine", "Qt6Quick", "Qt6Qml", "Qt63D", "Multimedia", "Designer", "gtk")
    shipped = [n for n in names if any(word in Path(n).name for word in unwanted)]
    assert shipped == [], f"unused Qt parts in the bundle: {shipped}"
    assert bundle_size_mb(bundle) <= SIZE_GOAL_MB, f"bundle is over {SIZE_GOAL_MB} MB"


def bundle_size_mb(folder: Path) -> float:
    """Size on disk as ``du`` counts it: symlinks (PyInstaller makes some) only once."""
    files = (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 1e6


def _migration_files() -> list[Path]:
    return sorted((ROOT / "db" / "migrations" / "versions").glob("*.py"))


def newest_migration_file() -> str:
    return _migration_files()[-1].name


def newest_migration() -> str:
    from db import migrate
    from db.engine import Database

    db = Database("sqlite://")
    try:
        return str(migrate.head_revision(db.engine))
    finally:
        db.dispose()


def test_windows_version_resource_is_well_formed(bundle: Path) -> None:
    """The spec writes the version resource on every platform, in the text form PyInstaller
    reads on Windows (``VSVersionInfo(...)``, evaluated there; its parser imports win32api, so
    here the same names are evaluated into plain records) with the package's version."""
    found = [p for w in WORKPATHS if w.is_dir() for p in w.rglob("version_info.txt")]
    assert found, f"build.spec wrote no version_info.txt under {WORKPATHS}"
    names = [
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ]

    def record(name: str):  # type: ignore[no-untyped-def]
        return lambda *args, **kwargs: (name, args, kwargs)

    info = eval(found[0].read_text(encoding="utf-8"), {n: record(n) for n in names})
    assert info[0] == "VSVersionInfo"
    fixed = info[2]["ffi"]
    version = desktop.__version__
    numbers = tuple(int(n) for n in version.split("."))
    assert fixed[2]["filevers"][: len(numbers)] == numbers
    string_file_info = info[2]["kids"][0]  # ("StringFileInfo", ([StringTable],), {})
    table = string_file_info[1][0][0]  # ("StringTable", ("040904B0", [StringStruct]), {})
    strings = dict(struct[1] for struct in table[1][1])
    assert strings["ProductVersion"] == version and strings["ProductName"] == "Proximity"
    assert strings["OriginalFilename"] == "proximity.exe"
