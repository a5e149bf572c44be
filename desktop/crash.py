"""Unhandled exceptions on any thread: full traceback to the log, a short message to the user.

:func:`install` hooks ``sys.excepthook`` (the main thread, and every exception PySide6 cannot
hand back from a slot or a virtual override), ``threading.excepthook`` (Python threads) and
``sys.unraisablehook``; :func:`install_qt_message_handler` routes Qt's own warnings and fatal
errors to the log. No Qt widgets here: the GUI registers a *presenter* (see
``desktop.ui.crash_dialog``) that shows the dialog on the GUI thread; without one, the short
message goes to stderr.

A crash never leaves a half-written transaction behind: ``Database.write()`` sessions roll back
as the exception unwinds through them, before any hook here runs, so the hooks only report.
Worker tasks (``TaskRunner``) catch their own exceptions and report them to their caller; these
hooks are for everything else.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from desktop.log_redaction import redact
from desktop.logging_setup import flush as flush_log

log = logging.getLogger("proximity.crash")


@dataclass(frozen=True)
class CrashReport:
    """One unhandled exception, as the user and the log see it.

    Attributes:
        summary: one line, e.g. ``ValueError: bad value`` (personal data masked).
        details: the full traceback (personal data masked).
        thread: name of the thread it happened on.
        log_path: the log file holding the traceback, or None if there is no log file.
    """

    summary: str
    details: str
    thread: str
    log_path: Path | None

    @property
    def message(self) -> str:
        """The short text for a dialog or a terminal."""
        where = f"The details are in the log file:\n{self.log_path}" if self.log_path else ""
        return f"Proximity hit an unexpected error: {self.summary}\n{where}".strip()


Presenter = Callable[[CrashReport], None]


class CrashHandler:
    """Receives every unhandled exception and reports it once, never raising itself."""

    def __init__(self, log_path: Path | None) -> None:
        self.log_path = log_path
        self.presenter: Presenter | None = None
        self.fallback: Presenter | None = None
        self.reports: list[CrashReport] = []
        self._busy = threading.local()
        self._previous: tuple[Any, Any, Any] | None = None

    # Hooks -----------------------------------------------------------------------------------
    def install(self) -> None:
        """Become ``sys.excepthook``, ``threading.excepthook`` and ``sys.unraisablehook``."""
        if sys.excepthook != self._sys_hook:  # remember what was there, unless it is us
            self._previous = (sys.excepthook, threading.excepthook, sys.unraisablehook)
        sys.excepthook = self._sys_hook
        threading.excepthook = self._thread_hook
        sys.unraisablehook = self._unraisable_hook

    def uninstall(self) -> None:
        """Put back the hooks that were there before :meth:`install`."""
        if self._previous is not None:
            sys.excepthook, threading.excepthook, sys.unraisablehook = self._previous
            self._previous = None

    def _sys_hook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            # Ctrl-C in a terminal is a request to stop, not a crash.
            sys.__excepthook__(exc_type, exc, tb)
            return
        if issubclass(exc_type, BrokenPipeError):
            # `proximity config show | head`: the reader left; nothing went wrong here.
            log.info("output closed by the reader")
            _silence_stdout()
            return
        self.handle(exc, tb, threading.current_thread().name)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "unknown thread"
        self.handle(args.exc_value, args.exc_traceback, name)

    def _unraisable_hook(self, unraisable: Any) -> None:
        # An exception in __del__ or a finaliser: worth a log line, not a dialog.
        exc = unraisable.exc_value
        log.warning(
            "Ignored exception in %r",
            getattr(unraisable, "object", None),
            exc_info=(type(exc), exc, unraisable.exc_traceback) if exc is not None else None,
        )

    # Reporting -------------------------------------------------------------------------------
    def handle(self, exc: BaseException, tb: TracebackType | None, thread: str) -> None:
        """Log the full traceback and tell the user; errors while reporting are contained."""
        if getattr(self._busy, "active", False):
            # The presenter itself failed: log only, never recurse.
            log.critical("error while reporting an error", exc_info=(type(exc), exc, tb))
            return
        self._busy.active = True
        try:
            report = self._report(exc, tb, thread)
            log.critical("Unhandled exception on thread %s", thread, exc_info=(type(exc), exc, tb))
            _flush_log_handlers()
            self.reports.append(report)
            presenter = self.presenter
            if presenter is None and threading.current_thread() is threading.main_thread():
                presenter = self.fallback
            if presenter is None:
                _print_to_stderr(report)
                return
            try:
                presenter(report)
            except Exception as problem:  # the report must not crash too
                log.critical("showing the error failed", exc_info=problem)
                _print_to_stderr(report)
        finally:
            self._busy.active = False

    def _report(self, exc: BaseException, tb: TracebackType | None, thread: str) -> CrashReport:
        summary = traceback.format_exception_only(type(exc), exc)[-1].strip()
        if len(summary) > 300:
            summary = summary[:297] + "..."
        details = "".join(traceback.format_exception(type(exc), exc, tb))
        return CrashReport(redact(summary), redact(details), thread, self.log_path)


_handler: CrashHandler | None = None


def install(log_path: Path | None, fallback: Presenter | None = None) -> CrashHandler:
    """Install the process-wide handler (again: replaces the log path and fallback).

    Args:
        log_path: where the traceback is logged, named in the user's message.
        fallback: shows a report on the main thread when no GUI presenter is attached (a
            windowed executable failing before its window exists has no terminal).
    """
    global _handler
    if _handler is None:
        _handler = CrashHandler(log_path)
    _handler.log_path = log_path
    _handler.fallback = fallback
    _handler.install()
    return _handler


def set_presenter(presenter: Presenter | None) -> None:
    """Attach (or with None, detach) the GUI's presenter. It is called on any thread."""
    if _handler is not None:
        _handler.presenter = presenter


def handler() -> CrashHandler | None:
    """The installed handler, if any."""
    return _handler


def install_qt_message_handler() -> Callable[..., Any]:
    """Route Qt's debug, warning, critical and fatal messages to the ``qt`` logger.

    Returns:
        The handler installed before, so a caller (a test) can put it back.
    """
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def qt_message(mode: QtMsgType, context: Any, message: str) -> None:
        category = getattr(context, "category", None) or "default"
        name = "qt" if category == "default" else f"qt.{category}"
        logging.getLogger(name).log(levels.get(mode, logging.WARNING), "%s", message)
        if mode == QtMsgType.QtFatalMsg:
            # Qt aborts the process when this returns: get the line onto the disk first.
            _flush_log_handlers()

    previous = qInstallMessageHandler(qt_message)
    # Qt still talks while the interpreter tears down its objects (QApplication last): a
    # Python handler called then crashes the process. Hand back to Qt's own handler first.
    atexit.register(uninstall_qt_message_handler)
    return previous


def uninstall_qt_message_handler() -> None:
    """Give Qt its default message handler back (at exit, and in tests)."""
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(None)


def _flush_log_handlers() -> None:
    with contextlib.suppress(Exception):  # best effort while crashing
        flush_log()


def _silence_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush does not fail too."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _print_to_stderr(report: CrashReport) -> None:
    stream = sys.stderr
    if stream is None:  # a windowed executable has no console
        return
    with contextlib.suppress(OSError, ValueError):
        print(f"proximity: {report.message}", file=stream, flush=True)
