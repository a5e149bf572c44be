"""Logging for every entry point: rotating files, masked personal data, no secrets (no Qt here).

Log files go to the ``logging.dir`` setting, else the platform's per-user log directory
(``~/.local/state/Proximity/log`` on Linux, ``%LOCALAPPDATA%\\Proximity\\Proximity\\Logs`` on
Windows, ``~/Library/Logs/Proximity`` on macOS). The level is the ``logging.level`` setting.

The root logger has one handler, a ``QueueHandler``: it redacts the record (see
``desktop.log_redaction``) and puts it on a queue; a listener thread writes it to the file and
the console. So no thread, the GUI thread included, waits for the disk, and logging from a
signal handler (the headless dispatcher's SIGTERM) cannot re-enter a half-written file write.
:func:`flush` drains the queue (the crash handler calls it before a process ends).
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

# Re-exported: callers register secrets and redact text through the logging API.
from desktop.log_redaction import RedactingFilter, redact, register_secret

__all__ = [
    "RedactingFilter",
    "configure_logging",
    "console_for",
    "current_log_file",
    "flush",
    "log_dir",
    "redact",
    "register_secret",
    "remove_handlers",
    "started_from_terminal",
]

if TYPE_CHECKING:
    from desktop.config import Settings

APP_NAME = "Proximity"
LOG_FILE_NAME = "proximity.log"
FAULT_FILE_NAME = "faults.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)-7s [%(threadName)s] %(name)s: %(message)s"

# Noisy below WARNING and of no use to an operator.
_QUIET_LOGGERS = ("alembic.runtime.plugins", "urllib3.connectionpool", "apscheduler.scheduler")


def default_log_dir() -> Path:
    """The platform's per-user log directory for Proximity."""
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, APP_NAME)


def log_dir(settings: Settings | None) -> Path:
    """The ``logging.dir`` setting, else :func:`default_log_dir`."""
    configured = settings["logging.dir"] if settings is not None else ""
    return Path(configured).expanduser() if configured else default_log_dir()


class _State:
    """What :func:`configure_logging` installed, so it can be replaced or removed."""

    queue_handler: logging.handlers.QueueHandler | None = None
    listener: logging.handlers.QueueListener | None = None
    targets: tuple[logging.Handler, ...] = ()
    root_level: int | None = None
    fault_file: TextIO | None = None


_state = _State()
_lock = threading.RLock()


def configure_logging(
    settings: Settings | None,
    console: str | None = None,
    console_level: int | str | None = None,
    native_faults: bool = True,
) -> Path | None:
    """Send log records to a rotating file (and optionally a console stream), redacted.

    Calling it again replaces what it installed before (tests, a changed setting).

    Args:
        settings: the effective settings (``logging.dir``, ``logging.level``); None when the
            configuration itself could not be read, to log that problem to the default place.
        console: ``"stdout"`` (headless commands) or ``"stderr"`` (the GUI started from a
            terminal) for a console handler, None for none. The stream is looked up at each
            record, so it follows redirection, and a missing one (a windowed executable has
            no ``sys.stderr``) is skipped.
        console_level: the console handler's level; defaults to the file level.
        native_faults: also send native crash stacks (faulthandler) to ``faults.log``
            beside the log file, unless something else (pytest, ``-X faulthandler``) chose.

    Returns:
        The log file path, or None when no log directory could be created (the reason is
        logged to the console handler, and the app still runs).
    """
    level = logging.getLevelName(settings["logging.level"] if settings is not None else "INFO")
    formatter = logging.Formatter(FORMAT)
    targets: list[logging.Handler] = []
    if console is not None:
        stream_handler = _ConsoleHandler(console)
        stream_handler.setLevel(console_level if console_level is not None else level)
        stream_handler.setFormatter(formatter)
        targets.append(stream_handler)

    path: Path | None = log_dir(settings) / LOG_FILE_NAME
    problem = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError as exc:
        problem = f"cannot write the log file {path}: {exc}; logging to the console only"
        path = None
    else:
        file_handler.setLevel(level)
        file_handler.setFormatter(formatter)
        targets.append(file_handler)
    if path is None and console is None:
        # No file and no console asked for: problems still go to stderr, if there is one.
        fallback = _ConsoleHandler("stderr")
        fallback.setLevel(logging.WARNING)
        fallback.setFormatter(formatter)
        targets.append(fallback)

    # SimpleQueue.put is reentrant: safe from signal handlers and __del__.
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    queue_handler = logging.handlers.QueueHandler(records)
    queue_handler.addFilter(RedactingFilter())  # in the caller's thread, before queueing
    lowest = min([level, *(h.level for h in targets)])
    queue_handler.setLevel(lowest)
    listener = logging.handlers.QueueListener(records, *targets, respect_handler_level=True)

    root = logging.getLogger()
    with _lock:
        remove_handlers()
        _state.root_level = root.level
        _state.queue_handler, _state.listener, _state.targets = (
            queue_handler,
            listener,
            tuple(targets),
        )
        listener.start()
        root.addHandler(queue_handler)
        root.setLevel(lowest)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
    logging.captureWarnings(True)
    if problem:
        logging.getLogger(__name__).warning("%s", problem)
    if path is not None and native_faults:
        _enable_faulthandler(path.parent / FAULT_FILE_NAME)
    return path


