"""The dialog for an unhandled error, shown on the GUI thread whichever thread failed.

``desktop.crash`` logs the traceback and hands a ``CrashReport`` to :class:`CrashPresenter`
from the failing thread; the presenter moves it to the GUI thread with a queued signal, since
widgets may only be touched there. One dialog at a time: a timer that fails every second must
not bury the user in windows, so later reports only update the count in the open dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.crash import CrashReport

TITLE = "Proximity: unexpected error"
_LEAD = (
    "Something went wrong and the last action did not complete. Database changes that were "
    "in progress were rolled back, so nothing is half-saved."
)


class CrashPresenter(QObject):
    """Presents crash reports on the GUI thread; callable from any thread.

    Args:
        parent_widget: the dialog's parent (the main window), or None.
        on_report: called on the GUI thread instead of showing a dialog (the self-test has no
            one to click "OK": it records the error and exits non-zero).
    """

    _received = Signal(object)

    def __init__(
        self,
        parent_widget: QWidget | None = None,
        on_report: Callable[[CrashReport], None] | None = None,
    ) -> None:
        super().__init__()
        app = QApplication.instance()
        if app is not None and self.thread() is not app.thread():
            self.moveToThread(app.thread())
        self._parent_widget = parent_widget
        self._on_report = on_report
        self.dialog: QMessageBox | None = None
        self._shown: CrashReport | None = None
        self._more = 0
        # Auto connection: a direct call on the GUI thread, queued from any other thread.
        self._received.connect(self._present)

    def __call__(self, report: CrashReport) -> None:
        if QThread.currentThread() is self.thread():
            self._present(report)
        else:
            self._received.emit(report)

    @Slot(object)
    def _present(self, report: CrashReport) -> None:
        if self._on_report is not None:
            self._on_report(report)
            return
        if self.dialog is not None and self.dialog.isVisible() and self._shown is not None:
            # Keep the first error in view (often the cause of the others); count the rest.
            self._more += 1
            self.dialog.setInformativeText(_informative(self._shown, self._more))
            return
        self._more = 0
        self._shown = report
        self.dialog = crash_dialog(report, self._parent_widget)
        self.dialog.finished.connect(self._closed)
        self.dialog.show()

    @Slot()
    def _closed(self) -> None:
        self.dialog = None
        self._shown = None


def crash_dialog(report: CrashReport, parent: QWidget | None = None) -> QMessageBox:
    """A non-blocking message box: what happened in one line, the log path, the traceback."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(TITLE)
    box.setText(_LEAD)
    box.setInformativeText(_informative(report, 0))
    box.setDetailedText(report.details)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.ApplicationModal)
    return box


def _informative(report: CrashReport, more: int) -> str:
    lines = [report.summary]
    if report.log_path is not None:
        lines.append(f"The full details are in the log file:\n{report.log_path}")
    lines.append("If it happens again, send that file to your IT support.")
    if more:
        lines.append(f"({more} more error{'s' if more > 1 else ''} since this one.)")
    return "\n\n".join(lines)


def show_blocking_error(title: str, text: str, details: str = "") -> None:
    """A modal message for a failure before the main window exists (bad configuration, a
    crash during start-up) in a windowed executable, which has no terminal to print to."""
    app = QApplication.instance() or QApplication([])
    box = QMessageBox(QMessageBox.Icon.Critical, title, text)
    if details:
        box.setDetailedText(details)
    box.exec()
    del app


def blocking_presenter(report: CrashReport) -> None:
    """A ``desktop.crash`` fallback presenter: the report as a blocking dialog."""
    show_blocking_error(TITLE, report.message, report.details)
