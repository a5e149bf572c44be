"""A thin table model over a list of frozen dataclasses that applies snapshots as a diff.

Rows are identified by a key; a new snapshot removes vanished rows, updates changed cells with
``dataChanged`` and inserts new rows, so selection and scroll position survive a refresh (a
``beginResetModel`` would lose both).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
KEY_ROLE = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column: title, how to show a row's cell, and optional extras.

    Attributes:
        title: header text.
        display: the cell's text.
        sort: the value to sort by (defaults to the text).
        tooltip: the header tooltip (e.g. the metric definition).
        cell_tooltip: a per-cell tooltip.
        icon: a per-cell icon (e.g. a status icon, so colour is never the only signal).
        background: a per-cell background colour.
        align: text alignment; numbers right-aligned.
    """

    title: str
    display: Callable[[Row], str]
    sort: Callable[[Row], Any] | None = None
    tooltip: str = ""
    cell_tooltip: Callable[[Row], str | None] | None = None
    icon: Callable[[Row], QIcon | None] | None = None
    background: Callable[[Row], QColor | None] | None = None
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class SnapshotTableModel(QAbstractTableModel, Generic[Row]):
    """Rows of dataclasses, updated by diff. Sorting belongs to a ``QSortFilterProxyModel``
    using ``SORT_ROLE``."""

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        key: Callable[[Row], Hashable],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._key = key
        self._rows: list[Row] = []
        self._index: dict[Hashable, int] = {}

    # Qt overrides -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(row)
        if role == SORT_ROLE:
            value = column.sort(row) if column.sort else column.display(row)
            return _sortable(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ToolTipRole and column.cell_tooltip:
            return column.cell_tooltip(row)
        if role == Qt.ItemDataRole.DecorationRole and column.icon:
            return column.icon(row)
        if role == Qt.ItemDataRole.BackgroundRole and column.background:
            colour = column.background(row)
            return QBrush(colour) if colour is not None else None
        if role == ROW_ROLE:
            return row
        if role == KEY_ROLE:
            return self._key(row)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        return None

    # Snapshot API -------------------------------------------------------------------------
    @property
    def rows(self) -> list[Row]:
        return list(self._rows)

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def row_for_key(self, key: Hashable) -> int | None:
        return self._index.get(key)

    def apply(self, new_rows: Sequence[Row]) -> None:
        """Replace the contents by ``new_rows`` with the fewest model signals."""
        new_keys = [self._key(r) for r in new_rows]
        wanted = set(new_keys)
        # 1. Remove vanished rows, in contiguous runs from the bottom up.
        doomed = [i for i, r in enumerate(self._rows) if self._key(r) not in wanted]
        for start, end in reversed(_runs(doomed)):
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._rows[start : end + 1]
            self.endRemoveRows()
        self._reindex()
        # 2. Update rows that stay; new rows are appended (the proxy does the ordering).
        last_col = len(self._columns) - 1
        changed: list[int] = []
        appended: list[Row] = []
        for row, key in zip(new_rows, new_keys, strict=True):
            at = self._index.get(key)
            if at is None:
                appended.append(row)
            elif self._rows[at] != row:
                self._rows[at] = row
                changed.append(at)
        for start, end in _runs(sorted(changed)):
            self.dataChanged.emit(self.index(start, 0), self.index(end, last_col))
        if appended:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(appended) - 1)
            self._rows.extend(appended)
            self.endInsertRows()
            self._reindex()

    def _reindex(self) -> None:
        self._index = {self._key(r): i for i, r in enumerate(self._rows)}


def _runs(indices: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _sortable(value: Any) -> Any:
    # None sorts last in either direction is impossible with one key; put it below everything.
    if value is None:
        return float("-inf")
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return value
