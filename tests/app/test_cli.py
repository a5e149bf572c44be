"""The command line answers --version/--help at once and runs the headless commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.__main__ import main


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_version_and_help() -> None:
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("proximity ")
    out = run("--help")
    assert out.returncode == 0
    for word in ("demo", "notifier", "import", "db", "config", "--self-test", "--database"):
        assert word in out.stdout


def test_config_error_exits_2_with_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[nonsense]\nx = 1\n")
    assert main(["--config", str(bad), "config", "show"]) == 2
    assert "unknown key 'nonsense.x'" in capsys.readouterr().err


def test_db_upgrade_current_and_config_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--database", url, "db", "upgrade"]) == 0
    assert "schema revision 0001" in capsys.readouterr().out
    assert main(["--database", url, "config", "check"]) == 0
    out = capsys.readouterr().out
    assert "database: OK" in out
    assert main(["--database", url, "config", "show"]) == 0
    assert "command line" in capsys.readouterr().out


def test_config_check_fails_for_unreachable_database(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    assert main(["--database", url, "config", "check"]) == 1
    assert "cannot connect" in capsys.readouterr().err


def test_config_check_fails_on_an_incomplete_twilio_setup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROXIMITY_TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--database", url, "config", "check"]) == 1
    out = capsys.readouterr().out
    assert "configuration: FAILED" in out and "no sender" in out
    assert "database: OK" in out  # the database is still tested and reported


def test_self_test_on_a_broken_database_fails_with_the_reason(tmp_path: Path) -> None:
    """The GUI opens the database on a thread of its own from the first moment; what goes
    wrong there still reaches the user (here the self-test's exit code and message)."""
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"not a database at all" * 100)
    env = {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    done = run("--database", f"sqlite:///{bad.as_posix()}", "--self-test", env=env)
    assert done.returncode == 1, done.stderr
    assert "self-test: FAILED" in done.stderr and "damaged" in done.stderr
