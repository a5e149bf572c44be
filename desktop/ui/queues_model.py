"""The queues table: channel groups with their queues, and a total row, updated by diff.

A two-level item model (channel subtotal -> its queues; the grand total last) over
``QueueLine`` snapshots. A new snapshot changes only what changed (the changed roles of the
changed cells, row inserts and removals), so selection, expanded groups, sort order and
scroll position survive every refresh. Sorting orders the queues inside each channel;
channels keep their fixed order and the total stays at the bottom.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from db.queries.queues import CHANNEL_ORDER, QueueLine
from desktop.ui.item_rows import header_alignment
from desktop.ui.table_model import KEY_ROLE, ROW_ROLE, SORT_ROLE

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class CellStyle:
    """How one cell looks beyond its text: icon, text and background colours, tooltip."""

    icon: QIcon | None = None
    foreground: QColor | None = None
    background: QColor | None = None
    tooltip: str | None = None


@dataclass(frozen=True)
class QueueColumn:
    """One column of the queues table.

    Attributes:
        title: header text.
        display: the cell text of a line.
        sort: the sort value (numbers sort as numbers).
        header_tip: the header tooltip: the figure's definition.
        style: icon, colours and tooltip of a cell (thresholds, definitions per queue).
        align: text alignment.
        figure: what double-clicking the cell traces (None: nothing to trace).
        tinted: a threshold can tint the cell's background.
    """

    title: str
    display: Callable[[QueueLine], str]
    sort: Callable[[QueueLine], Any]
    header_tip: str
    style: Callable[[QueueLine], CellStyle] | None = None
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    figure: str | None = None
    tinted: bool = False


_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    SORT_ROLE,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ToolTipRole,
)
_Cell = tuple[Any, ...]
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _render(column: QueueColumn, line: QueueLine) -> _Cell:
    """A cell's values in ``_ROLES`` order."""
    style = column.style(line) if column.style is not None else CellStyle()
    sort = column.sort(line)
    return (
        column.display(line),
        float("-inf") if sort is None else sort,
        style.icon,
        QBrush(style.foreground) if style.foreground is not None else None,
        QBrush(style.background) if style.background is not None else None,
        style.tooltip,
    )


class _Row:
    """One line on screen: its items (one per column) and what they show."""

    __slots__ = ("cells", "items", "line")

    def __init__(self, line: QueueLine, items: list[QStandardItem], cells: list[_Cell]) -> None:
        self.line = line
        self.items = items
        self.cells = cells


