"""The team panel: customer side next to employee side, each figure with its change and its
12-week sparkline, and the weekly scatters that link the two sides."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from db.queries.supervisor import Scatter, TeamPanel
from db.queries.supervisor_agent import AgentPage
from desktop.core.scorecard import (
    CATALOGUE,
    CUSTOMER_METRICS,
    EMPLOYEE_METRICS,
    Figure,
    Metric,
)
from desktop.ui.supervisor_charts import LinkScatter, Sparkline, TrendChart
from desktop.ui.supervisor_format import change_text, figure_text, tooltip, value_text
from desktop.ui.theme import active_colors

TRACE_HINT = "Click to list the rows behind this figure."


def tone_style(good: bool | None) -> str:
    """Colour of a change: the theme's ok/bad colours, muted when neutral."""
    colours = active_colors()
    colour = colours["muted"] if good is None else colours["ok"] if good else colours["bad"]
    return f"color: {colour};"


class MetricRow(QFrame):
    """One figure: name, value, change against the previous period, sparkline."""

    clicked = Signal(object)  # Metric

    def __init__(self, metric: Metric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = metric
        self.setObjectName("metricRow")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 1, 4, 1)
        layout.setSpacing(6)
        self.name = QLabel(CATALOGUE[metric].label)
        self.name.setMinimumWidth(92)
        self.value = QLabel("—")
        self.value.setMinimumWidth(70)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.value.setStyleSheet("font-size: 14px; font-weight: 600;")
        self.change = QLabel("")
        self.change.setMinimumWidth(76)
        self.change.setStyleSheet(tone_style(None))
        self.spark = Sparkline(self, width=52, height=22)
        layout.addWidget(self.name)
        layout.addWidget(self.value)
        layout.addWidget(self.change)
        layout.addWidget(self.spark, 1)

    def show_figure(self, current: Figure, previous: Figure, trend: Sequence[Figure]) -> None:
        self.value.setText(figure_text(current))
        text, good = change_text(current, previous)
        self.change.setText(text)
        self.change.setStyleSheet(tone_style(good) + " font-size: 11px;")
        self.spark.set_values([f.value for f in trend])
        weeks = ", ".join(value_text(self.kind, f.value) for f in trend[-4:])
        self.setToolTip(tooltip(current, previous, f"Last 4 weeks: {weeks}. {TRACE_HINT}"))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.kind)
        super().mouseReleaseEvent(event)


