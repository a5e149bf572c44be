"""Small pieces the supervisor dialogs share: callbacks that survive a closed dialog, and an
inline message line for errors and confirmations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import shiboken6
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)


def guarded(widget: QWidget, fn: Callable[..., Any]) -> Callable[..., None]:
    """``fn`` for a task callback, ignored if ``widget`` was closed and deleted meanwhile."""

    def call(*args: Any) -> None:
        if shiboken6.isValid(widget):
            fn(*args)

    return call


class MessageLine(QLabel):
    """One line under a form: an error (warn) or a plain note; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.hide()

    def show_message(self, text: str, severity: str | None = None) -> None:
        self.setText(text)
        self.setProperty("severity", severity)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(bool(text))


def make_table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def fill_table(table: QTableWidget, rows: list[list[str]], widths: list[int]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text if len(text) > 30 else "")
            table.setItem(r, c, item)
    for c, width in enumerate(widths):
        table.setColumnWidth(c, width)
    table.resizeRowsToContents()


def follow_up_state(due: date | None, done: bool, today: date) -> str:
    if due is None:
        return ""
    if done:
        return "done"
    if due < today:
        return f"overdue {(today - due).days} d"
    return "due today" if due == today else "open"
