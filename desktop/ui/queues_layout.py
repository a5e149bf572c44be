"""Sizing and columns of the queues table: fit to contents, choose the columns shown."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QMenu, QSplitter, QTreeView

from desktop.ui.item_rows import keep_sort_arrow_clear, title_width
from desktop.ui.queues_model import QueueColumn

HIDDEN_KEY = "queues/hidden"


def columns_menu(table: QTreeView, columns: Sequence[QueueColumn], settings: QSettings) -> None:
    """Right-click on the header shows or hides columns (the queue name always shows);
    the choice is remembered per user."""
    header = table.header()
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header.setToolTip("Right-click to choose the columns shown")
    hidden = str(settings.value(HIDDEN_KEY, "")).split("|")
    for col, column in enumerate(columns):
        header.setSectionHidden(col, col > 0 and column.title in hidden)

    def show_column(col: int, on: bool) -> None:
        header.setSectionHidden(col, not on)
        gone = [c.title for i, c in enumerate(columns) if header.isSectionHidden(i)]
        settings.setValue(HIDDEN_KEY, "|".join(gone))

    def popup(pos: QPoint) -> None:
        menu = QMenu(table)
        for col, column in enumerate(columns[1:], start=1):
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(col))
            action.setToolTip(column.header_tip)
            action.toggled.connect(lambda on, c=col: show_column(c, on))
        menu.popup(header.mapToGlobal(pos))

    header.customContextMenuRequested.connect(popup)


def fit_columns(table: QTreeView, columns: Sequence[QueueColumn]) -> None:
    """Columns as wide as their figures and title: the whole table fits on screen."""
    header = table.header()
    for col, column in enumerate(columns):
        title = title_width(header, column.title, col == header.sortIndicatorSection())
        header.resizeSection(col, max(table.sizeHintForColumn(col) + 6, title))
    keep_sort_arrow_clear(header)


def fit_table(table: QTreeView, splitter: QSplitter, rows: int) -> None:
    """Give the table the height its rows need (up to 60 %), the chart the rest."""
    row_height = max(table.sizeHintForRow(0), 18)
    wanted = table.header().height() + rows * row_height + 8
    total = sum(splitter.sizes()) or table.window().height()
    height = min(wanted, int(total * 0.6))
    splitter.setSizes([height, max(total - height, 200)])
