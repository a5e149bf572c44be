"""The board's filter bar: search as you type, quick-filter chips, pickers and saved filters.

It only describes a ``BoardFilter`` and says when it changed; the model applies it in memory.
Saving and deleting saved filters is asked of the view (a database write, off this thread).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QSpinBox,
    QToolButton,
    QWidget,
)

from db.queries.ticket_detail import SavedFilterRow
from db.queries.tickets import BoardFilter, QueueInfo
from desktop.ui.theme import active_colors, icon
from desktop.ui.tickets_board_cells import PRIORITY_TEXT, STATUS_TEXT

CHIP_TIPS = {
    "mine": "Tickets assigned to you",
    "my_team": "Tickets of your team's agents, and unassigned tickets in your team's queues",
    "unassigned": "Tickets nobody holds",
    "at_risk": "A first-response or resolution clock has used most of its target",
    "breached": "A first-response or resolution clock is past its target",
    "silent": "The customer has not heard from us for longer than this",
}


def chip_style() -> str:
    """Style of the quick-filter chips, from the current theme's colours."""
    c = active_colors()
    return f"""
    QToolButton[chip="true"] {{
        border: 1px solid {c["border"]}; border-radius: 13px; padding: 3px 11px;
        background: {c["surface"]}; color: {c["text"]};
    }}
    QToolButton[chip="true"]:hover {{ background: {c["hover"]}; }}
    QToolButton[chip="true"]:checked {{
        background: {c["selection"]}; color: {c["selectionText"]};
        border-color: {c["accent"]}; font-weight: 600;
    }}
    """


