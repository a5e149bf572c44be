"""Find a slot for a coaching session that costs the queues the least service level, and
book it. The figures are Erlang C's (``staffing_figures``), as in the Queues view's what-if."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.queries.supervisor_slots import SlotInputs
from desktop.core.coaching_slots import SlotOption
from desktop.live.tasks import TaskError
from desktop.ui import formatting as fmt
from desktop.ui.context import ViewContext
from desktop.ui.supervisor_common import MessageLine, guarded
from desktop.ui.supervisor_tasks import book_session, load_slots
from desktop.ui.theme import active_colors

SHOWN = 40


def _item(text: str, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class FindSlotDialog(QDialog):
    """Ranks today's and the next 5 working days' slots by service level lost."""

    saved = Signal(str)

    def __init__(
        self,
        ctx: ViewContext,
        employee_id: int,
        name: str,
        topic: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Find a slot — coaching {name}")
        self.resize(900, 640)
        self.ctx, self.employee_id, self.name = ctx, employee_id, name
        self.inputs: SlotInputs | None = None
        self.options: list[SlotOption] = []

        self.length = QComboBox()
        for minutes in (15, 30, 45, 60, 90):
            self.length.addItem(f"{minutes} minutes", minutes)
        self.length.setCurrentIndex(1)
        self.topic = QLineEdit(topic or "Coaching session")
        self.context = QLabel("Reading the queues' last 4 weeks…")
        self.context.setWordWrap(True)
        self.context.setObjectName("hint")
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            ["Day", "Time", "Service level", "Points lost", "Contacts expected", "Note"]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.detail = QTableWidget(0, 8)
        self.detail.setHorizontalHeaderLabels(
            [
                "Queue",
                "Interval",
                "Contacts/h",
                "AHT",
                "Agents",
                "Threshold",
                "SL with",
                "SL without",
            ]
        )
        self.detail.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.detail.verticalHeader().setVisible(False)
        self.detail.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        detail_box = QWidget()
        detail_layout = QVBoxLayout(detail_box)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_note = QLabel(
            "Erlang C per queue and 15-minute interval: the same staffing_figures as the Queues "
            "view's what-if, so typing these contacts/h, AHT, agents and threshold there gives "
            "the same service level."
        )
        detail_note.setWordWrap(True)
        detail_note.setObjectName("hint")
        detail_layout.addWidget(detail_note)
        detail_layout.addWidget(self.detail, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(detail_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.message = MessageLine(self)
        form = QFormLayout()
        top = QHBoxLayout()
        top.addWidget(self.length)
        top.addWidget(QLabel("Topic"))
        top.addWidget(self.topic, 1)
        form.addRow("Session", top)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.book_button = self.buttons.addButton(
            "Book this slot", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.book_button.setEnabled(False)
        self.buttons.accepted.connect(self.book)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.context)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.length.currentIndexChanged.connect(self.load)
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.load()

    def load(self) -> None:
        self.book_button.setEnabled(False)
        self.ctx.runner.submit(
            partial(
                load_slots,
                self.ctx.db,
                self.ctx.actor,
                self.employee_id,
                int(self.length.currentData()),
                self.ctx.now(),
            ),
            guarded(self, self._loaded),
            guarded(self, self._failed),
        )

    def _loaded(self, result: tuple[SlotInputs, list[SlotOption]]) -> None:
        self.inputs, self.options = result
        inputs = self.inputs
        coach = inputs.coach
        leaving = f"{inputs.agent.name}"
        if coach and coach.takes_contacts and coach.queue_ids:
            leaving += f" and {coach.name} (you take contacts too)"
        queues = ", ".join(q.name for q in inputs.queues) or "no queue"
        self.context.setText(
            f"Leaving {queues}: {leaving}. Arrivals: the mean of the same weekday and quarter "
            f"hour from {inputs.history_from:%d %b} to {inputs.history_to:%d %b}; agents: the "
            f"queue members on shift, less the queue's shrinkage. Times in {inputs.tz}."
        )
        shown = self.options[:SHOWN]
        self.table.setRowCount(len(shown))
        best = QBrush(QColor(active_colors()["okBg"]))
        risky = QBrush(QColor(active_colors()["warnBg"]))
        for row, option in enumerate(shown):
            start = option.start
            cells = [
                _item(start.strftime("%a %d %b")),
                _item(f"{start:%H:%M}–{option.end:%H:%M}"),
                _item(option.label),
                _item(f"{100 * option.cost:.1f}", True),
                _item(f"{option.contacts:.1f}", True),
                _item(option.note),
            ]
            for column, cell in enumerate(cells):
                if row == 0 and not option.note:
                    cell.setBackground(best)
                    cell.setToolTip("The slot that costs the queues least")
                elif option.note:
                    cell.setBackground(risky)
                    cell.setToolTip(f"Risky: {option.note}")
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        if not self.options:
            self.message.show_message(
                "No free slot inside the agent's shift in the next working days.", "warn"
            )
        else:
            self.message.show_message(
                f"{len(self.options)} possible slots, cheapest first"
                + (f" (the {SHOWN} cheapest shown)." if len(self.options) > SHOWN else ".")
            )
            self.table.selectRow(0)

    def selected(self) -> SlotOption | None:
        rows = self.table.selectionModel().selectedRows()
        return self.options[rows[0].row()] if rows else None

    def _show_detail(self) -> None:
        option = self.selected()
        self.book_button.setEnabled(option is not None)
        if option is None:
            return
        self.detail.setRowCount(len(option.impacts))
        for row, i in enumerate(option.impacts):
            cells = [
                _item(i.queue),
                _item(f"{i.start.astimezone(option.start.tzinfo):%H:%M}"),
                _item(f"{i.rate_per_hour:.0f}", True),
                _item(fmt.duration(i.aht_seconds), True),
                _item(f"{i.agents_before} → {i.agents_after}", True),
                _item(fmt.duration(i.threshold_seconds), True),
                _item(fmt.percent(100 * i.sl_before), True),
                _item(
                    fmt.percent(100 * i.sl_after) + ("  over capacity" if i.over_capacity else ""),
                    True,
                ),
            ]
            for column, cell in enumerate(cells):
                self.detail.setItem(row, column, cell)

    def book(self) -> None:
        option = self.selected()
        if option is None:
            return
        self.book_button.setEnabled(False)
        self.ctx.runner.submit(
            partial(
                book_session,
                self.ctx.db,
                self.ctx.actor,
                self.employee_id,
                option.start,
                int(self.length.currentData()),
                self.topic.text(),
                self.ctx.now(),
            ),
            guarded(self, lambda _id: self._booked(option)),
            guarded(self, self._failed),
        )

    def _booked(self, option: SlotOption) -> None:
        self.saved.emit(
            f"Coaching with {self.name} booked for {option.start:%a %d %b %H:%M} ({option.label})."
        )
        self.accept()

    def _failed(self, error: TaskError) -> None:
        self.message.show_message(error.message, "warn")
        self.book_button.setEnabled(self.selected() is not None)