def flush() -> None:
    """Write out every record queued so far (before a crash ends the process, in tests)."""
    with _lock:
        listener = _state.listener
        # Never from the listener's own thread (a handler failing): it cannot join itself.
        if listener is None or threading.current_thread() is listener._thread:
            return
        listener.stop()  # processes what is queued, then the thread ends
        listener.start()
        for handler in _state.targets:
            handler.flush()


def remove_handlers() -> None:
    """Drain the queue, close and remove what :func:`configure_logging` installed."""
    with _lock:
        root = logging.getLogger()
        if _state.queue_handler is not None:
            root.removeHandler(_state.queue_handler)
        if _state.listener is not None:
            _state.listener.stop()
        for handler in _state.targets:
            handler.close()
        if _state.root_level is not None:
            root.setLevel(_state.root_level)
        _state.queue_handler, _state.listener, _state.targets = None, None, ()
        _state.root_level = None


# Before logging's own shutdown (registered earlier, so run later): queued records get out.
atexit.register(remove_handlers)


class _ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stdout`` or ``sys.stderr`` as they are when a record arrives."""

    def __init__(self, name: str) -> None:
        if name not in ("stdout", "stderr"):
            raise ValueError(f"console must be 'stdout' or 'stderr', not {name!r}")
        self._stream_name = name
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> TextIO | None:
        return getattr(sys, self._stream_name, None)

    @stream.setter
    def stream(self, _value: object) -> None:
        pass  # always the current sys stream

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is not None:
            super().emit(record)


def _enable_faulthandler(path: Path) -> None:
    """Native crashes (a segfault in a Qt plugin) leave a Python stack in ``faults.log``.

    faulthandler writes to a file descriptor from a signal handler, so the file stays open for
    the life of the process. A windowed executable has no stderr to fall back to.
    """
    import faulthandler

    if faulthandler.is_enabled() and _state.fault_file is None:
        return  # someone chose already (python -X faulthandler, pytest): keep their choice
    try:
        stream = path.open("a", encoding="utf-8")
    except OSError:
        return
    faulthandler.enable(file=stream, all_threads=True)
    if _state.fault_file is not None:
        _state.fault_file.close()
    _state.fault_file = stream


def console_for(command: str | None) -> dict[str, Any]:
    """Console logging for an entry point, as ``configure_logging`` arguments.

    The headless dispatcher (``notifier``) logs to stdout at the configured level, for a
    service manager's journal; one-shot commands show only warnings there, between their own
    output; the GUI logs to the terminal it was started from, if any.
    """
    if command == "notifier":
        return {"console": "stdout"}
    if command is not None:
        return {"console": "stdout", "console_level": logging.WARNING}
    return {"console": "stderr" if started_from_terminal() else None}


def started_from_terminal() -> bool:
    """True when stderr is an interactive terminal (never in a windowed executable, nor when
    started from a desktop launcher), i.e. when a message printed there will be seen."""
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def current_log_file() -> Path | None:
    """The file the installed handlers write to, for messages that point the user at it."""
    for handler in _state.targets:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None
