"""The import dialog's parts: the work it runs on the task runner and small widgets.

``run_import`` and the readers run on a worker and return plain values: an expected refusal
or a cancellation is a result, not an exception, so the dialog can say so plainly.
"""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem

from db.engine import Database
from desktop.core.identity import Actor
from desktop.sources.csv_import import (
    ImportCancelled,
    ImportOptions,
    ImportRefused,
    Preview,
    TicketImportReport,
    import_tickets,
    preview_file,
)
from desktop.sources.csv_mappings import ColumnMapping, MappingError, load_mapping

NOT_IMPORTED = "(not imported)"


@dataclass(frozen=True)
class ImportOutcome:
    report: TicketImportReport | None = None
    refused: str | None = None
    cancelled: bool = False


class ImportProgress(QObject):
    """Carries progress from the worker to the dialog (queued across threads)."""

    moved = Signal(float, str)


def run_import(
    db: Database,
    path: str,
    actor: Actor,
    options: ImportOptions,
    progress: ImportProgress,
    cancel: threading.Event,
) -> ImportOutcome:
    """The import on a worker; expected outcomes come back as values, not exceptions."""
    try:
        report = import_tickets(
            db, path, actor, options, progress=progress.moved.emit, cancelled=cancel.is_set
        )
    except ImportCancelled:
        return ImportOutcome(cancelled=True)
    except ImportRefused as exc:
        return ImportOutcome(refused=str(exc))
    return ImportOutcome(report=report)


def read_preview(path: str) -> Preview | str:
    try:
        return preview_file(path)
    except ImportRefused as exc:
        return str(exc)


def read_mapping(path: str) -> ColumnMapping | str:
    try:
        return load_mapping(path)
    except MappingError as exc:
        return str(exc)


def step_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-size: 15px; font-weight: 600;")
    return label


def note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("kpiCaption", True)
    return label


def sample_table() -> QTableWidget:
    table = QTableWidget()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setDefaultSectionSize(24)
    table.setWordWrap(False)
    return table


def fill_sample(table: QTableWidget, preview: Preview) -> None:
    """The first rows of the file as they were read (cells cut at 200 characters)."""
    table.clear()
    table.setColumnCount(len(preview.header))
    table.setRowCount(len(preview.rows))
    table.setHorizontalHeaderLabels(preview.header)
    for r, values in enumerate(preview.rows):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(value[:200]))
    table.resizeColumnsToContents()
    for c in range(table.columnCount()):
        table.setColumnWidth(c, min(table.columnWidth(c), 220))


def write_report(path: str, rows: list[tuple[int, str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "kind", "reason"])
        writer.writerows(rows)
