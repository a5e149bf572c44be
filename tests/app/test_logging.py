"""Log files: where they go, rotation, level, and that no phone number or secret gets in."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop import logging_setup
from desktop.config import load_settings
from desktop.logging_setup import configure_logging
from desktop.notify.twilio_gateway import TwilioGateway, TwilioSettings
from tests.fakes.twilio_server import FakeTwilio

PHONE = "+447911123456"
TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def log_to(tmp_path: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    """Configure logging into ``tmp_path/logs`` at a level; undone after the test."""

    def configure(level: str = "DEBUG", directory: Path | None = None) -> Path | None:
        settings = load_settings(
            env={
                "PROXIMITY_LOGGING_DIR": str(directory or tmp_path / "logs"),
                "PROXIMITY_LOGGING_LEVEL": level,
            },
            frozen_dir=tmp_path,
        )
        return configure_logging(settings, native_faults=False)

    yield configure
    logging_setup.remove_handlers()


def read_logs(path: Path) -> str:
    logging_setup.flush()
    return "".join(p.read_text(encoding="utf-8") for p in sorted(path.parent.glob("*.log*")))


# ------------------------------------------------------------------------------ files
def test_records_reach_the_file_masked_with_tracebacks(log_to) -> None:  # type: ignore[no-untyped-def]
    path = log_to("DEBUG")
    assert path is not None and path.name == "proximity.log"
    log = logging.getLogger("desktop.test")
    log.info("sending to %s with token %s", PHONE, TOKEN)
    log.debug("headers %s", {"Authorization": "Basic QUM6c2VjcmV0"})
    try:
        raise ValueError(f"Twilio refused {PHONE}: invalid")
    except ValueError:
        log.exception("send failed")
    text = read_logs(path)
    assert "sending to +4479******56 with token ****" in text
    assert "Traceback (most recent call last)" in text and "ValueError: Twilio refused" in text
    assert PHONE not in text and TOKEN not in text and "QUM6c2VjcmV0" not in text
    assert "[MainThread] desktop.test" in text


def test_level_comes_from_the_settings(log_to) -> None:  # type: ignore[no-untyped-def]
    path = log_to("WARNING")
    logging.getLogger("desktop.test").info("routine detail")
    logging.getLogger("desktop.test").warning("worth knowing")
    text = read_logs(path)
    assert "worth knowing" in text and "routine detail" not in text


def test_files_rotate(log_to, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(logging_setup, "MAX_BYTES", 2_000)
    monkeypatch.setattr(logging_setup, "BACKUP_COUNT", 2)
    path = log_to("INFO")
    for i in range(200):
        logging.getLogger("desktop.test").info("line %d %s", i, "x" * 40)
    logging_setup.flush()
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["proximity.log", "proximity.log.1", "proximity.log.2"]
    assert all(p.stat().st_size <= 2_200 for p in path.parent.iterdir())
    assert "line 199" in path.read_text(encoding="utf-8")


def test_default_directory_is_the_platform_log_dir(tmp_path: Path) -> None:
    from platformdirs import user_log_path

    settings = load_settings(env={}, frozen_dir=tmp_path)
    assert logging_setup.log_dir(settings) == user_log_path("Proximity", "Proximity")


def test_unwritable_log_dir_falls_back_to_stderr(  # type: ignore[no-untyped-def]
    log_to, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the log folder should be")
    assert log_to("INFO", directory=blocker) is None
    logging.getLogger("desktop.test").error("still works for %s", PHONE)
    logging_setup.flush()
    err = capsys.readouterr().err
    assert "cannot write the log file" in err and str(blocker) in err
    assert "still works for +4479******56" in err


def test_headless_command_logs_to_stdout_and_file(tmp_path: Path) -> None:
    """Through the real command line: the configured level and directory, masked output."""
    config = tmp_path / "proximity.toml"
    config.write_text(
        f'[logging]\ndir = "{(tmp_path / "logs").as_posix()}"\nlevel = "DEBUG"\n'
        f'[database]\nurl = "sqlite:///{(tmp_path / "x.db").as_posix()}"\n'
    )
    env = {**os.environ, "PROXIMITY_TWILIO_AUTH_TOKEN": TOKEN}
    out = subprocess.run(
        [sys.executable, "-m", "desktop", "--config", str(config), "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    assert "schema revision" in out.stdout
    log_text = (tmp_path / "logs" / "proximity.log").read_text(encoding="utf-8")
    assert "Running upgrade" in log_text  # alembic's INFO lines, at the DEBUG setting


# ------------------------------------------------------------------------------ end to end
def test_twilio_traffic_leaves_no_number_or_token_in_the_log(  # type: ignore[no-untyped-def]
    log_to, fake_twilio: FakeTwilio, fake_twilio_settings: TwilioSettings
) -> None:
    path = log_to("DEBUG")
    logging.getLogger("urllib3").setLevel(logging.DEBUG)  # the most talkative it can be
    gateway = TwilioGateway(fake_twilio_settings)
    result = gateway.send_sms(PHONE, "Your ticket 42 is being worked on.")
    gateway.fetch_status(result.sid)
    gateway.send_sms("+15005550001", "invalid number, refused by Twilio")
    text = read_logs(path)
    assert "Twilio" in text  # the traffic was logged...
    for secret in (PHONE, "15005550001", fake_twilio.auth_token, "ticket 42"):
        assert secret not in text  # ...but not the number, the token or the message body


def test_console_choice_per_entry_point() -> None:
    assert logging_setup.console_for("notifier") == {"console": "stdout"}
    assert logging_setup.console_for("config") == {
        "console": "stdout",
        "console_level": logging.WARNING,
    }
    # pytest captures stderr: not a terminal, so the GUI would log to its file only.
    assert logging_setup.console_for(None) == {"console": None}
