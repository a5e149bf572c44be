"""Step 2 of the import: which column of the file holds each field, with the first rows."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.sources.csv_import import Preview
from desktop.sources.csv_mappings import FIELDS, ColumnMapping
from desktop.ui.tickets_import_parts import (
    NOT_IMPORTED,
    fill_sample,
    note,
    sample_table,
    step_title,
)


class MappingPage(QWidget):
    """A row per field: its label (* when required), a column picker and the first row's value.

    Attributes:
        edited: a column choice changed.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filled = False
        self._preview: Preview | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(step_title("2. Check which column holds what"))
        self.status = note()
        layout.addWidget(self.status)
        self.fields = QTableWidget(len(FIELDS), 3)
        self.fields.setHorizontalHeaderLabels(["Field", "Column in the file", "First row"])
        self.fields.verticalHeader().setVisible(False)
        header = self.fields.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.fields.setColumnWidth(1, 230)
        self.field_columns: dict[str, QComboBox] = {}
        for row, spec in enumerate(FIELDS):
            item = QTableWidgetItem(spec.label + (" *" if spec.required else ""))
            item.setToolTip(spec.hint or ("required" if spec.required else "optional"))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.fields.setItem(row, 0, item)
            combo = QComboBox()
            combo.currentIndexChanged.connect(self._changed)
            self.fields.setCellWidget(row, 1, combo)
            self.field_columns[spec.name] = combo
            example = QTableWidgetItem("")
            example.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.fields.setItem(row, 2, example)
        layout.addWidget(self.fields, 3)
        layout.addWidget(note("First rows of the file"))
        self.sample = sample_table()
        layout.addWidget(self.sample, 2)

    def fill(self, preview: Preview, mapping: ColumnMapping) -> None:
        """Offer the file's columns, preselected by ``mapping``."""
        self._preview = preview
        resolved = mapping.resolve(preview.header)
        for spec in FIELDS:
            combo = self.field_columns[spec.name]
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_IMPORTED, None)
            for column in preview.header:
                combo.addItem(column, column)
            combo.setCurrentIndex(max(combo.findData(resolved.get(spec.name)), 0))
            combo.blockSignals(False)
        fill_sample(self.sample, preview)
        self.filled = True
        self._show_examples()

    def columns(self) -> dict[str, str | None]:
        """Field -> chosen column (None: not imported)."""
        return {name: combo.currentData() for name, combo in self.field_columns.items()}

    def show_status(self, mapping: ColumnMapping | None, header: list[str]) -> None:
        missing = mapping.missing_required(header) if mapping else []
        if missing:
            _set_severity(self.status, f"Choose a column for: {', '.join(missing)}.", "bad")
        else:
            _set_severity(
                self.status,
                f"Layout {mapping.name if mapping else ''}: fields marked * are required; "
                "the others are imported when a column is chosen.",
                None,
            )

    def _changed(self) -> None:
        self._show_examples()
        self.edited.emit()

    def _show_examples(self) -> None:
        preview = self._preview
        if preview is None:
            return
        first = preview.rows[0] if preview.rows else []
        for row, spec in enumerate(FIELDS):
            column = self.field_columns[spec.name].currentData()
            value = (
                first[preview.header.index(column)] if column in preview.header and first else ""
            )
            self.fields.item(row, 2).setText(value[:120])


def _set_severity(label: QLabel, text: str, severity: str | None) -> None:
    label.setText(text)
    label.setProperty("severity", severity)
    label.style().unpolish(label)
    label.style().polish(label)