class QueueTreeModel(QStandardItemModel):
    """Channel groups (with their subtotal) holding queue rows, then the total row.

    Built on Qt's item model: each refresh renders the changed lines once and writes only the
    roles that changed, so the view repaints only changed cells, without calling Python.
    """

    def __init__(self, columns: Sequence[QueueColumn], parent: Any = None) -> None:
        super().__init__(0, len(columns), parent)
        self.columns = list(columns)
        self._rows: dict[str, _Row] = {}
        self._pending: list[tuple[_Row, QueueLine]] = []
        self._done: Callable[[], None] | None = None
        self._draining = False
        self._bold = QFont()
        self._bold.setBold(True)
        for c, column in enumerate(self.columns):
            header = QStandardItem(column.title)
            header.setToolTip(column.header_tip)
            header.setData(
                int(header_alignment(column.align).value), Qt.ItemDataRole.TextAlignmentRole
            )
            self.setHorizontalHeaderItem(c, header)

    def line(self, index: Index) -> QueueLine | None:
        """The ``QueueLine`` shown at ``index`` (of this model)."""
        return index.siblingAtColumn(0).data(ROW_ROLE) if index.isValid() else None

    def lines(self) -> list[QueueLine]:
        """Every line, groups first in their order, each followed by its queues."""
        out = []
        for g in range(self.rowCount()):
            group = self.item(g, 0)
            out.append(group.data(ROW_ROLE))
            out.extend(group.child(r, 0).data(ROW_ROLE) for r in range(group.rowCount()))
        return out

    def _new_row(self, line: QueueLine) -> _Row:
        cells = [_render(c, line) for c in self.columns]
        items = []
        for column, cell in zip(self.columns, cells, strict=True):
            item = QStandardItem()
            item.setFlags(_FLAGS)
            item.setData(int(column.align.value), Qt.ItemDataRole.TextAlignmentRole)
            if line.kind != "queue":
                item.setData(self._bold, Qt.ItemDataRole.FontRole)
            for role, value in zip(_ROLES, cell, strict=True):
                if value is not None:
                    item.setData(value, role)
            item.setData(line.key, KEY_ROLE)
            items.append(item)
        # The line itself on the first column only: one write per refresh instead of 17
        # (read it through ``line()`` or ``index.siblingAtColumn(0)``).
        items[0].setData(line, ROW_ROLE)
        row = _Row(line, items, cells)
        self._rows[line.key] = row
        return row

    def _update(self, row: _Row, line: QueueLine) -> None:
        if row.line == line:
            return
        cells = [_render(c, line) for c in self.columns]
        for item, old, new in zip(row.items, row.cells, cells, strict=True):
            for role, before, value in zip(_ROLES, old, new, strict=True):
                if before != value:  # cached icons are the same objects; brushes compare
                    item.setData(value, role)
        row.items[0].setData(line, ROW_ROLE)
        row.line, row.cells = line, cells

    def restyle(self) -> None:
        """Render every cell again (the theme changed: colours and icons follow it)."""
        for row in self._rows.values():
            line = row.line
            row.line = None  # type: ignore[assignment]  # forces _update to re-render
            self._update(row, line)

    def apply(
        self,
        queues: Sequence[QueueLine],
        groups: Sequence[QueueLine],
        chunk: int | None = None,
        done: Callable[[], None] | None = None,
    ) -> None:
        """Show ``groups`` (channel subtotals and the total, in order) with ``queues`` under
        their channel, by diff.

        Args:
            queues / groups: the new lines.
            chunk: when set, changed rows are re-rendered ``chunk`` at a time, one batch per
                turn of the event loop, so a refresh never holds the GUI thread for long;
                rows added or removed are applied at once.
            done: called once every change is shown (at once without ``chunk``).
        """
        wanted = {g.key for g in groups}
        children: dict[str, list[QueueLine]] = {g.key: [] for g in groups}
        for q in queues:
            children.setdefault(f"c:{q.channel}", []).append(q)
        for g in reversed(range(self.rowCount())):
            key = self.item(g, 0).data(KEY_ROLE)
            if key not in wanted:
                group = self.item(g, 0)
                for r in range(group.rowCount()):
                    self._rows.pop(group.child(r, 0).data(KEY_ROLE), None)
                self._rows.pop(key, None)
                self.removeRow(g)
        changed: list[tuple[_Row, QueueLine]] = []
        for g in groups:
            row = self._rows.get(g.key)
            if row is None:
                row = self._new_row(g)
                self.appendRow(row.items)
            elif row.line != g:
                changed.append((row, g))
            self._apply_children(row.items[0], children.get(g.key, []), changed)
        # A newer snapshot replaces the changes still queued from an older one.
        self._pending, self._done = changed, done
        if chunk is None:
            self._drain(len(changed) or 1)
        elif not self._draining:
            self._draining = True
            QTimer.singleShot(0, self, lambda: self._drain(chunk))

    def _drain(self, chunk: int) -> None:
        batch, self._pending = self._pending[:chunk], self._pending[chunk:]
        for row, line in batch:
            if row.items[0].model() is self:  # not removed meanwhile
                self._update(row, line)
        if self._pending:
            QTimer.singleShot(0, self, lambda: self._drain(chunk))
            return
        self._draining = False
        done, self._done = self._done, None
        if done is not None:
            done()

    def _apply_children(
        self,
        parent: QStandardItem,
        lines: list[QueueLine],
        changed: list[tuple[_Row, QueueLine]],
    ) -> None:
        wanted = {ln.key for ln in lines}
        for r in reversed(range(parent.rowCount())):
            key = parent.child(r, 0).data(KEY_ROLE)
            if key not in wanted:
                self._rows.pop(key, None)
                parent.removeRow(r)
        for ln in lines:
            row = self._rows.get(ln.key)
            if row is None:
                parent.appendRow(self._new_row(ln).items)
            elif row.line != ln:
                changed.append((row, ln))


def _group_rank(line: QueueLine | None) -> int:
    if line is None or line.kind == "total":
        return len(CHANNEL_ORDER) + 1
    order = [c.value for c in CHANNEL_ORDER]
    return order.index(line.channel) if line.channel in order else len(CHANNEL_ORDER)


class QueueSortProxy(QSortFilterProxyModel):
    """Sorts queues inside their channel; channels keep their order, the total stays last."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        # Re-sorted by the view only when a refresh changed the sorted column's values:
        # re-placing every changed row on every refresh costs the GUI thread too much.
        self.setDynamicSortFilter(False)

    def lessThan(self, left: Index, right: Index) -> bool:
        if not left.parent().isValid():
            a = _group_rank(left.data(ROW_ROLE))
            b = _group_rank(right.data(ROW_ROLE))
            # Qt swaps the arguments for a descending sort; answer so the order stays fixed.
            descending = self.sortOrder() == Qt.SortOrder.DescendingOrder
            return a > b if descending else a < b
        lv, rv = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if lv == rv:
            return str(left.data(KEY_ROLE)) < str(right.data(KEY_ROLE))
        try:
            return bool(lv < rv)
        except TypeError:
            return str(lv) < str(rv)


class TintDelegate(QStyledItemDelegate):
    """Paints a cell's ``BackgroundRole`` tint first: the style sheet's item rules would
    otherwise hide it, and the tint is half of a threshold's signal."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        brush = index.data(Qt.ItemDataRole.BackgroundRole)
        if isinstance(brush, QBrush) and not option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, brush)
        super().paint(painter, option, index)
