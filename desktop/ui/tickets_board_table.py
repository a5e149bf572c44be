"""The board's table view and its delegate, which draws at-risk and breached clocks as badges.

A clock at risk or breached is a tinted pill with the status icon and words ("12 m left",
"1 h 05 m late"), so colour is never the only signal.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPixmap,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from desktop.ui.theme import active_colors, status_icon
from desktop.ui.tickets_board_cells import ALIGNMENT
from desktop.ui.tickets_board_data import Col
from desktop.ui.tickets_board_model import BoardModel

_ALIGN = [int(a) for a in ALIGNMENT]
_SELECTED = QStyle.StateFlag.State_Selected.value
_HOVER = QStyle.StateFlag.State_MouseOver.value
_RIGHT_FLAG = Qt.AlignmentFlag.AlignRight.value

Index = QModelIndex | QPersistentModelIndex
ROW_HEIGHT = 28
PADDING = 6
ICON = 14
COLUMN_WIDTHS = {
    Col.ID: 72,
    Col.CUSTOMER: 132,
    Col.SUBJECT: 196,
    Col.PRIORITY: 64,
    Col.STATUS: 68,
    Col.QUEUE: 104,
    Col.ASSIGNEE: 118,
    Col.AGE: 76,
    Col.FIRST_RESPONSE: 150,
    Col.RESOLUTION: 144,
    Col.SILENCE: 84,
    Col.NEXT_NOTIFICATION: 92,
}


class BoardDelegate(QStyledItemDelegate):
    """Paints every board cell from the model's per-row cache, badges included.

    The default delegate asks the model for some ten roles per cell through Qt's variant
    machinery and draws through the style sheet engine; at 400 cells per repaint that is most
    of a keystroke's budget. This one makes one Python call per cell and draws with plain
    painter calls, in the theme's colours (selection, hover, muted and severity text).
    """

    def __init__(self, model: BoardModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model
        self._icons: dict[tuple[str, float], QPixmap] = {}
        self._texts: dict[tuple[str, int, bool], QStaticText] = {}
        self._badges: dict[tuple[str, str, int, int, float], QPixmap] = {}
        self.refresh_theme()

    def refresh_theme(self) -> None:
        """Pick up the current theme's colours (after a theme switch)."""
        c = active_colors()
        self._text = QColor(c["text"])
        self._selection = QColor(c["selection"])
        self._selection_text = QColor(c["selectionText"])
        self._hover = QColor(c["hover"])
        self._badge = {
            "warn": (QColor(c["warn"]), QColor(c["warnBg"])),
            "bad": (QColor(c["bad"]), QColor(c["badBg"])),
        }
        self._icons.clear()
        self._badges.clear()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row, column = index.row(), index.column()
        cell = self._model.cell(row, column)
        if cell is None:
            return
        text, severity, colour = cell
        rect = option.rect  # each attribute read builds a wrapper: read each once
        state = option.state.value  # plain int: enum flag arithmetic is slow in Python
        selected = bool(state & _SELECTED)
        if selected:
            painter.fillRect(rect, self._selection)
        elif state & _HOVER:
            painter.fillRect(rect, self._hover)
        if severity is not None:
            self._badge_cell(painter, option, text, severity)
            return
        font = self._model.cell_font(row, column)
        painter.setFont(font if font is not None else option.font)
        painter.setPen(self._selection_text if selected else colour or self._text)
        width = rect.width() - 2 * PADDING
        key = (text, width, font is not None)
        static = self._texts.get(key)
        if static is None:
            # Shaping text is the dearest part of a paint: keep the laid-out text, most texts
            # (names, queues, statuses, times) recur from one repaint to the next.
            if len(self._texts) > 20_000:
                self._texts.clear()
            elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width)
            static = QStaticText(elided)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(QTransform(), painter.font())
            self._texts[key] = static
        size = static.size()
        x = rect.left() + PADDING
        if _ALIGN[column] & _RIGHT_FLAG:
            x = rect.right() - PADDING - size.width() + 1
        y = rect.top() + (rect.height() - size.height()) / 2
        painter.drawStaticText(QPointF(x, y), static)

    def _badge_cell(
        self, painter: QPainter, option: QStyleOptionViewItem, text: str, severity: str
    ) -> None:
        rect = option.rect
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        key = (text, severity, rect.width(), rect.height(), scale)
        badge = self._badges.get(key)
        if badge is None:
            # Drawn once per text: a badge repaints as a blit until its countdown moves.
            if len(self._badges) > 4000:
                self._badges.clear()
            badge = self._draw_badge(option, text, severity, scale)
            self._badges[key] = badge
        painter.drawPixmap(rect.topLeft(), badge)

    def _draw_badge(
        self, option: QStyleOptionViewItem, text: str, severity: str, scale: float
    ) -> QPixmap:
        fg, bg = self._badge[severity]
        font = QFont(option.font)
        font.setBold(True)
        metrics = QFontMetrics(font)
        w, h = option.rect.width(), option.rect.height()
        pixmap = QPixmap(round(w * scale), round(h * scale))
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        height = min(h - 6, 20)
        width = min(w - 8, ICON + 6 + metrics.horizontalAdvance(text) + 14)
        pill = QRectF(w - 4 - width, h / 2 - height / 2 + 0.5, width, height)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        top = int(pill.center().y() - ICON / 2)
        painter.drawPixmap(int(pill.left()) + 7, top, self._icon(severity, scale))
        painter.setFont(font)
        painter.setPen(fg)
        left = pill.left() + 7 + ICON + 5
        text_rect = QRectF(left, pill.top(), pill.right() - left - 5, pill.height())
        elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(text_rect.width()))
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter), elided)
        painter.end()
        return pixmap

    def _icon(self, severity: str, scale: float) -> QPixmap:
        """The status icon, rendered once per theme and screen scale (then a plain blit)."""
        key = (severity, scale)
        pixmap = self._icons.get(key)
        if pixmap is None:
            pixmap = status_icon("bad" if severity == "bad" else "warn").pixmap(
                QSize(ICON, ICON), scale
            )
            self._icons[key] = pixmap
        return pixmap

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 30, max(hint.height(), ROW_HEIGHT))


def board_table(model: BoardModel, parent: QWidget | None = None) -> QTableView:
    """A dense, sortable, multi-selection table over the board model."""
    table = QTableView(parent)
    table.setObjectName("ticketBoard")
    table.setModel(model)
    # The indicator first: enabling sorting sorts by whatever the indicator says.
    table.horizontalHeader().setSortIndicator(
        int(model.sort_column),
        Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder,
    )
    table.setSortingEnabled(True)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.setShowGrid(False)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    vertical = table.verticalHeader()
    vertical.setVisible(False)
    # Fixed, uniform rows: the view never asks 100,000 rows for their height.
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(ROW_HEIGHT)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    header.setHighlightSections(False)
    header.setSectionsMovable(True)  # a lead who lives by the clocks can drag them left
    header.setMinimumSectionSize(40)
    for col, width in COLUMN_WIDTHS.items():
        table.setColumnWidth(int(col), width)
    table.setItemDelegate(BoardDelegate(model, table))
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    return table
