"""The rows behind a figure: the surveys, tickets, contacts, reviews or sessions it counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.queries.supervisor_trace import TraceTable
from desktop.core.coaching import CoachingThresholds
from desktop.core.periods import Period
from desktop.core.scorecard import CATALOGUE, Metric
from desktop.live.tasks import TaskError
from desktop.ui import formatting as fmt
from desktop.ui.context import ViewContext
from desktop.ui.supervisor_common import guarded
from desktop.ui.supervisor_tasks import load_trace


def cell_text(kind: str, value: Any) -> str:
    """A trace cell as text, by its column kind."""
    if value is None:
        return ""
    if kind in ("id", "ticket"):
        return f"#{value}"
    if kind == "datetime" and isinstance(value, datetime):
        return fmt.local_time(value, with_date=True)
    if kind == "date" and isinstance(value, date):
        return value.strftime("%a %d %b %Y")
    if kind == "seconds":
        return fmt.duration(float(value))
    if kind == "hours":
        return f"{float(value):.2f} h"
    if kind == "fraction":
        return fmt.percent(100 * float(value))
    if kind == "pct":
        return fmt.percent(float(value))
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "number":
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(value)


def _sort_key(kind: str, value: Any) -> Any:
    if value is None:
        return float("-inf")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class _Item(QTableWidgetItem):
    """Sorts by the underlying value, not by the text."""

    def __init__(self, text: str, key: Any) -> None:
        super().__init__(text)
        self.key = key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        try:
            return bool(self.key < getattr(other, "key", other.text()))
        except TypeError:
            return str(self.key) < str(getattr(other, "key", ""))


class TraceDialog(QDialog):
    """Lists the rows a figure was computed from, loaded on a worker."""

    def __init__(
        self,
        ctx: ViewContext,
        metric: Metric,
        who: str,
        period: Period,
        team_ids: Sequence[int],
        employee_id: int | None,
        thresholds: CoachingThresholds,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        info = CATALOGUE[metric]
        self.setWindowTitle(f"Rows behind {info.label} — {who}")
        self.resize(980, 560)
        self.table_data: TraceTable | None = None
        self.error: str | None = None
        layout = QVBoxLayout(self)
        self.heading = QLabel(
            f"<b>{info.label}</b> of {who}, {fmt.local_time(period.start, True)} – "
            f"{fmt.local_time(period.end, True)}"
        )
        self.definition = QLabel(info.definition)
        self.definition.setWordWrap(True)
        self.definition.setObjectName("hint")
        self.status = QLabel("Loading the rows…")
        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for widget in (self.heading, self.definition, self.status):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        ctx.runner.submit(
            partial(
                load_trace,
                ctx.db,
                ctx.actor,
                metric,
                period.start,
                period.end,
                ctx.now(),
                team_ids,
                employee_id,
                thresholds,
            ),
            guarded(self, self._show),
            guarded(self, self._failed),
        )

    def _show(self, data: TraceTable) -> None:
        self.table_data = data
        shown = len(data.rows)
        self.status.setText(
            f"{data.total:,} rows"
            if shown == data.total
            else f"The latest {shown:,} of {data.total:,} rows"
        )
        self.table.setSortingEnabled(False)
        self.table.setColumnCount(len(data.columns))
        self.table.setHorizontalHeaderLabels(list(data.columns))
        self.table.setRowCount(shown)
        for r, row in enumerate(data.rows):
            for c, (kind, value) in enumerate(zip(data.kinds, row, strict=True)):
                item = _Item(cell_text(kind, value), _sort_key(kind, value))
                if kind not in ("text",):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if kind == "text" and value:
                    item.setToolTip(str(value))
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        for c in range(self.table.columnCount()):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), 320))

    def _failed(self, error: TaskError) -> None:
        self.error = error.message
        self.status.setText(error.message)
        self.status.setProperty("severity", "warn")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
