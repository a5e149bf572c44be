"""Intraday chart of one queue: today's offered and handled per 15 minutes against the same
weekday's average of the last four weeks, with the service level per interval below.

The title and note are plain labels; the plots (``queues_chart_plots``, pyqtgraph) are made
when the first series arrives, after the queues view has painted its figures. pyqtgraph is
imported then, on the GUI thread: importing it on a worker while the GUI thread used Qt
crashed PySide6 now and then (see ``desktop.ui.pyside_workarounds``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from db.queries.queue_intraday import IntradaySeries

if TYPE_CHECKING:
    from desktop.ui.queues_chart_plots import IntradayPlots

PLOTS_MIN_HEIGHT = 180


class IntradayChart(QWidget):
    """Title, note and, once there is a series, the two stacked plots."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: IntradaySeries | None = None
        self._shown: tuple[IntradaySeries, datetime | None] | None = None
        self.title = QLabel("Select a queue to see its day")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.note = QLabel("")
        self.note.setProperty("kpiCaption", True)
        # Long notes wrap instead of widening the window (the main window must fit 1280 px).
        self.note.setWordWrap(True)
        self.title.setWordWrap(True)
        self.plots: IntradayPlots | None = None
        self._area = QWidget()  # holds the place of the plots until they exist
        self._area.setMinimumHeight(PLOTS_MIN_HEIGHT)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.title)
        self._layout.addWidget(self.note)
        self._layout.addWidget(self._area, 1)

    def _ensure_plots(self) -> IntradayPlots:
        if self.plots is None:
            from desktop.ui.queues_chart_plots import IntradayPlots

            self.plots = IntradayPlots()
            self._layout.replaceWidget(self._area, self.plots.plots)
            self._area.deleteLater()
            self.plots.plots.show()  # a layout shows a late child only after an event loop turn
        return self.plots

    def clear(self, message: str) -> None:
        """Hide the plots' data and say why."""
        self.series = None
        self._shown = None
        if self.plots is not None:
            self.plots.set_visible(False)
        self.title.setText(message)
        self.note.setText("")

    def show_series(
        self, series: IntradaySeries, marker: datetime | None = None, force: bool = False
    ) -> None:
        """Draw ``series``; ``marker`` draws a vertical line (a replayed moment)."""
        plots = self._ensure_plots()
        themed = plots.is_styled_for_theme()
        if self._shown == (series, marker) and themed and not force:
            return  # nothing changed since the last refresh: no redraw at all
        self._shown = (series, marker)
        self.series = series
        plots.draw(series, marker, force)
        has_history = series.weeks_used > 0
        self.title.setText(f"{series.name}: contacts per 15 minutes today ({series.timezone} time)")
        self.note.setText(
            f"Bars: offered today · line: handled · dashed: same weekday, average of "
            f"{series.weeks_used} week(s) · below: {series.sl_description}"
            if has_history
            else f"No earlier {series.day_start.strftime('%A')}s to compare with yet · below: "
            f"{series.sl_description}"
        )