class SideCard(QFrame):
    """A card of metric rows with a title ("Customers", "Employees")."""

    trace_requested = Signal(object)

    def __init__(self, title: str, metrics: Sequence[Metric], parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("card", True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(0)
        heading = QLabel(title)
        heading.setStyleSheet("font-weight: 600; font-size: 13px; padding-bottom: 4px;")
        layout.addWidget(heading)
        self.rows: dict[Metric, MetricRow] = {}
        for metric in metrics:
            row = MetricRow(metric, self)
            row.clicked.connect(self._forward)
            self.rows[metric] = row
            layout.addWidget(row)
        layout.addStretch(1)

    def _forward(self, metric: Metric) -> None:
        self.trace_requested.emit(metric)

    def show_panel(self, panel: TeamPanel) -> None:
        for metric, row in self.rows.items():
            row.show_figure(panel.current[metric], panel.previous[metric], panel.trend[metric])


def strength(r: float) -> str:
    """Words for a correlation coefficient, so nobody over-reads it."""
    size = abs(r)
    if size < 0.1:
        return "no visible link"
    word = "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"
    return f"{word} {'positive' if r > 0 else 'negative'} link"


def link_caption(scatter: Scatter, x_name: str, short: bool = False) -> str:
    """ "eSat vs CSAT: r = -0.27 over 12 weeks, weak negative link"."""
    head = "" if short else f"{x_name} vs CSAT: "
    if scatter.r is None:
        return f"{head}too few weeks with both figures ({scatter.n} of 12; r needs 3)"
    return f"{head}r = {scatter.r:+.2f} over {scatter.n} weeks, {strength(scatter.r)}"


class LinkCard(QFrame):
    """The two weekly scatters: does pressure on people show in customers' answers?"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("card", True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        heading = QLabel("Employees ↔ customers")
        heading.setStyleSheet("font-weight: 600; font-size: 13px;")
        layout.addWidget(heading)
        grid = QGridLayout()
        self.esat = LinkScatter(
            "eSat (1-5)", "CSAT %", lambda v: f"eSat {v:.2f}", lambda v: f"{v:.0f} %"
        )
        self.occupancy = LinkScatter(
            "Occupancy %", "CSAT %", lambda v: f"occupancy {v:.0f} %", lambda v: f"{v:.0f} %"
        )
        self.esat_caption = QLabel("")
        self.occupancy_caption = QLabel("")
        for label in (self.esat_caption, self.occupancy_caption):
            label.setWordWrap(True)
            label.setStyleSheet(f"color: {active_colors()['muted']}; font-size: 11px;")
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        grid.addWidget(self.esat, 0, 0)
        grid.addWidget(self.occupancy, 0, 1)
        grid.addWidget(self.esat_caption, 1, 0)
        grid.addWidget(self.occupancy_caption, 1, 1)
        layout.addLayout(grid, 1)
        self.setToolTip(
            "One point per rolling week of the last 12: the team's eSat (weeks with at least 5 "
            "answers from 3 people) or occupancy, against its CSAT. r is Pearson's correlation "
            "(metrics.pearson): a link, not a cause."
        )

    def show_panel(self, panel: TeamPanel) -> None:
        self.esat.set_points(panel.esat_csat.points)
        occupancy_pct = [(w, 100 * x, y) for w, x, y in panel.occupancy_csat.points]
        self.occupancy.set_points(occupancy_pct)
        self.esat_caption.setText(link_caption(panel.esat_csat, "eSat", short=True))
        self.occupancy_caption.setText(link_caption(panel.occupancy_csat, "Occupancy", True))


class TrendCard(QFrame):
    """A figure with its change and a 12-week chart; a click lists the rows behind it."""

    clicked = Signal(object)

    def __init__(self, metric: Metric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = metric
        self.setProperty("card", True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(0)
        top = QHBoxLayout()
        top.setSpacing(6)
        self.name = QLabel(CATALOGUE[metric].label)
        self.name.setStyleSheet("font-weight: 600;")
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 14px; font-weight: 600;")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.change = QLabel("")
        self.change.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.name)
        top.addStretch(1)
        top.addWidget(self.value)
        layout.addLayout(top)
        layout.addWidget(self.change)
        self.chart = TrendChart(lambda v, m=metric: value_text(m, v), self)
        self.chart.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(self.chart, 1)

    def show_page(self, page: AgentPage) -> None:
        current, previous = page.current[self.kind], page.previous[self.kind]
        self.value.setText(figure_text(current))
        text, good = change_text(current, previous)
        self.change.setText(text)
        self.change.setStyleSheet(tone_style(good) + " font-size: 11px;")
        self.chart.set_values([w[0] for w in page.weeks], [f.value for f in page.trend[self.kind]])
        self.setToolTip(tooltip(current, previous, "Click to list the rows behind it."))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.kind)
        super().mouseReleaseEvent(event)


class TeamPanelWidget(QWidget):
    """Customers | Employees | the link, side by side."""

    trace_requested = Signal(object)  # Metric

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.customers = SideCard("Customers", CUSTOMER_METRICS, self)
        self.employees = SideCard("Employees", EMPLOYEE_METRICS, self)
        self.link = LinkCard(self)
        for card in (self.customers, self.employees):
            card.trace_requested.connect(self.trace_requested)
            layout.addWidget(card, 3)
        layout.addWidget(self.link, 4)

    def show_panel(self, panel: TeamPanel) -> None:
        self.customers.show_panel(panel)
        self.employees.show_panel(panel)
        self.link.show_panel(panel)
