"""The crash dialog: shown on the GUI thread whichever thread failed, one at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop.crash import CrashHandler, CrashReport
from desktop.ui.crash_dialog import TITLE, CrashPresenter


@pytest.fixture
def handler(tmp_path: Path) -> Iterator[CrashHandler]:
    h = CrashHandler(tmp_path / "proximity.log")
    h.install()
    yield h
    h.uninstall()


@pytest.fixture
def presenter(qtbot, handler: CrashHandler) -> Iterator[CrashPresenter]:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    p = CrashPresenter(window)
    handler.presenter = p
    yield p
    if p.dialog is not None:
        p.dialog.close()


def raise_in_thread(message: str) -> None:
    def boom() -> None:
        raise LookupError(message)

    threading.Thread(target=boom, name="poller").start()


# The offscreen platform says so for every dialog; it is not about our code.
OFFSCREEN_DIALOG_NOTE = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@OFFSCREEN_DIALOG_NOTE
@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_shows_the_dialog(
    qtbot, presenter: CrashPresenter, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    def slot() -> None:
        raise KeyError("view state")

    QTimer.singleShot(0, slot)
    qtbot.waitUntil(lambda: presenter.dialog is not None and presenter.dialog.isVisible())
    box = presenter.dialog
    assert box.windowTitle() == TITLE
    assert "KeyError: 'view state'" in box.informativeText()
    assert str(tmp_path / "proximity.log") in box.informativeText()
    assert "Traceback (most recent call last)" in box.detailedText()
    assert "rolled back" in box.text()
    box.grab().save(str(tmp_path / "crash_dialog.png"))


def test_exception_in_a_thread_is_shown_on_the_gui_thread(qtbot, handler: CrashHandler) -> None:  # type: ignore[no-untyped-def]
    shown_on: list[bool] = []

    def record(report: CrashReport) -> None:
        shown_on.append(QThread.currentThread() is QApplication.instance().thread())

    handler.presenter = CrashPresenter(on_report=record)
    raise_in_thread("no such queue")
    qtbot.waitUntil(lambda: len(shown_on) == 1)
    assert shown_on == [True]
    assert handler.reports[0].thread == "poller"


@OFFSCREEN_DIALOG_NOTE
def test_later_errors_update_the_open_dialog(
    qtbot, presenter: CrashPresenter, handler: CrashHandler
) -> None:  # type: ignore[no-untyped-def]
    raise_in_thread("first")
    qtbot.waitUntil(lambda: presenter.dialog is not None and presenter.dialog.isVisible())
    first = presenter.dialog
    raise_in_thread("second")
    raise_in_thread("third")
    qtbot.waitUntil(lambda: "2 more errors" in first.informativeText())
    assert presenter.dialog is first and "LookupError: first" in first.informativeText()
    assert len(handler.reports) == 3
    first.close()
    qtbot.waitUntil(lambda: presenter.dialog is None)
    raise_in_thread("after closing")
    qtbot.waitUntil(lambda: presenter.dialog is not None)
    assert "after closing" in presenter.dialog.informativeText()


def test_blocking_error_before_the_window_exists(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A windowed start with a broken configuration: a modal box, since no terminal exists."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.ui.crash_dialog import show_blocking_error

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "exec", lambda box: shown.append((box.windowTitle(), box.text()))
    )
    show_blocking_error("Proximity: configuration error", "/etc/xdg/Proximity/proximity.toml: bad")
    assert shown == [("Proximity: configuration error", "/etc/xdg/Proximity/proximity.toml: bad")]
