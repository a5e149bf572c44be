"""What the supervisor view's buttons and menus do: open the dialogs, export, import.

Every file or database operation runs on the task runner; results come back as callbacks on
the GUI thread. ``changed`` tells the view to refresh after a successful write.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from db.queries.supervisor import SupervisorSnapshot
from desktop.core.coaching import Flag, topic_for
from desktop.core.scorecard import Metric
from desktop.live.tasks import TaskError
from desktop.ui import supervisor_tasks as tasks
from desktop.ui.context import ViewContext

if TYPE_CHECKING:
    from desktop.sources.survey_import import ImportReport


class SupervisorActions(QObject):
    """Dialogs, exports and imports of the supervisor view.

    Attributes:
        changed: a write succeeded; the text says what happened.
        message: something to tell the user that changed no data (an export was saved).
        snapshot: the snapshot on screen (exports and traces use its period and scope).
        dialogs: dialogs currently open (tests look at them).
    """

    changed = Signal(str)
    message = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx: ViewContext | None = None
        self.parent_widget: QWidget | None = None
        self.snapshot: SupervisorSnapshot | None = None
        self.dialogs: list[QWidget] = []

    def bind(self, ctx: ViewContext, parent: QWidget) -> None:
        self.ctx, self.parent_widget = ctx, parent

    # Menus -------------------------------------------------------------------------------
    def export_menu(self) -> QMenu:
        menu = QMenu()
        for text, fmt in (
            ("Scorecards and team panel to CSV…", "csv"),
            ("Printable report (PDF) with charts…", "pdf"),
        ):
            action = QAction(text, menu)
            action.triggered.connect(partial(self.export, fmt, None))
            menu.addAction(action)
        return menu

    def data_menu(self) -> QMenu:
        menu = QMenu()
        entries = (
            ("Import pulse survey CSV…", partial(self.import_file, "pulse", None)),
            ("Import QA results CSV…", partial(self.import_file, "qa", None)),
            ("Edit QA rubric…", self.edit_rubric),
        )
        for text, slot in entries:
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        return menu

    def _ready(self) -> bool:
        return self.ctx is not None and self.parent_widget is not None

    def _keep(self, dialog: QWidget) -> None:
        self.dialogs.append(dialog)
        dialog.destroyed.connect(
            lambda *_: self.dialogs.remove(dialog) if dialog in self.dialogs else None
        )

    def _failed(self, title: str, error: TaskError) -> None:
        QMessageBox.warning(self.parent_widget, title, error.message)

    # Trace -------------------------------------------------------------------------------
    def trace(
        self, metric: Metric, team_ids: tuple[int, ...], employee_id: int | None, who: str
    ) -> None:
        """Open the rows behind a figure of the current period."""
        if not self._ready() or self.snapshot is None:
            return
        from desktop.ui.supervisor_trace_dialog import TraceDialog

        assert self.ctx is not None
        period = self.snapshot.panel.period
        dialog = TraceDialog(
            self.ctx,
            metric,
            who,
            period,
            team_ids,
            employee_id,
            self.snapshot.thresholds,
            self.parent_widget,
        )
        self._keep(dialog)
        dialog.show()

    # Coaching ----------------------------------------------------------------------------
    def log_session(self, employee_id: int, name: str, flags: list[Flag]) -> None:
        if not self._ready():
            return
        from desktop.ui.supervisor_coaching_dialog import LogCoachingDialog

        assert self.ctx is not None
        agent_flags = [
            f
            for f in (self.snapshot.attention if self.snapshot else ())
            if f.employee_id == employee_id
        ]
        dialog = LogCoachingDialog(
            self.ctx, employee_id, name, agent_flags, flags, self.parent_widget
        )
        dialog.saved.connect(self.changed)
        self._keep(dialog)
        dialog.show()

    def find_slot(self, employee_id: int, name: str, flag: Flag | None = None) -> None:
        if not self._ready():
            return
        from desktop.ui.supervisor_slot_dialog import FindSlotDialog

        assert self.ctx is not None
        topic = topic_for(flag) if flag else ""
        dialog = FindSlotDialog(self.ctx, employee_id, name, topic, self.parent_widget)
        dialog.saved.connect(self.changed)
        self._keep(dialog)
        dialog.show()

    def qa_review(self, employee_id: int, name: str) -> None:
        if not self._ready():
            return
        from desktop.ui.supervisor_qa_dialog import QaReviewDialog

        assert self.ctx is not None
        dialog = QaReviewDialog(self.ctx, employee_id, name, self.parent_widget)
        dialog.saved.connect(self.changed)
        self._keep(dialog)
        dialog.show()

    def edit_rubric(self) -> None:
        if not self._ready():
            return
        from desktop.ui.supervisor_rubric_dialog import RubricEditorDialog

        assert self.ctx is not None
        dialog = RubricEditorDialog(self.ctx, self.parent_widget)
        dialog.saved.connect(self.changed)
        self._keep(dialog)
        dialog.show()

    def follow_up_done(self, session_id: int, name: str) -> None:
        if not self._ready():
            return
        assert self.ctx is not None
        self.ctx.runner.submit(
            partial(tasks.mark_follow_up_done, self.ctx.db, self.ctx.actor, session_id),
            lambda _r: self.changed.emit(f"Follow-up with {name} marked done."),
            partial(self._failed, "Follow-up"),
        )

    # Export ------------------------------------------------------------------------------
    def export(self, fmt: str, path: str | None = None) -> None:
        """Save the snapshot on screen as CSV or PDF (asks for a file when ``path`` is None)."""
        if not self._ready() or self.snapshot is None:
            return
        assert self.ctx is not None
        if path is None:
            suffix = "PDF report (*.pdf)" if fmt == "pdf" else "CSV (*.csv)"
            stem = self.snapshot.panel.scope.label.replace(" + ", "-").replace(" ", "_")
            path, _ = QFileDialog.getSaveFileName(
                self.parent_widget,
                "Export",
                str(Path.home() / f"scorecards-{stem}.{fmt}"),
                suffix,
            )
            if not path:
                return
        from desktop.ui.export import write_export

        if fmt == "pdf":
            # Imported here, on the GUI thread; the worker only writes. Importing Qt-using
            # modules on a worker crashed PySide6 now and then (ui.pyside_workarounds).
            import desktop.ui.export_pdf  # noqa: F401

        self.ctx.runner.submit(
            partial(write_export, self.snapshot, Path(path), fmt, self.ctx.actor.label),
            lambda _r: self.message.emit(f"Saved {Path(path).name}."),
            partial(self._failed, "Export"),
        )

    # Import ------------------------------------------------------------------------------
    def import_file(self, kind: str, path: str | None = None, valid_rows: bool = False) -> None:
        """Import pulse answers or QA results; on rejected rows offer the valid ones."""
        if not self._ready():
            return
        assert self.ctx is not None
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.parent_widget,
                f"Import {'pulse survey' if kind == 'pulse' else 'QA'} CSV",
                str(Path.home()),
                "CSV (*.csv *.txt)",
            )
            if not path:
                return
        from desktop.sources import survey_import

        importer = survey_import.import_pulse if kind == "pulse" else survey_import.import_qa
        self.ctx.runner.submit(
            partial(importer, self.ctx.db, path, self.ctx.actor, valid_rows),
            partial(self._imported, kind, path),
            partial(self._failed, "Import"),
        )

    def _imported(self, kind: str, path: str, report: ImportReport) -> None:
        from desktop.sources.survey_import import format_report

        if report.written:
            self.changed.emit(report.summary())
            if report.rejected or report.warnings:
                QMessageBox.information(self.parent_widget, "Import", format_report(report, 20))
            return
        valid = report.rows - len(report.rejected)
        answer = QMessageBox.question(
            self.parent_widget,
            "Import: rows rejected",
            format_report(report, 20)
            + (f"\n\nImport the {valid} valid rows anyway?" if valid else ""),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
            if valid
            else QMessageBox.StandardButton.Ok,
        )
        if valid and answer == QMessageBox.StandardButton.Yes:
            self.import_file(kind, path, valid_rows=True)
