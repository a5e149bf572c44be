"""Table models of the supervisor view: agent scorecards and the needs-attention list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from db.queries.supervisor import ScorecardRow
from desktop.core.coaching import Flag, Severity
from desktop.core.scorecard import CATALOGUE, Metric, Unit
from desktop.ui.supervisor_format import DOWN, UP, change_text, figure_text, tooltip
from desktop.ui.table_model import NUMBER, Column, SnapshotTableModel
from desktop.ui.theme import active_colors, status_icon
from desktop.ui.widgets import sortable_table

SCORECARD_METRICS: tuple[Metric, ...] = (
    Metric.CSAT,
    Metric.NPS,
    Metric.FCR,
    Metric.FRT,
    Metric.SILENCE,
    Metric.RESOLUTION,
    Metric.SOLVED,
    Metric.AHT,
    Metric.OCCUPANCY,
    Metric.OVERTIME,
    Metric.QA,
    Metric.SESSIONS,
    Metric.RECENCY,
    Metric.ESAT,
    Metric.ENPS,
)
SHORT = {
    Metric.FRT: "FRT",
    Metric.SILENCE: "Silence",
    Metric.RESOLUTION: "Resolution",
    Metric.SOLVED: "Solved",
    Metric.OCCUPANCY: "Occupancy",
    Metric.QA: "QA",
    Metric.SESSIONS: "Sessions",
    Metric.RECENCY: "Last coached",
}
SEVERITY_ICON = {Severity.HIGH: "bad", Severity.MEDIUM: "warn", Severity.LOW: "ok"}
GOOD_ROLE = Qt.ItemDataRole.UserRole + 10  # True/False/None: is the change good
FIRST_METRIC_COLUMN = 2  # Agent, Flags, then one column per metric
CELL_HINT = "Double-click to list the rows behind this figure."


def severity_icon(severity: Severity | None) -> QIcon | None:
    return None if severity is None else status_icon(SEVERITY_ICON[severity])


def _top(row: ScorecardRow) -> Severity | None:
    return max((f.severity for f in row.flags), key=lambda s: s.rank, default=None)


def _cell(metric: Metric):  # type: ignore[no-untyped-def]
    def display(row: ScorecardRow) -> str:
        text = figure_text(row.current[metric])
        arrow, _good = change_text(row.current[metric], row.previous[metric])
        if arrow.startswith((UP, DOWN)):
            return f"{text} {arrow[0]}"
        return text

    return Column(
        SHORT.get(metric, CATALOGUE[metric].label),
        display,
        lambda r: r.current[metric].value,
        CATALOGUE[metric].definition,
        cell_tooltip=lambda r: tooltip(r.current[metric], r.previous[metric], CELL_HINT),
        align=NUMBER,
    )


def _flags_text(row: ScorecardRow) -> str:
    n = len(row.flags)
    return "—" if n == 0 else f"{n} flag{'s' if n > 1 else ''}"


def _flags_tooltip(row: ScorecardRow) -> str | None:
    if not row.flags:
        return "No coaching flags."
    return "\n".join(f"• {f.sentence}" for f in row.flags)


class ScorecardModel(SnapshotTableModel[ScorecardRow]):
    """Scorecards, with whether each change is good for the arrow's colour."""

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == GOOD_ROLE and index.isValid():
            metric = metric_of_column(index.column())
            if metric is None:
                return None
            row = self.row_at(index.row())
            return change_text(row.current[metric], row.previous[metric])[1]
        return super().data(index, role)


class ChangeDelegate(QStyledItemDelegate):
    """Draws a cell's trailing ▲/▼ in the theme's good or bad colour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if not text.endswith((UP, DOWN)):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        good = index.data(GOOD_ROLE)
        colours = active_colors()
        arrow_colour = colours["muted"] if good is None else colours["ok" if good else "bad"]
        rect = opt.rect.adjusted(4, 0, -6, 0)
        arrow_width = opt.fontMetrics.horizontalAdvance(UP) + 3
        painter.save()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.setPen(
            opt.palette.highlightedText().color() if selected else opt.palette.text().color()
        )
        painter.drawText(
            rect.adjusted(0, 0, -arrow_width, 0),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            text[:-1].rstrip(),
        )
        painter.setPen(QColor(arrow_colour))
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text[-1]
        )
        painter.restore()


def scorecard_model(parent: QWidget | None = None) -> SnapshotTableModel[ScorecardRow]:
    columns: list[Column[ScorecardRow]] = [
        Column(
            "Agent",
            lambda r: r.name,
            cell_tooltip=lambda r: f"{r.name}, {r.team}. Double-click to open the agent's page.",
        ),
        Column(
            "Flags",
            _flags_text,
            lambda r: (_top(r).rank + 1 if _top(r) else 0) * 100 + len(r.flags),
            "Coaching flags raised by the rules (desktop/core/coaching.py)",
            cell_tooltip=_flags_tooltip,
            icon=lambda r: severity_icon(_top(r)),
        ),
        *(_cell(m) for m in SCORECARD_METRICS),
    ]
    return ScorecardModel(columns, lambda r: r.employee_id, parent)


def metric_of_column(column: int) -> Metric | None:
    """The metric shown in a scorecard column (None for the agent and flag columns)."""
    index = column - FIRST_METRIC_COLUMN
    return SCORECARD_METRICS[index] if 0 <= index < len(SCORECARD_METRICS) else None


def scorecard_table(model: SnapshotTableModel[ScorecardRow], parent: QWidget) -> QTableView:
    table = sortable_table(model, parent)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setItemDelegate(ChangeDelegate(table))
    table.setColumnWidth(0, 140)
    table.setColumnWidth(1, 86)
    metrics = header.fontMetrics()
    for column in range(FIRST_METRIC_COLUMN, model.columnCount()):
        metric = metric_of_column(column)
        wide = metric is not None and CATALOGUE[metric].unit is Unit.SECONDS
        title = str(model.headerData(column, Qt.Orientation.Horizontal))
        # Room for the title and the sort arrow, and for "3 h 35 m ▲" in duration columns.
        table.setColumnWidth(column, max(92 if wide else 72, metrics.horizontalAdvance(title) + 30))
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    return table


def _flag_key(f: Flag) -> tuple[object, ...]:
    return (f.rule.value, f.employee_id, f.session_id, f.sentence)


def attention_model(parent: QWidget | None = None) -> SnapshotTableModel[Flag]:
    columns: list[Column[Flag]] = [
        Column(
            "Severity",
            lambda f: f.severity.value.title(),
            lambda f: f.severity.rank,
            "High first. Rules and thresholds: desktop/core/coaching.py, settings coaching.*",
            icon=lambda f: severity_icon(f.severity),
        ),
        Column("Agent", lambda f: f.agent),
        Column("Why", lambda f: f.sentence, cell_tooltip=lambda f: f.sentence),
        Column("Suggested focus", lambda f: f.focus, cell_tooltip=lambda f: f.focus),
    ]
    return SnapshotTableModel(columns, _flag_key, parent)


def attention_table(model: SnapshotTableModel[Flag], parent: QWidget) -> QTableView:
    table = sortable_table(model, parent)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    table.setColumnWidth(0, 92)
    table.setColumnWidth(1, 150)
    table.setColumnWidth(2, 470)
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    return table


def selected_rows(table: QTableView) -> Sequence[object]:
    """The row objects of the selected lines (through the sorting proxy)."""
    from desktop.ui.table_model import ROW_ROLE

    model = table.model()
    return [model.data(index, ROW_ROLE) for index in table.selectionModel().selectedRows()]
