"""The pyqtgraph part of the queues view's intraday chart (``queues_chart.IntradayChart``).

A module of its own so that pyqtgraph (and numpy) load when the first series arrives, on the
worker that computed it (``queues_view.compute_intraday``), not before the first paint.
The plot items are made once and updated in place (``setData``/``setOpts``): rebuilding a
pyqtgraph scene on every refresh would stall the GUI thread for a tenth of a second.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from db.queries.queue_intraday import IntradaySeries
from desktop.core.intraday import INTERVAL_SECONDS, interval_index, zone
from desktop.ui.pyside_workarounds import immortalise_singletons
from desktop.ui.theme import active_colors

# PySide6 6.12 on Python 3.11 drops references to None on every call; charts make many.
immortalise_singletons()

TICK_EVERY = 8  # intervals between x labels: every two hours


def _colour(name: str, alpha: int = 255) -> QColor:
    c = QColor(active_colors()[name])
    c.setAlpha(alpha)
    return c


class IntradayPlots:
    """Two stacked plots sharing the time axis: volumes, then SL % with the target line.

    Attributes:
        plots: the widget to lay out.
    """

    def __init__(self) -> None:
        self._styled_for = ""
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setMinimumHeight(180)
        self.volume = self.plots.addPlot(row=0, col=0)
        self.sl = self.plots.addPlot(row=1, col=0)
        self.plots.ci.layout.setRowStretchFactor(0, 3)
        self.plots.ci.layout.setRowStretchFactor(1, 1)
        self.sl.setXLink(self.volume)
        for plot in (self.volume, self.sl):
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.showGrid(x=False, y=True, alpha=0.25)
            plot.getAxis("left").setWidth(40)
        self.volume.getAxis("bottom").setStyle(showValues=False)
        self.sl.setYRange(0, 105, padding=0)
        self.sl.getAxis("left").setTicks([[(0, "0"), (50, "50"), (100, "100 %")]])
        self.legend = self.volume.addLegend(offset=(8, 4), labelTextSize="8pt", colCount=4)
        dash, dot = Qt.PenStyle.DashLine, Qt.PenStyle.DotLine
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.75, pen=pg.mkPen(None))
        self.handled = pg.PlotDataItem()
        self.avg_offered = pg.PlotDataItem()
        self.avg_handled = pg.PlotDataItem()
        self.sl_line = pg.PlotDataItem(connect="finite", symbol="o", symbolSize=4)
        self.target = pg.InfiniteLine(angle=0, label="", labelOpts={"position": 0.04})
        self.now_lines = [pg.InfiniteLine(angle=90) for _ in range(2)]
        self.markers = [pg.InfiniteLine(angle=90) for _ in range(2)]
        for item in (self.bars, self.handled, self.avg_offered, self.avg_handled):
            self.volume.addItem(item)
        self.sl.addItem(self.sl_line)
        self.sl.addItem(self.target)
        for plot, now_line, marker in zip(
            (self.volume, self.sl), self.now_lines, self.markers, strict=True
        ):
            plot.addItem(now_line)
            plot.addItem(marker)
        self.legend.addItem(self.bars, "offered today")
        self.legend.addItem(self.handled, "handled today")
        self.legend.addItem(self.avg_offered, "offered, 4-week avg")
        self.legend.addItem(self.avg_handled, "handled, avg")
        self._pens = (dash, dot)
        self._restyle()
        self.set_visible(False)

    def is_styled_for_theme(self) -> bool:
        """False when the theme changed since the colours were set."""
        return self._styled_for == active_colors()["surface"]

    def _restyle(self) -> None:
        """Colours from the current theme (again whenever the theme changed since)."""
        self._styled_for = active_colors()["surface"]
        dash, dot = self._pens
        self.plots.setBackground(_colour("surface"))
        axis_pen = pg.mkPen(_colour("muted"))
        for plot in (self.volume, self.sl):
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(axis_pen)
                axis.setTextPen(axis_pen)
        self.bars.setOpts(brush=_colour("accent", 150))
        self.handled.setPen(pg.mkPen(_colour("ok"), width=2))
        self.avg_offered.setPen(pg.mkPen(_colour("muted"), width=1.5, style=dash))
        self.avg_handled.setPen(pg.mkPen(_colour("ok", 140), width=1.2, style=dot))
        self.sl_line.setPen(pg.mkPen(_colour("accent"), width=1.5))
        self.sl_line.setSymbolBrush(_colour("accent"))
        self.sl_line.setSymbolPen(None)
        self.target.setPen(pg.mkPen(_colour("warn"), width=1, style=dash))
        self.target.label.setColor(_colour("warn"))
        for line in self.now_lines:
            line.setPen(pg.mkPen(_colour("muted"), width=1, style=dot))
        for line in self.markers:
            line.setPen(pg.mkPen(_colour("bad"), width=1.5))

    def set_visible(self, on: bool) -> None:
        for item in (
            self.bars,
            self.handled,
            self.avg_offered,
            self.avg_handled,
            self.sl_line,
            self.target,
            *self.now_lines,
        ):
            item.setVisible(on)
        if not on:
            for marker in self.markers:
                marker.setVisible(False)

    def draw(self, series: IntradaySeries, marker: datetime | None, force: bool) -> None:
        """Draw ``series``; ``marker`` draws a vertical line (a replayed moment)."""
        if force or not self.is_styled_for_theme():
            self._restyle()
        self.set_visible(True)
        n, upto = series.intervals, series.now_index + 1
        xs = [i + 0.5 for i in range(n)]
        self.bars.setOpts(x=xs[:upto], height=list(series.offered[:upto]))
        self.handled.setData(xs[:upto], list(series.handled[:upto]))
        has_history = series.weeks_used > 0
        self.avg_offered.setVisible(has_history)
        self.avg_handled.setVisible(has_history)
        if has_history:
            self.avg_offered.setData(xs, list(series.avg_offered))
            self.avg_handled.setData(xs, list(series.avg_handled))
        sl = [math.nan if v is None else 100 * v for v in series.service_level[:upto]]
        self.sl_line.setData(xs[:upto], sl)
        self.target.setPos(100 * series.sl_target)
        self.target.label.setFormat(f"target {100 * series.sl_target:.0f} %")
        for line in self.now_lines:
            line.setPos(upto)
        for line in self.markers:
            line.setVisible(marker is not None)
            if marker is not None:
                line.setPos(interval_index(marker, series.day_start) + 0.5)
        self._ticks(series)
        top = max([*series.offered, *series.avg_offered, 1])
        self.volume.setYRange(0, top * 1.3, padding=0)  # room for the legend
        self.volume.setXRange(0, n, padding=0.01)

    def _ticks(self, series: IntradaySeries) -> None:
        tz = zone(series.timezone)
        labels = []
        for i in range(0, series.intervals + 1, TICK_EVERY):
            at = series.day_start + timedelta(seconds=i * INTERVAL_SECONDS)
            labels.append((i, at.astimezone(tz).strftime("%H:%M")))
        self.sl.getAxis("bottom").setTicks([labels])
