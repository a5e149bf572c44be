"""The team panel: each team's imbalance (Gini) with its most and least loaded agents, and
the load distribution of the selected team."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from db.queries.workload import AgentLoad
from desktop.core.balance import TeamBalance
from desktop.ui.item_rows import ItemTableModel
from desktop.ui.pyside_workarounds import immortalise_singletons
from desktop.ui.table_model import KEY_ROLE, NUMBER, Column
from desktop.ui.theme import active_colors, status_icon
from desktop.ui.widgets import KpiCard, kpi_row, sortable_table
from desktop.ui.workload_models import STATE_COLOURS

# PySide6 6.12 on Python 3.11 drops references to None on every call; charts make many.
immortalise_singletons()

GINI_TIP = (
    "Imbalance: Gini coefficient of the weighted load across the team's logged-in agents "
    "(0 = perfectly even; 1 = one agent carries everything). Guide: under 0.2 even, "
    "0.2-0.4 uneven, over 0.4 very uneven."
)


def gini_severity(value: float) -> str:
    return "ok" if value < 0.2 else "warn" if value <= 0.4 else "bad"


def gini_word(value: float) -> str:
    return {"ok": "even", "warn": "uneven", "bad": "very uneven"}[gini_severity(value)]


def _who(agent: object) -> str:
    return "—" if agent is None else f"{agent.name} ({agent.load:g})"  # type: ignore[attr-defined]


BALANCE_COLUMNS: list[Column[TeamBalance]] = [
    Column("Team", lambda b: b.team),
    Column(
        "Logged in",
        lambda b: str(b.agents),
        lambda b: b.agents,
        "Agents counted: logged in (available, busy or away)",
        align=NUMBER,
    ),
    Column(
        "Mean load",
        lambda b: f"{b.mean_load:.1f}",
        lambda b: b.mean_load,
        "Average weighted load of the logged-in agents",
        align=NUMBER,
    ),
    Column(
        "Imbalance",
        lambda b: f"{b.gini:.2f} {gini_word(b.gini)}",
        lambda b: b.gini,
        GINI_TIP,
        icon=lambda b: status_icon(gini_severity(b.gini)),
        align=NUMBER,
    ),
    Column(
        "Most loaded",
        lambda b: _who(b.most_loaded),
        lambda b: b.most_loaded.load if b.most_loaded else None,
        "The logged-in agent with the highest weighted load",
    ),
    Column(
        "Least loaded",
        lambda b: _who(b.least_loaded),
        lambda b: b.least_loaded.load if b.least_loaded else None,
        "The logged-in agent with the lowest weighted load",
    ),
]


class LoadChart(pg.PlotWidget):
    """Weighted load of a team's logged-in agents, highest first, with the mean.

    Items are made once and updated in place; an unchanged team is not redrawn.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(x=False, y=True, alpha=0.25)
        self.getAxis("bottom").setStyle(showValues=False)
        self.getAxis("left").setWidth(36)
        self.setMinimumHeight(150)
        self.setMaximumHeight(230)
        self.loads: list[float] = []
        self._shown: tuple[object, ...] | None = None
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, pen=pg.mkPen(None))
        self.mean = pg.InfiniteLine(angle=0, label="", labelOpts={"position": 0.93})
        self.first = pg.TextItem("", anchor=(0.5, 1))
        self.last = pg.TextItem("", anchor=(0.5, 1))
        for item in (self.bars, self.mean, self.first, self.last):
            self.addItem(item)

    def forget(self) -> None:
        """Draw again on the next ``show_team`` even if nothing changed (a theme switch)."""
        self._shown = None

    def show_team(self, team: str, agents: Sequence[AgentLoad], mean: float) -> None:
        ranked = sorted(agents, key=lambda a: (-a.weighted_load, a.name))
        shown = (team, mean, tuple((a.name, a.weighted_load, a.state) for a in ranked))
        if shown == self._shown:
            return
        self._shown = shown
        colours = active_colors()
        self.setBackground(QColor(colours["surface"]))
        pen = pg.mkPen(QColor(colours["muted"]))
        for name in ("left", "bottom"):
            self.getAxis(name).setPen(pen)
            self.getAxis(name).setTextPen(pen)
        self.loads = [a.weighted_load for a in ranked]
        for item in (self.bars, self.mean, self.first, self.last):
            item.setVisible(bool(ranked))
        if not ranked:
            self.setTitle(f"{team}: nobody logged in", color=colours["muted"], size="9pt")
            return
        brushes = []
        for a in ranked:
            colour = QColor(colours[STATE_COLOURS.get(a.state, "muted")])
            colour.setAlpha(190)
            brushes.append(colour)
        self.bars.setOpts(x=list(range(len(ranked))), height=self.loads, brushes=brushes)
        self.mean.setPen(pg.mkPen(QColor(colours["text"]), width=1, style=Qt.PenStyle.DashLine))
        self.mean.setPos(mean)
        self.mean.label.setFormat(f"mean {mean:.1f}")
        self.mean.label.setColor(QColor(colours["muted"]))
        for label, i in ((self.first, 0), (self.last, len(ranked) - 1)):
            label.setText(ranked[i].name.split()[0], color=QColor(colours["text"]))
            label.setPos(i, ranked[i].weighted_load)
        self.setXRange(-0.7, len(ranked) - 0.3, padding=0)
        self.setYRange(0, max([*self.loads, 1.0]) * 1.2, padding=0)
        self.setTitle(
            f"{team}: load per logged-in agent · green available, blue busy, amber away",
            color=colours["muted"],
            size="9pt",
        )


