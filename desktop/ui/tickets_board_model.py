"""The board's table model: every open ticket, filtered and sorted in memory, updated by diff.

The model holds a ``BoardData`` (NumPy columns) and the data rows it shows, in order; cells are
computed when painted, so countdowns move every second from the snapshot's timestamps
(``tick``) without a query. Filtering and sorting happen here rather than in a
``QSortFilterProxyModel``: a proxy calls Python once per row to filter and once per
comparison to sort, seconds at 100,000 tickets, where the array operations take milliseconds.

A new view of the rows (refresh, filter, sort) is applied without a model reset, so selection,
current row and scroll position survive: rows that vanish are moved to the end and removed,
new rows are inserted at the end, then one layout change puts every row in its place and
moves the persistent indexes (the selection) with their tickets.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont

from db.queries.tickets import BoardFilter, Viewer
from desktop.ui.table_model import KEY_ROLE
from desktop.ui.theme import active_colors
from desktop.ui.tickets_board_cells import (
    ALIGNMENT,
    HEADER_TIPS,
    TITLES,
    Cells,
    bold,
    cell_tooltip,
    row_cells,
)
from desktop.ui.tickets_board_data import TIME_COLUMNS, BoardData, Col, RowFilter, sort_rows

__all__ = ["SEVERITY_ROLE", "VERSION_ROLE", "BoardModel"]

Index = QModelIndex | QPersistentModelIndex
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 20  # "warn" / "bad" / None, for the clock delegate
VERSION_ROLE = Qt.ItemDataRole.UserRole + 21

_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ROLES = frozenset(
    {
        _DISPLAY,
        _ALIGN,
        _FOREGROUND,
        _TOOLTIP,
        Qt.ItemDataRole.FontRole,
        SEVERITY_ROLE,
        VERSION_ROLE,
        KEY_ROLE,
    }
)
_COLUMNS = len(Col)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


def _member(rows: np.ndarray, among: np.ndarray, n: int) -> np.ndarray:
    """For each of ``rows`` (data rows < n), whether it is in ``among``."""
    mask = np.zeros(n, dtype=bool)
    mask[among] = True
    return mask[rows]


class BoardModel(QAbstractTableModel):
    """Open tickets for a ``QTableView`` (see the module docstring).

    Attributes:
        counts_changed: (shown, total) after every change of rows.
    """

    counts_changed = Signal(int, int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._data: BoardData | None = None
        self._rows = np.empty(0, dtype=np.int64)
        self._filter = BoardFilter()
        self._viewer = Viewer(None, ())
        self._sort = Col.FIRST_RESPONSE
        self._descending = False
        self._now = time.time()
        self._row_filter = RowFilter()
        self._colours = active_colors()
        self._cache: dict[int, Cells] = {}

    # Qt overrides -----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else int(self._rows.size)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Col):
            return None
        col = Col(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return TITLES[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            fraction = self._data.at_risk_fraction if self._data else 0.8
            tip = HEADER_TIPS.get(col)
            return tip.format(risk=f"{fraction:.0%}") if tip else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return ALIGNMENT[col]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else _NO_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (the view calls this when a header is clicked)."""
        if not 0 <= column < len(Col):
            return
        self._sort = Col(column)
        self._descending = order == Qt.SortOrder.DescendingOrder
        if self._data is not None:
            self._show(self._data, sort_rows(self._data, self._rows, self._sort, self._descending))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called ~10 times per painted cell: roles nobody sets return at once, and a row's
        # texts, badges and colours are computed once per tick (see _cells).
        if role not in _ROLES or self._data is None:
            return None
        row = index.row()
        if row < 0 or row >= self._rows.size:
            return None
        r = int(self._rows[row])
        col = index.column()
        if role == _DISPLAY:
            return self._cells(r)[col][0]
        if role == _ALIGN:
            return ALIGNMENT[col]
        if role == _FOREGROUND:
            return self._cells(r)[col][2]
        if role == SEVERITY_ROLE:
            return self._cells(r)[col][1]
        if role == KEY_ROLE:
            return int(self._data.ids[r])
        if role == VERSION_ROLE:
            return int(self._data.version[r])
        if role == _TOOLTIP:
            return self._tooltip(self._data, r, Col(col))
        if col == Col.PRIORITY and self._data.priority[r] == "urgent":  # FontRole
            return bold()
        return None

    # Cells ----------------------------------------------------------------------------------
    def cell(self, row: int, column: int) -> tuple[str, str | None, QColor | None] | None:
        """(text, badge severity, text colour) of a view cell: the delegate's one call."""
        if self._data is None or not 0 <= row < self._rows.size:
            return None
        return self._cells(int(self._rows[row]))[column]

    def cell_font(self, row: int, column: int) -> QFont | None:
        """A bold font for urgent priorities, else None (the view's font)."""
        if column != Col.PRIORITY or self._data is None or not 0 <= row < self._rows.size:
            return None
        return bold() if self._data.priority[int(self._rows[row])] == "urgent" else None

    def _cells(self, r: int) -> Cells:
        cached = self._cache.get(r)
        if cached is None:
            assert self._data is not None
            cached = self._cache[r] = row_cells(self._data, r, self._now, self._colours)
        return cached

    def _tooltip(self, d: BoardData, r: int, col: Col) -> str | None:
        return cell_tooltip(d, r, col, self._now)

    # State ----------------------------------------------------------------------------------
    @property
    def board(self) -> BoardData | None:
        return self._data

    @property
    def board_filter(self) -> BoardFilter:
        return self._filter

    @property
    def sort_column(self) -> Col:
        return self._sort

    @property
    def descending(self) -> bool:
        return self._descending

    @property
    def now(self) -> float:
        return self._now

    def total_count(self) -> int:
        return self._data.n if self._data is not None else 0

    def ticket_id(self, row: int) -> int:
        return int(self._data.ids[self._rows[row]]) if self._data is not None else -1

    def refs(self, rows: list[int]) -> list[tuple[int, int]]:
        """(ticket id, version) of view rows, for actions with optimistic locking."""
        if self._data is None:
            return []
        data_rows = self._rows[np.asarray(rows, dtype=np.int64)]
        return list(
            zip(
                self._data.ids[data_rows].tolist(),
                self._data.version[data_rows].tolist(),
                strict=True,
            )
        )

    def row_of(self, ticket_id: int) -> int | None:
        """The view row showing ``ticket_id``, or None when it is filtered out or closed."""
        if self._data is None:
            return None
        hits = np.flatnonzero(self._data.ids[self._rows] == ticket_id)
        return int(hits[0]) if hits.size else None

    def set_board(self, data: BoardData) -> None:
        """Show a new snapshot (refresh): same filter and sort, selection kept."""
        self._colours = active_colors()
        self._cache.clear()
        self._show(data, self._visible(data))

    def set_filter(self, flt: BoardFilter) -> None:
        if flt == self._filter:
            return
        self._filter = flt
        if self._data is not None:
            self._show(self._data, self._visible(self._data))

    def set_viewer(self, viewer: Viewer) -> None:
        if viewer == self._viewer:
            return
        self._viewer = viewer
        self._row_filter.forget()
        if self._data is not None:
            self._show(self._data, self._visible(self._data))

    def tick(self, now: float) -> None:
        """Move the clocks to ``now``: repaint the time columns, no query, no re-sort."""
        self._now = now
        self._cache.clear()
        if self._rows.size:
            first, last = min(TIME_COLUMNS), max(TIME_COLUMNS)
            self.dataChanged.emit(
                self.index(0, first),
                self.index(int(self._rows.size) - 1, last),
                [Qt.ItemDataRole.DisplayRole, SEVERITY_ROLE, Qt.ItemDataRole.ForegroundRole],
            )

    def _visible(self, data: BoardData) -> np.ndarray:
        # Filters judge time-dependent states (at risk, silent) at the snapshot's instant, so
        # typing does not make rows flicker in and out as seconds pass.
        rows = self._row_filter.rows(data, self._filter, self._viewer, data.at.timestamp())
        return sort_rows(data, rows, self._sort, self._descending)

    # Applying a new view of the rows -----------------------------------------------------------
    def _show(self, data: BoardData, rows: np.ndarray) -> None:
        old = self._data
        if old is None or self._rows.size == 0:
            self.beginResetModel()
            self._data, self._rows = data, rows
            self.endResetModel()
            self._announce()
            return
        same_rows = old is data and rows.size == self._rows.size
        if same_rows and _member(rows, self._rows, data.n).all():  # a sort, or nothing
            self._relayout(rows)
            return
        # Everything below is vectorised over data rows: no per-row Python at 100,000 rows.
        if old is data:
            staying = _member(self._rows, rows, data.n)
        else:
            staying = data.has_ids(old.ids[self._rows])
        if not staying.all():
            # 1. Vanished rows to the end (a layout change), then remove that tail.
            order = np.concatenate((np.flatnonzero(staying), np.flatnonzero(~staying)))
            self._relayout(self._rows[order])
            keep = int(staying.sum())
            self.beginRemoveRows(QModelIndex(), keep, int(self._rows.size) - 1)
            self._rows = self._rows[:keep]
            self.endRemoveRows()
        # 2. The rows left exist in the new data: switch to it.
        if old is not data:
            self._rows = data.rows_of(old.ids[self._rows])
            self._data = data
            self._cache.clear()
        added = rows[~_member(rows, self._rows, data.n)]
        if added.size:
            # 3. New rows at the end.
            start = int(self._rows.size)
            self.beginInsertRows(QModelIndex(), start, start + int(added.size) - 1)
            self._rows = np.concatenate((self._rows, added))
            self.endInsertRows()
        # 4. Everything to its place.
        self._relayout(rows)
        if old is not data:
            self._changed_all()
        self._announce()

    def _relayout(self, new_rows: np.ndarray) -> None:
        """Reorder (same rows, new order), moving persistent indexes with their tickets."""
        if np.array_equal(new_rows, self._rows):
            return
        assert self._data is not None
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        if persistent:
            # Where each data row lands: one scatter, instead of a search per index.
            position = np.empty(self._data.n, dtype=np.int64)
            position[new_rows] = np.arange(new_rows.size)
            landed = position[self._rows[[p.row() for p in persistent]]]
            moved = [
                self.index(int(row), p.column()) for p, row in zip(persistent, landed, strict=True)
            ]
            self.changePersistentIndexList(persistent, moved)
        self._rows = new_rows
        self.layoutChanged.emit()

    def _changed_all(self) -> None:
        if self._rows.size:
            self.dataChanged.emit(
                self.index(0, 0), self.index(int(self._rows.size) - 1, len(Col) - 1)
            )

    def _announce(self) -> None:
        self.counts_changed.emit(int(self._rows.size), self.total_count())