class FilterBar(QWidget):
    """Search box, chips and pickers.

    Attributes:
        filter_changed: the new ``BoardFilter`` (emitted on every keystroke and click).
        save_requested: (name, definition) to save the current filter as.
        delete_requested: id of a saved filter to delete.
    """

    filter_changed = Signal(object)
    save_requested = Signal(str, dict)
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ticketFilters")
        self.setStyleSheet(chip_style())
        self._saved: tuple[SavedFilterRow, ...] = ()
        # Search and the quick chips, then the rest: on one line when the window is wide
        # enough, the rest on a second line when not (the board must fit a 1280 px screen).
        self._head, self._tail = QWidget(), QWidget()
        layout = QHBoxLayout(self._head)
        tail = QHBoxLayout(self._tail)
        for part in (layout, tail):
            part.setContentsMargins(0, 0, 0, 0)
            part.setSpacing(6)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(6)
        # The bar's minimum is minimumSizeHint (either line), not the one-line layout's.
        self._grid.setSizeConstraint(QGridLayout.SizeConstraint.SetNoConstraint)
        self._grid.addWidget(self._head, 0, 0)
        self._grid.addWidget(self._tail, 0, 1)
        self._wrapped = False

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search id, customer, phone or subject")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setToolTip(
            "Filters as you type. Digits also match phone numbers (07911 123456 finds "
            "+447911123456); #123 matches the ticket id."
        )
        focus = QAction(self.search)
        focus.setShortcut(QKeySequence.StandardKey.Find)
        focus.triggered.connect(lambda: self.search.setFocus())
        self.addAction(focus)
        self.search.textChanged.connect(self._emit)
        layout.addWidget(self.search, 2)

        self.chips: dict[str, QToolButton] = {}
        for key, text in (
            ("mine", "Mine"),
            ("my_team", "My team"),
            ("unassigned", "Unassigned"),
            ("at_risk", "At risk"),
            ("breached", "Breached"),
            ("silent", "Silent >"),
        ):
            chip = QToolButton()
            chip.setText(text)
            chip.setCheckable(True)
            chip.setProperty("chip", True)
            chip.setToolTip(CHIP_TIPS[key])
            chip.setAccessibleName(f"Filter: {text}")
            chip.toggled.connect(self._emit)
            self.chips[key] = chip
            (tail if key == "silent" else layout).addWidget(chip)
            if key == "unassigned":
                layout.addSpacing(6)
        self.silent_hours = QSpinBox()
        self.silent_hours.setRange(1, 240)
        self.silent_hours.setValue(4)
        self.silent_hours.setSuffix(" h")
        self.silent_hours.setToolTip(CHIP_TIPS["silent"])
        self.silent_hours.valueChanged.connect(self._silence_changed)
        tail.addWidget(self.silent_hours)
        tail.addSpacing(6)

        self.queue = QComboBox()
        self.queue.setMinimumContentsLength(10)
        self.queue.addItem("All queues", None)
        self.priority = QComboBox()
        self.priority.addItem("Any priority", None)
        for value, text in reversed(PRIORITY_TEXT.items()):
            self.priority.addItem(text, value)
        self.status = QComboBox()
        self.status.addItem("Any status", None)
        for value, text in STATUS_TEXT.items():
            self.status.addItem(text, value)
        for combo in (self.queue, self.priority, self.status):
            combo.currentIndexChanged.connect(self._emit)
            tail.addWidget(combo)

        self.saved_button = QToolButton()
        self.saved_button.setIcon(icon("filter"))
        self.saved_button.setText("Saved")
        self.saved_button.setToolTip("Your saved filters")
        self.saved_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.saved_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.saved_menu = QMenu(self.saved_button)
        self.saved_button.setMenu(self.saved_menu)
        tail.addWidget(self.saved_button)
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip("Show every open ticket")
        self.clear_button.clicked.connect(lambda: self.set_filter(BoardFilter()))
        tail.addWidget(self.clear_button)
        tail.addStretch(1)
        self._rebuild_saved_menu()

    # Layout -----------------------------------------------------------------------------------
    def minimumSizeHint(self) -> QSize:
        """As narrow as the wider of the two lines: the window may be narrower than one line."""
        head, tail = self._head.minimumSizeHint(), self._tail.minimumSizeHint()
        return QSize(max(head.width(), tail.width()), head.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._wrap(event.size().width())
        super().resizeEvent(event)

    def _wrap(self, width: int) -> None:
        one_line = (
            self._head.minimumSizeHint().width()
            + self._grid.spacing()
            + self._tail.minimumSizeHint().width()
        )
        wrapped = width < one_line
        if wrapped == self._wrapped:
            return
        self._wrapped = wrapped
        self._grid.removeWidget(self._tail)
        self._grid.addWidget(self._tail, *((1, 0) if wrapped else (0, 1)))
        self._grid.setColumnStretch(0, 1)
        self._grid.setColumnStretch(1, 0)

    @property
    def wrapped(self) -> bool:
        """True when the filters take two lines."""
        return self._wrapped

    # State ------------------------------------------------------------------------------------
    def current(self) -> BoardFilter:
        """The filter the widgets describe."""
        return BoardFilter(
            text=self.search.text(),
            mine=self.chips["mine"].isChecked(),
            my_team=self.chips["my_team"].isChecked(),
            unassigned=self.chips["unassigned"].isChecked(),
            at_risk=self.chips["at_risk"].isChecked(),
            breached=self.chips["breached"].isChecked(),
            silent_hours=float(self.silent_hours.value())
            if self.chips["silent"].isChecked()
            else None,
            queue_id=self.queue.currentData(),
            priority=self.priority.currentData(),
            status=self.status.currentData(),
        )

    def set_filter(self, flt: BoardFilter) -> None:
        """Show ``flt`` in the widgets and emit it once."""
        blockers = [QSignalBlocker(w) for w in self._inputs()]
        self.search.setText(flt.text)
        for key in ("mine", "my_team", "unassigned", "at_risk", "breached"):
            self.chips[key].setChecked(bool(getattr(flt, key)))
        self.chips["silent"].setChecked(flt.silent_hours is not None)
        if flt.silent_hours is not None:
            self.silent_hours.setValue(round(flt.silent_hours))
        _select(self.queue, flt.queue_id)
        _select(self.priority, flt.priority)
        _select(self.status, flt.status)
        del blockers
        self._emit()

    def toggle(self, key: str, on: bool | None = None) -> None:
        """Tick or untick a chip (the KPI cards use it)."""
        chip = self.chips[key]
        chip.setChecked(not chip.isChecked() if on is None else on)

    def set_queues(self, queues: Sequence[QueueInfo]) -> None:
        """Fill the queue picker (keeps the current choice)."""
        wanted = [(q.name, q.queue_id) for q in queues]
        have = [
            (self.queue.itemText(i), self.queue.itemData(i)) for i in range(1, self.queue.count())
        ]
        if wanted == have:
            return
        current = self.queue.currentData()
        with QSignalBlocker(self.queue):
            self.queue.clear()
            self.queue.addItem("All queues", None)
            for name, qid in wanted:
                self.queue.addItem(name, qid)
            _select(self.queue, current)

    def set_saved(self, rows: Sequence[SavedFilterRow]) -> None:
        self._saved = tuple(rows)
        self._rebuild_saved_menu()

    # Internals --------------------------------------------------------------------------------
    def _inputs(self) -> list[QWidget]:
        return [
            self.search,
            self.silent_hours,
            self.queue,
            self.priority,
            self.status,
            *self.chips.values(),
        ]

    def _emit(self) -> None:
        self.filter_changed.emit(self.current())

    def _silence_changed(self) -> None:
        if self.chips["silent"].isChecked():
            self._emit()
        else:
            self.chips["silent"].setChecked(True)  # picking hours means "filter by silence"

    def _rebuild_saved_menu(self) -> None:
        menu = self.saved_menu
        menu.clear()
        if not self._saved:
            empty = menu.addAction("No saved filters yet")
            empty.setEnabled(False)
        for row in self._saved:
            action = menu.addAction(row.name)
            action.setToolTip(describe(BoardFilter.from_definition(row.definition)))
            action.triggered.connect(
                lambda _=False, d=row.definition: self.set_filter(BoardFilter.from_definition(d))
            )
        menu.addSeparator()
        save = menu.addAction("Save current filter…")
        save.triggered.connect(self._ask_save)
        if self._saved:
            delete = menu.addMenu("Delete")
            for row in self._saved:
                action = delete.addAction(row.name)
                action.triggered.connect(
                    lambda _=False, fid=row.filter_id: self.delete_requested.emit(fid)
                )

    def _ask_save(self) -> None:
        flt = self.current()
        name, ok = QInputDialog.getText(
            self, "Save filter", f"Name for this filter ({describe(flt)}):"
        )
        if ok and name.strip():
            self.save_requested.emit(name.strip(), flt.definition())


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)


def describe(flt: BoardFilter) -> str:
    """A filter in words, e.g. "mine or unassigned, breached, silent > 4 h"."""
    if flt.is_empty:
        return "every open ticket"
    parts = []
    who = [
        w
        for w, on in (("mine", flt.mine), ("my team", flt.my_team), ("unassigned", flt.unassigned))
        if on
    ]
    if who:
        parts.append(" or ".join(who))
    sla = [s for s, on in (("at risk", flt.at_risk), ("breached", flt.breached)) if on]
    if sla:
        parts.append(" or ".join(sla))
    if flt.silent_hours is not None:
        parts.append(f"silent > {flt.silent_hours:g} h")
    if flt.priority:
        parts.append(PRIORITY_TEXT.get(flt.priority, flt.priority).lower())
    if flt.status:
        parts.append(STATUS_TEXT.get(flt.status, flt.status).lower())
    if flt.queue_id is not None:
        parts.append("one queue")
    if flt.text.strip():
        parts.append(f"“{flt.text.strip()}”")
    return ", ".join(parts)
