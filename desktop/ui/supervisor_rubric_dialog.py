"""Edit a QA rubric: items (label, weight, scale, critical) and the critical pass mark."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.actions.qa import RubricInput, RubricItemInput, RubricRow
from desktop.live.tasks import TaskError
from desktop.ui.context import ViewContext
from desktop.ui.supervisor_common import MessageLine, guarded
from desktop.ui.supervisor_tasks import load_rubrics, save_rubric

LABEL, WEIGHT, LOW, HIGH, CRITICAL = range(5)


class RubricEditorDialog(QDialog):
    """Edit a rubric's items (label, weight, scale, critical) and its pass mark."""

    saved = Signal(str)

    def __init__(
        self, ctx: ViewContext, parent: QWidget | None = None, rubric_id: int | None = None
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("QA rubric")
        self.resize(720, 520)
        self.ctx = ctx
        self.rubrics: tuple[RubricRow, ...] = ()
        self._wanted = rubric_id
        self.rubric_box = QComboBox()
        self.name = QLineEdit()
        self.pass_mark = QSpinBox()
        self.pass_mark.setRange(0, 100)
        self.pass_mark.setSuffix(" %")
        self.pass_mark.setToolTip(
            "A critical item scoring below this share of its scale fails "
            "and makes the review 0 % (metrics.qa_score)."
        )
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Item", "Weight", "Lowest", "Highest", "Critical"])
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setColumnWidth(LABEL, 300)
        self.table.verticalHeader().setVisible(False)
        add, remove = QPushButton("Add item"), QPushButton("Remove item")
        up, down = QPushButton("Move up"), QPushButton("Move down")
        add.clicked.connect(lambda: self.add_row(None, "", 1.0, 0, 4, False))
        remove.clicked.connect(self._remove)
        up.clicked.connect(lambda: self._move(-1))
        down.clicked.connect(lambda: self._move(1))
        row_buttons = QHBoxLayout()
        for button in (add, remove, up, down):
            row_buttons.addWidget(button)
        row_buttons.addStretch(1)
        note = QLabel(
            "Items already used in reviews keep their scale; removing one retires it, "
            "so past reviews and their scores stay as they were. Changes are audited."
        )
        note.setWordWrap(True)
        note.setObjectName("hint")
        self.message = MessageLine(self)
        form = QFormLayout()
        form.addRow("Rubric", self.rubric_box)
        form.addRow("Name", self.name)
        form.addRow("Critical pass mark", self.pass_mark)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(row_buttons)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.rubric_box.currentIndexChanged.connect(self._show_rubric)
        ctx.runner.submit(
            partial(load_rubrics, ctx.db), guarded(self, self._loaded), guarded(self, self._failed)
        )

    def _loaded(self, rubrics: tuple[RubricRow, ...]) -> None:
        self.rubrics = rubrics
        self.rubric_box.blockSignals(True)
        for r in rubrics:
            self.rubric_box.addItem(r.name, r.rubric_id)
        self.rubric_box.addItem("New rubric…", None)
        wanted = self.rubric_box.findData(self._wanted) if self._wanted is not None else 0
        self.rubric_box.setCurrentIndex(max(wanted, 0))
        self.rubric_box.blockSignals(False)
        self._show_rubric()

    def _show_rubric(self) -> None:
        rubric = next(
            (r for r in self.rubrics if r.rubric_id == self.rubric_box.currentData()), None
        )
        self.table.setRowCount(0)
        self.name.setText(rubric.name if rubric else "")
        self.pass_mark.setValue(round(100 * (rubric.pass_mark if rubric else 0.5)))
        for item in rubric.items if rubric else ():
            self.add_row(
                item.item_id, item.label, item.weight, item.scale_min, item.scale_max, item.critical
            )

    def add_row(
        self, item_id: int | None, label: str, weight: float, low: int, high: int, critical: bool
    ) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = QTableWidgetItem(label)
        name.setData(Qt.ItemDataRole.UserRole, item_id)
        self.table.setItem(row, LABEL, name)
        spin_weight = QDoubleSpinBox()
        spin_weight.setRange(0, 100)
        spin_weight.setDecimals(1)
        spin_weight.setValue(weight)
        self.table.setCellWidget(row, WEIGHT, spin_weight)
        for column, value in ((LOW, low), (HIGH, high)):
            spin = QSpinBox()
            spin.setRange(0, 10)
            spin.setValue(value)
            self.table.setCellWidget(row, column, spin)
        check = QTableWidgetItem()
        check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        check.setCheckState(Qt.CheckState.Checked if critical else Qt.CheckState.Unchecked)
        self.table.setItem(row, CRITICAL, check)
        return row

    def _row_values(self, row: int) -> RubricItemInput:
        name = self.table.item(row, LABEL)
        return RubricItemInput(
            name.data(Qt.ItemDataRole.UserRole) if name else None,
            name.text() if name else "",
            self.table.cellWidget(row, WEIGHT).value(),  # type: ignore[union-attr]
            self.table.cellWidget(row, LOW).value(),  # type: ignore[union-attr]
            self.table.cellWidget(row, HIGH).value(),  # type: ignore[union-attr]
            self.table.item(row, CRITICAL).checkState() == Qt.CheckState.Checked,  # type: ignore[union-attr]
        )

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def _move(self, step: int) -> None:
        row = self.table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        values = [self._row_values(r) for r in range(self.table.rowCount())]
        values[row], values[target] = values[target], values[row]
        self.table.setRowCount(0)
        for v in values:
            self.add_row(v.item_id, v.label, v.weight, v.scale_min, v.scale_max, v.critical)
        self.table.setCurrentCell(target, LABEL)

    def form_input(self) -> RubricInput:
        return RubricInput(
            self.rubric_box.currentData(),
            self.name.text(),
            self.pass_mark.value() / 100,
            tuple(self._row_values(r) for r in range(self.table.rowCount())),
        )

    def save(self) -> None:
        self.buttons.setEnabled(False)
        data = self.form_input()
        self.ctx.runner.submit(
            partial(save_rubric, self.ctx.db, self.ctx.actor, data),
            guarded(self, lambda _id: self._saved(data.name)),
            guarded(self, self._failed),
        )

    def _saved(self, name: str) -> None:
        self.saved.emit(f"Rubric '{name.strip()}' saved.")
        self.accept()

    def _failed(self, error: TaskError) -> None:
        self.buttons.setEnabled(True)
        self.message.show_message(error.message, "warn")
