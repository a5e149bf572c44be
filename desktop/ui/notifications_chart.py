"""Open tickets by current silence against the policy's limit for their priority.

One bar per band of the limit (under a quarter of it ... over it), stacked by priority, with a
dashed line where the limit is. Bars past the limit are the customers the engine is failing:
colour and the label above each bar say so (never colour alone). Items are created once and
updated in place: rebuilding a pyqtgraph scene on each refresh would stall the GUI thread.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from db.queries.notifications import SILENCE_BUCKETS, SilenceDistribution
from desktop.ui.pyside_workarounds import immortalise_singletons
from desktop.ui.theme import active_colors

immortalise_singletons()

_PRIORITIES = ("urgent", "high", "normal", "low")
# Priority shades of the accent: darkest for the most urgent.
_ALPHAS = {"urgent": 255, "high": 190, "normal": 130, "low": 80}


def _colour(name: str, alpha: int = 255) -> QColor:
    colour = QColor(active_colors()[name])
    colour.setAlpha(alpha)
    return colour


class SilenceChart(QWidget):
    """Stacked bars: open tickets per silence band, by priority."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Open tickets by current silence")
        self.title.setStyleSheet("font-weight: 600;")
        self.note = QLabel("")
        self.note.setProperty("kpiCaption", True)
        self.note.setWordWrap(True)
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setMinimumHeight(170)
        plot = self.plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.showGrid(x=False, y=True, alpha=0.25)
        plot.getAxis("left").setWidth(36)
        ticks = [(i, label) for i, (label, _, _) in enumerate(SILENCE_BUCKETS)]
        plot.getAxis("bottom").setTicks([ticks])
        self.legend = plot.addLegend(offset=(40, 2), labelTextSize="8pt", colCount=4)
        self.bars: dict[str, pg.BarGraphItem] = {}
        for priority in _PRIORITIES:
            bar = pg.BarGraphItem(x=[], height=[], y0=[], width=0.7)
            plot.addItem(bar)
            self.legend.addItem(bar, priority)
            self.bars[priority] = bar
        self.limit = pg.InfiniteLine(
            pos=len(SILENCE_BUCKETS) - 1.5, angle=90, label="limit", labelOpts={"position": 0.75}
        )
        plot.addItem(self.limit)
        self.labels = [pg.TextItem(anchor=(0.5, 1.0)) for _ in SILENCE_BUCKETS]
        for label in self.labels:
            plot.addItem(label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.note)
        self._restyle()

    def _restyle(self) -> None:
        self.plot_widget.setBackground(_colour("surface"))
        pen = pg.mkPen(_colour("muted"))
        for name in ("left", "bottom"):
            self.plot.getAxis(name).setPen(pen)
            self.plot.getAxis(name).setTextPen(pen)
        self.limit.setPen(pg.mkPen(_colour("bad"), width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.limit.label.setColor(_colour("bad"))

    def show_distribution(self, dist: SilenceDistribution) -> None:
        """Draw a new distribution (cheap: the items are reused)."""
        self._restyle()
        n = len(SILENCE_BUCKETS)
        base = [0.0] * n
        over = n - 1
        for priority in _PRIORITIES:
            heights = [float(dist.counts[i].get(priority, 0)) for i in range(n)]
            brushes = [
                _colour("bad" if i == over else "accent", _ALPHAS[priority]) for i in range(n)
            ]
            self.bars[priority].setOpts(
                x=list(range(n)),
                height=heights,
                y0=list(base),
                brush=_colour("accent", _ALPHAS[priority]),  # the legend's swatch
                brushes=brushes,
                pen=pg.mkPen(_colour("surface"), width=1),
            )
            base = [b + h for b, h in zip(base, heights, strict=True)]
        top = max(base) if base else 0.0
        self.plot.setYRange(0, max(1.0, top * 1.3), padding=0)
        self.plot.setXRange(-0.6, n - 0.4, padding=0)
        for i, (label, total) in enumerate(zip(self.labels, base, strict=True)):
            label.setText(str(int(total)))
            label.setColor(_colour("bad" if i == over and total else "text"))
            label.setPos(i, total + max(1.0, top) * 0.02)
        limits = ", ".join(
            f"{p} {h:g} h"
            for p, h in sorted(
                dist.limits_h.items(),
                key=lambda kv: _PRIORITIES.index(kv[0]) if kv[0] in _PRIORITIES else 9,
            )
        )
        over_count = int(base[over])
        total = int(sum(base))
        text = f"Limits: {limits}." if limits else "The policy sets no silence limit."
        if total:
            share = over_count / total * 100
            text += f" {over_count} of {total} open tickets ({share:.0f} %) are past their limit."
        if dist.no_limit:
            text += f" {dist.no_limit} have no limit for their priority."
        self.note.setText(text)