class TeamPanel(QWidget):
    """Balance table (one row per chosen team) beside the chosen team's load chart.

    Attributes:
        team_selected: the team whose chart is shown changed (team id).
    """

    team_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ItemTableModel(BALANCE_COLUMNS, lambda b: b.team_id, self)
        self.table = sortable_table(self.model, self)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.chart = LoadChart()
        self.caption = QLabel("Workload balance per team (click a team to chart it)")
        self.caption.setProperty("kpiCaption", True)
        self.caption.setToolTip(GINI_TIP)
        self.gini = KpiCard("imbalance (Gini)", GINI_TIP)
        self.most = KpiCard("most loaded", "The logged-in agent with the highest weighted load")
        self.least = KpiCard("least loaded", "The logged-in agent with the lowest weighted load")
        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.caption)
        left.addWidget(self.table)
        left.addWidget(kpi_row(self.gini, self.most, self.least))
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 3)
        layout.addWidget(self.chart, 2)
        self._agents: list[AgentLoad] = []
        self._team: int | None = None
        self.table.selectionModel().currentRowChanged.connect(self._picked)

    def show_balances(self, balances: Sequence[TeamBalance], agents: Sequence[AgentLoad]) -> None:
        self._agents = list(agents)
        fresh = self.model.rowCount() == 0
        self.model.apply(balances)
        rows = min(max(len(balances), 1), 5)
        header = self.table.horizontalHeader().height()
        self.table.setFixedHeight(
            header + rows * self.table.verticalHeader().defaultSectionSize() + 4
        )
        if fresh and balances:
            self.table.resizeColumnsToContents()
        if self._team is None and balances:
            self._team = balances[0].team_id
            proxy = self.table.model()
            self.table.selectionModel().setCurrentIndex(
                proxy.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._draw()

    def restyle(self) -> None:
        """Redraw the table and chart in the current theme's colours."""
        self.model.restyle()
        self.chart.forget()
        self._draw()

    def _picked(self, current: object, _previous: object) -> None:
        key = current.data(KEY_ROLE) if current.isValid() else None  # type: ignore[attr-defined]
        if key is not None and key != self._team:
            self._team = key
            self.team_selected.emit(key)
            self._draw()

    def _draw(self) -> None:
        row = self.model.row_for_key(self._team) if self._team is not None else None
        if row is None:
            self.chart.show_team("No team", [], 0.0)
            return
        balance = self.model.row_at(row)
        team_agents = [a for a in self._agents if a.team_id == self._team and a.logged_in]
        self.chart.show_team(balance.team, team_agents, balance.mean_load)
        self.gini.set_value(
            f"{balance.gini:.2f} {gini_word(balance.gini)}",
            None if gini_severity(balance.gini) == "ok" else gini_severity(balance.gini),
        )
        self.gini.caption.setText(f"imbalance (Gini), {balance.team}")
        for card, agent in ((self.most, balance.most_loaded), (self.least, balance.least_loaded)):
            if agent is None:
                card.set_value("—")
                continue
            ratio = agent.load / balance.mean_load if balance.mean_load else 0.0
            card.set_value(f"{agent.name} · {agent.load:g}")
            card.setToolTip(f"Weighted load {agent.load:g}, {ratio:.1f} x the team mean")
