"""pyqtgraph charts of the supervisor view: sparklines, weekly trends and the link scatters."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.ui.pyside_workarounds import immortalise_singletons
from desktop.ui.theme import active_colors

# Every chart refresh here would otherwise chip at None/True/False until CPython aborts.
immortalise_singletons()
NAN = float("nan")


def _colour(token: str, alpha: int = 255) -> QColor:
    colour = QColor(active_colors()[token])
    colour.setAlpha(alpha)
    return colour


def _quiet(plot: pg.PlotWidget) -> pg.PlotItem:
    item = plot.getPlotItem()
    item.setMouseEnabled(False, False)
    item.hideButtons()
    item.setMenuEnabled(False)
    plot.setStyleSheet("background: transparent; border: none;")
    plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return item


def _ys(values: Sequence[float | None]) -> list[float]:
    return [NAN if v is None else float(v) for v in values]


class Sparkline(pg.PlotWidget):
    """A 12-week trend in a small strip: a line, a dot on the latest week, no axes."""

    def __init__(self, parent: QWidget | None = None, width: int = 120, height: int = 30) -> None:
        super().__init__(parent=parent, background=None)
        self._size = QSize(width, height)
        self.setMinimumSize(width, height)
        self.setMaximumHeight(height + 6)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        item = _quiet(self)
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.getViewBox().setDefaultPadding(0.12)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.curve = item.plot([], [], pen=pg.mkPen(_colour("accent"), width=1.6))
        self.dot = pg.ScatterPlotItem(size=5, pen=None, brush=_colour("accent"))
        item.addItem(self.dot)
        self.values: list[float | None] = []

    def sizeHint(self) -> QSize:
        return self._size

    def set_values(self, values: Sequence[float | None]) -> None:
        """Show the weekly values, oldest first; None leaves a gap."""
        self.values = list(values)
        ys = _ys(values)
        xs = list(range(len(ys)))
        self.curve.setData(xs, ys, connect="finite")
        known = [(x, y) for x, y in zip(xs, ys, strict=True) if not math.isnan(y)]
        self.dot.setData([known[-1][0]] if known else [], [known[-1][1]] if known else [])


class TrendChart(pg.PlotWidget):
    """A weekly trend with a value axis and week labels (the agent page)."""

    def __init__(self, formatter: Callable[[float], str], parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background=None)
        self.setMinimumSize(140, 100)
        item = _quiet(self)
        font = QFont()
        font.setPointSizeF(7.5)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setStyle(tickFont=font, tickLength=-4)
            axis.setPen(pg.mkPen(_colour("border")))
            axis.setTextPen(pg.mkPen(_colour("muted")))
        item.getAxis("left").setWidth(58)
        item.showGrid(x=False, y=True, alpha=0.25)
        self.empty = pg.TextItem("no data", color=_colour("muted"), anchor=(0.5, 0.5))
        item.addItem(self.empty)
        self._formatter = formatter
        self.curve = item.plot([], [], pen=pg.mkPen(_colour("accent"), width=2))
        # Dots only where a week has a value: NaN spots upset the scatter's bounds.
        self.dots = pg.ScatterPlotItem(size=5, pen=None, brush=_colour("accent"))
        item.addItem(self.dots)

    def set_values(self, weeks: Sequence[datetime], values: Sequence[float | None]) -> None:
        ys = _ys(values)
        xs = list(range(len(ys)))
        self.curve.setData(xs, ys, connect="finite")
        finite = [(x, y) for x, y in zip(xs, ys, strict=True) if not math.isnan(y)]
        self.dots.setData([p[0] for p in finite], [p[1] for p in finite])
        ends = sorted({0, len(weeks) // 2, len(weeks) - 1}) if weeks else []
        labels = [(i, weeks[i].strftime("%d %b")) for i in ends]
        self.getPlotItem().getAxis("bottom").setTicks([labels])
        known = [y for y in ys if not math.isnan(y)]
        self.empty.setVisible(not known)
        if not known:
            self.getPlotItem().setYRange(0, 1, padding=0)
            self.getPlotItem().setXRange(0, max(len(ys) - 1, 1), padding=0)
            self.empty.setPos(max(len(ys) - 1, 1) / 2, 0.5)
            self.getPlotItem().getAxis("left").setTicks([[]])
        if known:
            lo, hi = min(known), max(known)
            step = (hi - lo) or abs(hi) or 1.0
            ticks = [lo, (lo + hi) / 2, hi] if hi > lo else [lo]
            self.getPlotItem().getAxis("left").setTicks([[(t, self._formatter(t)) for t in ticks]])
            self.getPlotItem().setYRange(lo - 0.15 * step, hi + 0.15 * step, padding=0)


class LinkScatter(pg.PlotWidget):
    """One point per week: employee side (x) against CSAT (y), with a least-squares line."""

    def __init__(
        self,
        x_label: str,
        y_label: str,
        x_format: Callable[[float], str],
        y_format: Callable[[float], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent=parent, background=None)
        self.setMinimumSize(130, 120)
        item = _quiet(self)
        font = QFont()
        font.setPointSizeF(7.5)
        for name, label in (("bottom", x_label), ("left", y_label)):
            axis = item.getAxis(name)
            axis.setStyle(tickFont=font, tickLength=-4)
            axis.setPen(pg.mkPen(_colour("border")))
            axis.setTextPen(pg.mkPen(_colour("muted")))
            axis.setLabel(label, color=active_colors()["muted"], **{"font-size": "8pt"})
        item.showGrid(x=True, y=True, alpha=0.2)
        self._x_format, self._y_format = x_format, y_format
        self.points = pg.ScatterPlotItem(
            size=8,
            pen=pg.mkPen(_colour("surface"), width=1),
            brush=_colour("accent", 200),
            hoverable=True,
            hoverSize=11,
            tip=self._tip,
        )
        item.addItem(self.points)
        self.fit = item.plot(
            [], [], pen=pg.mkPen(_colour("muted"), width=1, style=Qt.PenStyle.DashLine)
        )

    def _tip(self, x: float, y: float, data: object) -> str:
        return f"week of {data}\n{self._x_format(x)} · CSAT {self._y_format(y)}"

    def set_points(self, points: Sequence[tuple[datetime, float, float]]) -> None:
        xs = [p[1] for p in points]
        ys = [p[2] for p in points]
        self.points.setData(xs, ys, data=[p[0].strftime("%d %b") for p in points])
        if len(xs) >= 3 and max(xs) > min(xs):
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            sxx = sum((x - mx) ** 2 for x in xs)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
            self.fit.setData(
                [min(xs), max(xs)], [my + slope * (min(xs) - mx), my + slope * (max(xs) - mx)]
            )
        else:
            self.fit.setData([], [])
