"""File > Import tickets…: pick a file, map its columns (with a preview), import with progress.

Three steps. 1: the file, its layout (guessed: Proximity, Zendesk or Freshdesk, or a mapping
file), the phone region and the queue of rows without one. 2: which column holds each field,
with the first rows of the file beside it. 3: the import itself, with a progress bar and
Cancel (which rolls everything back), then the report: every rejected row with its line
number and reason, and "Import the valid rows" when some were rejected. Reading, checking
and writing all run on the task runner.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.live.tasks import TaskError
from desktop.sources.csv_import import (
    ImportOptions,
    Preview,
    TicketImportReport,
)
from desktop.sources.csv_mappings import BUILTIN, ColumnMapping
from desktop.ui.context import ViewContext
from desktop.ui.theme import icon
from desktop.ui.tickets_import_mapping import MappingPage
from desktop.ui.tickets_import_parts import (
    ImportOutcome,
    ImportProgress,
    fill_sample,
    note,
    read_mapping,
    read_preview,
    run_import,
    sample_table,
    step_title,
    write_report,
)


class ImportDialog(QDialog):
    """The ticket import (see the module docstring).

    Attributes:
        imported: a summary sentence after tickets were written.
    """

    imported = Signal(str)

    def __init__(
        self, ctx: ViewContext, parent: QWidget | None = None, queues: Sequence[str] = ()
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Import tickets")
        self.setWindowIcon(icon("import"))
        self.resize(860, 600)
        self.preview: Preview | None = None
        self.mapping: ColumnMapping | None = None
        self.report: TicketImportReport | None = None
        self._cancel = threading.Event()
        self._progress = ImportProgress(self)
        self._progress.moved.connect(self._moved)
        self.running = False

        self.stack = QStackedWidget()
        self.stack.addWidget(self._file_page(queues))
        self.stack.addWidget(self._mapping_page())
        self.stack.addWidget(self._run_page())

        self.back = QPushButton("Back")
        self.next = QPushButton("Next")
        self.next.setProperty("primary", True)
        self.close_button = QPushButton("Cancel")
        self.back.clicked.connect(self._back)
        self.next.clicked.connect(self._next)
        self.close_button.clicked.connect(self._close_or_cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back, self.next, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    # Step 1: the file ---------------------------------------------------------------------------
    def _file_page(self, queues: Sequence[str]) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(step_title("1. Choose the CSV export"))
        layout.addWidget(
            note(
                "Tickets and their customers from Proximity's own CSV layout or a Zendesk or "
                "Freshdesk ticket export (UTF-8). Every row is checked first; with any rejected "
                "row nothing is written unless you choose to import the valid rows. Tickets "
                "imported before (same ticket id) are skipped."
            )
        )
        form = QFormLayout()
        self.path = QLineEdit()
        self.path.setPlaceholderText("Choose a .csv file")
        self.path.setReadOnly(True)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("File", row)
        self.layout_choice = QComboBox()
        self.layout_choice.addItem("Detect from the columns", None)
        for name in BUILTIN:
            self.layout_choice.addItem(name.capitalize(), name)
        self.layout_choice.addItem("From a mapping file…", "file")
        self.layout_choice.activated.connect(self._layout_chosen)
        form.addRow("Layout", self.layout_choice)
        self.region = QLineEdit(str(self.ctx.settings["import.phone_region"]))
        self.region.setMaxLength(2)
        self.region.setFixedWidth(60)
        self.region.setToolTip("Phone numbers without +country code are read in this region")
        form.addRow("Phone region", self.region)
        self.default_queue = QComboBox()
        self.default_queue.addItem("(reject rows without a queue)", None)
        for name in queues:
            self.default_queue.addItem(name, name)
        form.addRow("Queue for rows without one", self.default_queue)
        layout.addLayout(form)
        self.file_status = note()
        layout.addWidget(self.file_status)
        self.first_rows = sample_table()
        layout.addWidget(self.first_rows, 1)
        return page

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import tickets", str(Path.home()), "CSV files (*.csv *.txt);;All files (*)"
        )
        if path:
            self.set_file(path)

    def set_file(self, path: str) -> None:
        """Read the head of ``path`` (on a worker) and guess its layout."""
        self.path.setText(path)
        self.preview = None
        self.file_status.setText("Reading the first rows…")
        self._update_buttons()
        self.ctx.runner.submit(partial(read_preview, path), self._preview_ready, self._failed)

    def _preview_ready(self, preview: Preview | str) -> None:
        if isinstance(preview, str):
            self._set_status(self.file_status, preview, "bad")
            self.preview = None
        else:
            self.preview = preview
            chosen = self.layout_choice.currentData()
            if chosen in BUILTIN:
                self.mapping = BUILTIN[chosen]
            elif chosen is None or self.mapping is None:
                self.mapping = preview.mapping
            text = (
                f"About {preview.estimated_rows:,} rows, {len(preview.header)} columns; "
                f"layout: {self.mapping.name}."
            )
            if preview.first_error:
                self._set_status(self.file_status, f"{text} {preview.first_error}", "warn")
            else:
                self._set_status(self.file_status, text, None)
            fill_sample(self.first_rows, preview)
        self._update_buttons()

    def _layout_chosen(self) -> None:
        chosen = self.layout_choice.currentData()
        if chosen == "file":
            path, _ = QFileDialog.getOpenFileName(
                self, "Column mapping", str(Path.home()), "Mapping files (*.json)"
            )
            if path:
                self.ctx.runner.submit(
                    partial(read_mapping, path), self._mapping_read, self._failed
                )
            return
        if chosen in BUILTIN:
            self.mapping = BUILTIN[chosen]
        elif self.preview is not None:
            self.mapping = self.preview.mapping
        if self.preview is not None:
            self._preview_ready(self.preview)

    def _mapping_read(self, mapping: ColumnMapping | str) -> None:
        if isinstance(mapping, str):
            self._set_status(self.file_status, mapping, "bad")
            return
        self.mapping = mapping
        self._set_status(self.file_status, f"Mapping “{mapping.name}” loaded.", None)
        self._update_buttons()

    # Step 2: the mapping ------------------------------------------------------------------------
    def _mapping_page(self) -> QWidget:
        self.mapping_page = MappingPage()
        self.mapping_page.edited.connect(self._mapping_edited)
        # The tests and the dialog's callers reach these directly.
        self.field_columns = self.mapping_page.field_columns
        self.fields = self.mapping_page.fields
        self.sample = self.mapping_page.sample
        self.mapping_status = self.mapping_page.status
        return self.mapping_page

    def _fill_mapping_page(self) -> None:
        assert self.preview is not None and self.mapping is not None
        self.mapping_page.fill(self.preview, self.mapping)
        self._mapping_edited()

    def _mapping_edited(self) -> None:
        if self.preview is not None:
            self.mapping_page.show_status(self.current_mapping(), self.preview.header)
        self._update_buttons()

    def current_mapping(self) -> ColumnMapping | None:
        """The chosen layout with the columns picked in step 2."""
        if self.mapping is None:
            return None
        if self.stack.currentIndex() < 1 or not self.mapping_page.filled:
            return self.mapping
        return self.mapping.with_columns(self.mapping_page.columns())

    # Step 3: import -----------------------------------------------------------------------------
    def _run_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(step_title("3. Import"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress_label = note("Checking every row…")
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.result)
        self.issues = QTableWidget(0, 3)
        self.issues.setHorizontalHeaderLabels(["Line", "", "Reason"])
        self.issues.verticalHeader().setVisible(False)
        self.issues.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.issues.horizontalHeader().setStretchLastSection(True)
        self.issues.setColumnWidth(0, 70)
        self.issues.setColumnWidth(1, 90)
        layout.addWidget(self.issues, 1)
        row = QHBoxLayout()
        self.valid_rows = QPushButton("Import the valid rows")
        self.valid_rows.setToolTip("Write the rows that passed; the rejected ones are left out")
        self.valid_rows.clicked.connect(lambda: self.start(valid_rows=True))
        self.save_report = QPushButton("Save report…")
        self.save_report.clicked.connect(self._save_report)
        row.addWidget(self.valid_rows)
        row.addWidget(self.save_report)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    def start(self, valid_rows: bool = False) -> None:
        """Run the import on a worker (validation, then the write)."""
        mapping = self.current_mapping()
        if mapping is None or not self.path.text():
            return
        self.stack.setCurrentIndex(2)
        self.report = None
        self._cancel.clear()
        self.running = True
        self.progress.setValue(0)
        self.progress.show()
        self.progress_label.setText("Checking every row…")
        self.result.clear()
        self.issues.setRowCount(0)
        options = ImportOptions(
            mapping=mapping,
            region=(self.region.text().strip() or "US").upper(),
            valid_rows=valid_rows,
            default_queue=self.default_queue.currentData(),
        )
        job = partial(
            run_import,
            self.ctx.db,
            self.path.text(),
            self.ctx.actor,
            options,
            self._progress,
            self._cancel,
        )
        self.ctx.runner.submit(job, self._finished, self._failed)
        self._update_buttons()

    def _moved(self, fraction: float, message: str) -> None:
        if self.running:
            self.progress.setValue(int(fraction * 1000))
            self.progress_label.setText(message)

    def _finished(self, outcome: ImportOutcome) -> None:
        self.running = False
        if outcome.cancelled:
            self.progress_label.setText("Cancelled: nothing was imported.")
            self.progress.setValue(0)
        elif outcome.refused:
            self.progress_label.setText("The file was refused; nothing was imported.")
            self._set_status(self.result, outcome.refused, "bad")
        else:
            assert outcome.report is not None
            self._show_report(outcome.report)
        self._update_buttons()

    def _show_report(self, report: TicketImportReport) -> None:
        self.report = report
        self.progress.setValue(1000)
        self.progress.setVisible(report.written)
        self.progress_label.setText(
            "Done." if report.written else f"Checked {report.rows:,} rows; nothing was written."
        )
        severity = "ok" if report.written and report.ok else "warn" if report.written else "bad"
        self._set_status(self.result, report.summary(), severity)
        issues = [(i, "rejected") for i in report.rejected] + [
            (i, "changed") for i in report.warnings
        ]
        shown = sorted(issues, key=lambda pair: pair[0].line)[:5000]
        self.issues.setRowCount(len(shown))
        for r, (issue, kind) in enumerate(shown):
            self.issues.setItem(r, 0, QTableWidgetItem(str(issue.line)))
            self.issues.setItem(r, 1, QTableWidgetItem(kind))
            self.issues.setItem(r, 2, QTableWidgetItem(issue.reason))
        if report.written:
            self.imported.emit(report.summary())

    def _failed(self, error: TaskError) -> None:
        self.running = False
        target = self.result if self.stack.currentIndex() == 2 else self.file_status
        self._set_status(target, error.message, "bad")
        self._update_buttons()

    def _save_report(self) -> None:
        if self.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save import report", "import-report.csv", "CSV (*.csv)"
        )
        if not path:
            return
        rows = [(i.line, "rejected", i.reason) for i in self.report.rejected]
        rows += [(i.line, "changed", i.reason) for i in self.report.warnings]
        self.ctx.runner.submit(partial(write_report, path, rows), lambda _r: None, self._failed)

    # Navigation ---------------------------------------------------------------------------------
    def _next(self) -> None:
        page = self.stack.currentIndex()
        if page == 0 and self.preview is not None:
            self.stack.setCurrentIndex(1)
            self._fill_mapping_page()
        elif page == 1:
            self.start()
        elif page == 2:
            self.accept()
        self._update_buttons()

    def _back(self) -> None:
        if not self.running and self.stack.currentIndex() > 0:
            self.stack.setCurrentIndex(self.stack.currentIndex() - 1)
        self._update_buttons()

    def _close_or_cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self.progress_label.setText("Cancelling: rolling back…")
            return
        self.reject()

    def _update_buttons(self) -> None:
        page = self.stack.currentIndex()
        self.back.setEnabled(page > 0 and not self.running)
        self.close_button.setText("Cancel import" if self.running else "Close")
        if page == 0:
            self.next.setText("Next")
            self.next.setEnabled(self.preview is not None and self.mapping is not None)
        elif page == 1:
            mapping = self.current_mapping()
            ok = mapping is not None and self.preview is not None
            self.next.setText("Import")
            self.next.setEnabled(ok and not mapping.missing_required(self.preview.header))  # type: ignore[union-attr]
        else:
            self.next.setText("Done")
            self.next.setEnabled(not self.running)
        self.close_button.setVisible(page < 2 or self.running)
        report = self.report
        can_retry = (
            report is not None and not report.written and bool(report.rejected) and report.valid > 0
        )
        self.valid_rows.setVisible(page == 2 and can_retry)
        self.save_report.setVisible(page == 2 and report is not None and not report.ok)

    @staticmethod
    def _set_status(label: QLabel, text: str, severity: str | None) -> None:
        label.setText(text)
        label.setProperty("severity", severity)
        label.style().unpolish(label)
        label.style().polish(label)
