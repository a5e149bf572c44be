"""Snapshot rows held in Qt's own item model, so painting never calls back into Python.

A Python ``data()`` is called a dozen times per cell on every repaint; at 17 columns and a
refresh every 2 s that is what stalls the GUI thread. Here each cell is rendered once per
new version of its row (text, sort value, icon, colours, tooltip), and only the roles whose
value changed are written into a ``QStandardItem``, which emits ``dataChanged`` for that one
cell: the view repaints the changed cells, in C++. Rows are identified by a key, so
selection and scroll position survive every refresh, as with ``SnapshotTableModel``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHeaderView

from desktop.ui.table_model import KEY_ROLE, ROW_ROLE, SORT_ROLE, Column

DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
DECORATION = Qt.ItemDataRole.DecorationRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole
RENDERED_ROLES = (DISPLAY, SORT_ROLE, TOOLTIP, DECORATION, BACKGROUND)
Cell = tuple[Any, ...]
# What a widget receives when apply_theme() switches palette and style sheet.
THEME_EVENTS = frozenset(
    {QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.StyleChange}
)


def sortable(value: Any) -> Any:
    """A sort value Qt compares natively: numbers and text; None sorts below everything."""
    if value is None:
        return float("-inf")
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return value


def render(column: Column[Any], row: Any) -> Cell:
    """One cell's values, in ``RENDERED_ROLES`` order."""
    background = column.background(row) if column.background else None
    return (
        column.display(row),
        sortable(column.sort(row) if column.sort else column.display(row)),
        column.cell_tooltip(row) if column.cell_tooltip else None,
        column.icon(row) if column.icon else None,
        QBrush(background) if background is not None else None,
    )


def new_items(columns: Sequence[Column[Any]], flags: Qt.ItemFlag) -> list[QStandardItem]:
    items = []
    for column in columns:
        item = QStandardItem()
        item.setFlags(flags)
        item.setData(int(column.align.value), Qt.ItemDataRole.TextAlignmentRole)
        items.append(item)
    return items


def write(items: list[QStandardItem], old: list[Cell] | None, new: list[Cell]) -> None:
    """Set the roles that changed (each set is one cell's ``dataChanged``).

    Icons are the theme's cached ``QIcon`` objects, so an unchanged icon is the same object;
    brushes compare by value.
    """
    for c, item in enumerate(items):
        before = old[c] if old is not None else None
        for slot, role in enumerate(RENDERED_ROLES):
            value = new[c][slot]
            if before is None or before[slot] != value:
                item.setData(value, role)


class ItemTableModel(QStandardItemModel):
    """A flat table of snapshot rows (dataclasses) over ``Column`` specs, updated by diff.

    Args:
        columns: the columns (title, text, sort value, tooltips, icon, background).
        key: a row's identity across snapshots.
        flags: item flags (selectable and enabled by default).
    """

    def __init__(
        self,
        columns: Sequence[Column[Any]],
        key: Callable[[Any], Hashable],
        parent: Any = None,
        flags: Qt.ItemFlag = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable,
    ) -> None:
        super().__init__(0, len(columns), parent)
        self._columns = list(columns)
        self._key = key
        self._flags = flags
        self._rows: list[Any] = []
        self._cells: dict[Hashable, list[Cell]] = {}
        self._position: dict[Hashable, int] = {}
        for c, column in enumerate(self._columns):
            header = QStandardItem(column.title)
            header.setData(
                int(header_alignment(column.align).value), Qt.ItemDataRole.TextAlignmentRole
            )
            if column.tooltip:
                header.setToolTip(column.tooltip)
            self.setHorizontalHeaderItem(c, header)

    @property
    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def row_for_key(self, key: Hashable) -> int | None:
        return self._position.get(key)

    def sort_values(self, column: int) -> dict[Hashable, Any]:
        """Each row's sort value in ``column`` (to tell whether a re-sort is due)."""
        return {self._key(r): self._cells[self._key(r)][column][1] for r in self._rows}

    def restyle(self) -> None:
        """Render every cell again (the theme changed: colours and icons follow it)."""
        for at, row in enumerate(self._rows):
            key = self._key(row)
            cells = [render(c, row) for c in self._columns]
            write([self.item(at, c) for c in range(len(self._columns))], self._cells[key], cells)
            self._cells[key] = cells

    def apply(self, new_rows: Sequence[Any]) -> None:
        """Replace the rows by ``new_rows``: removed, changed cells updated, new appended."""
        wanted = {self._key(r): r for r in new_rows}
        for i in reversed(range(len(self._rows))):
            key = self._key(self._rows[i])
            if key not in wanted:
                self.removeRow(i)
                del self._rows[i]
                del self._cells[key]
        position = self._position = {self._key(r): i for i, r in enumerate(self._rows)}
        appended = []
        for row in new_rows:
            key = self._key(row)
            at = position.get(key)
            if at is None:
                appended.append(row)
                continue
            if self._rows[at] == row:
                continue
            self._rows[at] = row
            cells = [render(c, row) for c in self._columns]
            items = [self.item(at, c) for c in range(len(self._columns))]
            write(items, self._cells[key], cells)
            self._cells[key] = cells
            items[0].setData(row, ROW_ROLE)  # on the first column only: read it there
        for row in appended:
            key = self._key(row)
            cells = [render(c, row) for c in self._columns]
            items = new_items(self._columns, self._flags)
            write(items, None, cells)
            items[0].setData(row, ROW_ROLE)
            for item in items:
                item.setData(key, KEY_ROLE)
            self._rows.append(row)
            self._cells[key] = cells
            self._position[key] = len(self._rows) - 1
            self.appendRow(items)


def header_alignment(align: Qt.AlignmentFlag) -> Qt.AlignmentFlag:
    """Titles of right-aligned (number) columns are centred: the style sheet draws the sort
    arrow at the right edge, over the last letters of a right-aligned title."""
    if align & Qt.AlignmentFlag.AlignRight:
        return Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
    return align


def title_width(header: QHeaderView, title: str, sorted_by: bool = False) -> int:
    """Pixels a header section needs for ``title``: the style sheet draws headers in bold
    12 px with 6 px padding each side; the sort arrow (about 16 px, 6 px from the edge)
    needs room either side of the centred title, on the sorted column only."""
    font = QFont(header.font())
    font.setPixelSize(12)
    font.setBold(True)
    return QFontMetrics(font).horizontalAdvance(title) + 12 + (40 if sorted_by else 8)


def keep_sort_arrow_clear(header: QHeaderView) -> None:
    """Widen a column when it becomes the sorted one, so its arrow does not cover its title."""

    def widen(section: int, _order: Qt.SortOrder) -> None:
        model = header.model()
        if model is None or section < 0:
            return
        title = str(model.headerData(section, Qt.Orientation.Horizontal) or "")
        needed = title_width(header, title, sorted_by=True)
        if header.sectionSize(section) < needed:
            header.resizeSection(section, needed)

    header.sortIndicatorChanged.connect(widen)
