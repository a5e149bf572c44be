"""Unhandled exceptions: traceback to the log, one dialog on the GUI thread, nothing half-saved."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import Team
from desktop import crash, logging_setup
from desktop.config import load_settings
from desktop.crash import CrashHandler, CrashReport

PHONE = "+447911123456"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    settings = load_settings(env={"PROXIMITY_LOGGING_DIR": str(tmp_path)}, frozen_dir=tmp_path)
    path = logging_setup.configure_logging(settings, native_faults=False)
    assert path is not None
    yield path
    logging_setup.remove_handlers()


@pytest.fixture
def handler(log_file: Path) -> Iterator[CrashHandler]:
    """A crash handler installed for the test (hooks put back afterwards)."""
    h = CrashHandler(log_file)
    h.install()
    yield h
    h.uninstall()


def log_text(path: Path) -> str:
    logging_setup.flush()
    return path.read_text(encoding="utf-8")


def fail_in_thread(message: str) -> None:
    def boom() -> None:
        raise ValueError(message)

    worker = threading.Thread(target=boom, name="sms-worker")
    worker.start()
    worker.join()


# ------------------------------------------------------------------------------ the hooks
def test_thread_exception_is_logged_and_reported(handler: CrashHandler, log_file: Path) -> None:
    seen: list[CrashReport] = []
    handler.presenter = seen.append
    fail_in_thread(f"could not reach {PHONE}")
    assert len(seen) == 1
    report = seen[0]
    assert report.thread == "sms-worker" and report.log_path == log_file
    assert report.summary == "ValueError: could not reach +4479******56"
    assert str(log_file) in report.message and "Traceback" in report.details
    text = log_text(log_file)
    assert "Unhandled exception on thread sms-worker" in text
    assert "Traceback (most recent call last)" in text and "raise ValueError(message)" in text
    assert PHONE not in text and PHONE not in report.details


def test_main_thread_exception_goes_to_stderr_without_a_gui(
    handler: CrashHandler, log_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        raise RuntimeError("disk on fire")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: disk on fire" in err and str(log_file) in err
    assert "RuntimeError: disk on fire" in log_text(log_file)


def test_ctrl_c_is_not_a_crash(handler: CrashHandler, capsys: pytest.CaptureFixture[str]) -> None:
    handler.presenter = lambda report: pytest.fail("Ctrl-C reported as a crash")
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())
    assert handler.reports == []


def test_a_failing_presenter_does_not_recurse(
    handler: CrashHandler, log_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(report: CrashReport) -> None:
        raise OSError("no display")

    handler.presenter = broken
    fail_in_thread("first problem")
    assert "first problem" in capsys.readouterr().err  # fell back to stderr
    assert "showing the error failed" in log_text(log_file)


def test_install_and_set_presenter_module_api(log_file: Path) -> None:
    before = (sys.excepthook, threading.excepthook)
    installed = crash.install(log_file)
    try:
        assert sys.excepthook == installed._sys_hook
        seen: list[CrashReport] = []
        crash.set_presenter(seen.append)
        fail_in_thread("via the module")
        assert [r.summary for r in seen] == ["ValueError: via the module"]
    finally:
        crash.set_presenter(None)
        installed.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


# ------------------------------------------------------------------------------ transactions
def test_crash_mid_transaction_leaves_nothing_half_written(
    any_db: Database, handler: CrashHandler
) -> None:
    """The write session rolls back while the exception unwinds, before the hook runs: at
    report time the row is gone and another writer gets the database at once."""
    checks: dict[str, object] = {}

    def inspect(report: CrashReport) -> None:
        with any_db.read() as session:
            checks["rows"] = session.scalar(select(func.count()).select_from(Team))
        impatient = Database(any_db.url, busy_timeout_ms=200)  # a lock left behind would fail
        try:
            with impatient.write() as session:
                session.add(Team(name="Escalations", created_at=datetime.now(UTC)))
            checks["second_writer"] = "committed"
        finally:
            impatient.dispose()

    handler.presenter = inspect

    def half_written() -> None:
        with any_db.write() as session:
            session.add(Team(name="Escalations", created_at=datetime.now(UTC)))
            session.flush()  # the INSERT ran: the transaction holds the write lock
            raise RuntimeError("crash between two statements of one change")

    worker = threading.Thread(target=half_written, name="writer")
    worker.start()
    worker.join()
    assert checks == {"rows": 0, "second_writer": "committed"}
    assert len(handler.reports) == 1 and "crash between" in handler.reports[0].summary


@pytest.mark.slow
@pytest.mark.parametrize("how", ["exception", "hard-exit"])
def test_process_dying_mid_transaction_keeps_the_database_clean(
    sqlite_db: Database, tmp_path: Path, how: str
) -> None:
    """A real process: an unhandled exception at top level, or an abrupt end with no
    clean-up at all (as in a native crash). Either way the database has no trace of it."""
    script = textwrap.dedent(
        f"""
        import os, sys
        from datetime import UTC, datetime
        from pathlib import Path
        from db.engine import Database
        from db.models import Team
        from desktop import crash, logging_setup
        from desktop.config import load_settings

        settings = load_settings(env={{"PROXIMITY_LOGGING_DIR": {str(tmp_path)!r}}})
        crash.install(logging_setup.configure_logging(settings))
        db = Database({sqlite_db.url!r})
        with db.write() as session:
            session.add(Team(name="Half", created_at=datetime.now(UTC)))
            session.flush()
            if {how!r} == "hard-exit":
                os._exit(3)
            raise RuntimeError("unhandled, mid-transaction")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == (3 if how == "hard-exit" else 1), done.stderr
    with sqlite_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Team)) == 0
    with sqlite_db.write() as session:  # not locked: a normal write goes through
        session.add(Team(name="Half", created_at=datetime.now(UTC)))
    if how == "exception":
        text = (tmp_path / "proximity.log").read_text(encoding="utf-8")
        assert "RuntimeError: unhandled, mid-transaction" in text and "Traceback" in text
        assert "unexpected error" in done.stderr and str(tmp_path) in done.stderr
