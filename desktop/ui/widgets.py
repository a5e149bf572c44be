"""Small shared widgets: KPI cards and a sortable table bound to a snapshot model."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.table_model import SORT_ROLE, SnapshotTableModel


class KpiCard(QFrame):
    """A big figure with a caption and a tooltip naming its definition."""

    def __init__(self, caption: str, tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("card", True)
        self.setToolTip(tooltip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.value = QLabel("—")
        self.value.setProperty("kpi", True)
        self.caption = QLabel(caption)
        self.caption.setProperty("kpiCaption", True)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set_value(self, text: str, severity: str | None = None) -> None:
        self.value.setText(text)
        if self.value.property("severity") != severity:
            self.value.setProperty("severity", severity)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)


def kpi_row(*cards: KpiCard) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(10)
    for card in cards:
        layout.addWidget(card)
    layout.addStretch(1)
    return row


def sortable_table(model: SnapshotTableModel, parent: QWidget | None = None) -> QTableView:
    """A table view over ``model`` through a proxy that sorts by ``SORT_ROLE``."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setDynamicSortFilter(True)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    table = QTableView(parent)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(26)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    return table
