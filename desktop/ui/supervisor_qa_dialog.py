"""QA: score an agent's contact against a rubric, and edit the rubric itself."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from db.actions.qa import RubricRow
from desktop.core import metrics
from desktop.live.tasks import TaskError
from desktop.ui.context import ViewContext
from desktop.ui.supervisor_common import MessageLine, guarded
from desktop.ui.supervisor_tasks import load_rubrics, save_review


def scale_labels(low: int, high: int) -> list[str]:
    """Button captions of an item's scale: "No"/"Yes" for 0-1, else the numbers."""
    if (low, high) == (0, 1):
        return ["No", "Yes"]
    return [str(v) for v in range(low, high + 1)]


class QaReviewDialog(QDialog):
    """Score every item of a rubric; the score follows ``metrics.qa_score`` live."""

    saved = Signal(str)

    def __init__(
        self, ctx: ViewContext, employee_id: int, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"QA review — {name}")
        self.resize(620, 640)
        self.ctx, self.employee_id, self.name = ctx, employee_id, name
        self.rubrics: tuple[RubricRow, ...] = ()
        self.groups: dict[int, QButtonGroup] = {}

        self.rubric_box = QComboBox()
        self.edit_rubric = QPushButton("Edit rubric…")
        top = QHBoxLayout()
        top.addWidget(self.rubric_box, 1)
        top.addWidget(self.edit_rubric)
        self.ticket = QLineEdit()
        self.ticket.setValidator(QIntValidator(1, 2_000_000_000, self))
        self.ticket.setPlaceholderText("Ticket number (optional)")
        self.items_box = QWidget()
        self.items_grid = QGridLayout(self.items_box)
        self.items_grid.setColumnStretch(0, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.items_box)
        self.score = QLabel("Loading the rubric…")
        self.score.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("What went well, what to work on")
        self.comment.setMaximumHeight(90)
        self.message = MessageLine(self)
        form = QFormLayout()
        form.addRow("Rubric", top)
        form.addRow("Ticket", self.ticket)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.score)
        layout.addWidget(QLabel("Comment"))
        layout.addWidget(self.comment)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.rubric_box.currentIndexChanged.connect(self._show_items)
        self.edit_rubric.clicked.connect(self._edit_rubric)
        self.load()

    def load(self) -> None:
        self.ctx.runner.submit(
            partial(load_rubrics, self.ctx.db),
            guarded(self, self._rubrics_loaded),
            guarded(self, self._failed),
        )

    def _rubrics_loaded(self, rubrics: tuple[RubricRow, ...]) -> None:
        current = self.rubric_box.currentData()
        self.rubrics = rubrics
        self.rubric_box.blockSignals(True)
        self.rubric_box.clear()
        for r in rubrics:
            self.rubric_box.addItem(r.name, r.rubric_id)
        index = self.rubric_box.findData(current)
        self.rubric_box.setCurrentIndex(max(index, 0))
        self.rubric_box.blockSignals(False)
        if not rubrics:
            self.score.setText("No rubric yet: create one with Edit rubric…")
        self._show_items()

    def rubric(self) -> RubricRow | None:
        return next((r for r in self.rubrics if r.rubric_id == self.rubric_box.currentData()), None)

    def _show_items(self) -> None:
        while self.items_grid.count():
            widget = self.items_grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.groups = {}
        rubric = self.rubric()
        if rubric is None:
            return
        for row, item in enumerate(rubric.items):
            label = QLabel(
                f"<b>{item.label}</b>"
                + (" <span style='color:#bb2229'>critical</span>" if item.critical else "")
            )
            label.setToolTip(
                f"Weight {item.weight:g}; scale {item.scale_min}-{item.scale_max}"
                + ("; failing it makes the review 0 %" if item.critical else "")
            )
            self.items_grid.addWidget(label, row, 0)
            buttons = QWidget()
            line = QHBoxLayout(buttons)
            line.setContentsMargins(0, 0, 0, 0)
            line.setSpacing(2)
            group = QButtonGroup(buttons)
            group.setExclusive(True)
            for value, caption in zip(
                range(item.scale_min, item.scale_max + 1),
                scale_labels(item.scale_min, item.scale_max),
                strict=True,
            ):
                button = QPushButton(caption)
                button.setCheckable(True)
                button.setMinimumWidth(46)
                group.addButton(button, value)
                line.addWidget(button)
            line.addStretch(1)
            group.idClicked.connect(lambda _v: self._update_score())
            self.groups[item.item_id] = group
            self.items_grid.addWidget(buttons, row, 1)
        self._update_score()

    def selections(self) -> dict[int, int]:
        return {i: g.checkedId() for i, g in self.groups.items() if g.checkedId() != -1}

    def select(self, item_id: int, value: int) -> None:
        """Choose a score for an item (as a click would)."""
        button = self.groups[item_id].button(value)
        button.setChecked(True)
        self._update_score()

    def current_score(self) -> float | None:
        rubric = self.rubric()
        chosen = self.selections()
        if rubric is None or len(chosen) < len(rubric.items):
            return None
        return metrics.qa_score(
            [
                metrics.QaItem(chosen[i.item_id], i.scale_min, i.scale_max, i.weight, i.critical)
                for i in rubric.items
            ],
            rubric.pass_mark,
        )

    def _update_score(self) -> None:
        rubric = self.rubric()
        if rubric is None:
            return
        done = len(self.selections())
        score = self.current_score()
        if score is None:
            self.score.setText(f"Score every item ({done} of {len(rubric.items)} done)")
            return
        failed = [
            i.label
            for i in rubric.items
            if metrics.QaItem(
                self.selections()[i.item_id], i.scale_min, i.scale_max, i.weight, i.critical
            ).fails(rubric.pass_mark)
        ]
        extra = f" — critical item '{failed[0]}' failed" if failed else ""
        self.score.setText(f"Score {score:.1f} %{extra}")

    def save(self) -> None:
        rubric = self.rubric()
        if rubric is None or self.current_score() is None:
            self.message.show_message("Score every item before saving.", "warn")
            return
        ticket = int(self.ticket.text()) if self.ticket.text().strip() else None
        self.buttons.setEnabled(False)
        self.ctx.runner.submit(
            partial(
                save_review,
                self.ctx.db,
                self.ctx.actor,
                self.employee_id,
                rubric.rubric_id,
                self.selections(),
                ticket,
                self.comment.toPlainText(),
            ),
            guarded(self, self._saved),
            guarded(self, self._failed),
        )

    def _saved(self, result: tuple[int, float]) -> None:
        self.saved.emit(f"QA review of {self.name} saved: {result[1]:.1f} %.")
        self.accept()

    def _failed(self, error: TaskError) -> None:
        self.buttons.setEnabled(True)
        self.message.show_message(error.message, "warn")

    def _edit_rubric(self) -> None:
        from desktop.ui.supervisor_rubric_dialog import RubricEditorDialog

        editor = RubricEditorDialog(self.ctx, self, self.rubric_box.currentData())
        editor.saved.connect(lambda _m: self.load())
        editor.show()
