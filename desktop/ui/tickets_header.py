"""The strip above the board: clickable KPI cards and a message bar for conflicts and errors."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from desktop.core.sla import format_duration
from desktop.ui.tickets_board_data import BoardData, Severity
from desktop.ui.widgets import KpiCard


class FilterCard(KpiCard):
    """A KPI card that toggles a quick filter when clicked."""

    clicked = Signal()

    def __init__(self, caption: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(caption, tooltip, parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class KpiStrip(QWidget):
    """Open, unassigned, at risk, breached, longest silence: over every open ticket.

    Attributes:
        filter_requested: the chip key a card stands for ("unassigned", "at_risk", ...).
    """

    filter_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.open = KpiCard("open tickets", "Tickets in new, open, pending or on hold")
        self.unassigned = FilterCard("unassigned", "Open tickets nobody holds (click to filter)")
        self.at_risk = FilterCard(
            "at risk",
            "A first-response or resolution clock past the at-risk share of its "
            "target (click to filter)",
        )
        self.breached = FilterCard(
            "breached", "A first-response or resolution clock past its target (click to filter)"
        )
        self.silence = KpiCard(
            "longest silence",
            "Silence: now − the last time the customer heard from us; the "
            "longest among open tickets",
        )
        for card, key in (
            (self.unassigned, "unassigned"),
            (self.at_risk, "at_risk"),
            (self.breached, "breached"),
        ):
            card.clicked.connect(lambda k=key: self.filter_requested.emit(k))
        for card in (self.open, self.unassigned, self.at_risk, self.breached, self.silence):
            layout.addWidget(card)
        layout.addStretch(1)

    def show_figures(self, data: BoardData | None, now: float) -> None:
        if data is None or data.n == 0:
            for card in (self.open, self.unassigned, self.at_risk, self.breached, self.silence):
                card.set_value("0" if data is not None else "—")
            return
        severity = data.severity(now)
        at_risk = int(np.count_nonzero(severity == Severity.AT_RISK))
        breached = int(np.count_nonzero(severity == Severity.BREACHED))
        unassigned = int(np.count_nonzero(data.assignee_id < 0))
        self.open.set_value(f"{data.n:,}")
        self.unassigned.set_value(f"{unassigned:,}", "warn" if unassigned else None)
        self.at_risk.set_value(f"{at_risk:,}", "warn" if at_risk else "ok")
        self.breached.set_value(f"{breached:,}", "bad" if breached else "ok")
        longest = float(data.silence(now).max())
        self.silence.set_value(format_duration(timedelta(seconds=longest)))


class MessageBar(QWidget):
    """A one-line message above the board that closes itself (conflicts, refusals, errors)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, text: str, severity: str = "warn", seconds: int = 15) -> None:
        self.label.setText(text)
        self.label.setProperty("severity", severity)
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)
        self.show()
        self._timer.start(seconds * 1000)

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
