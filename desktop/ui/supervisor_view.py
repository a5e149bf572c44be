"""Supervisor: customer metrics beside employee satisfaction and coaching, for the teams the
signed-in supervisor or team lead is responsible for.

The view only gathers parameters and shows snapshots; every figure is computed by
``db.queries.supervisor`` on a worker, which also enforces who may see what. Dialogs and the
agent page live in their own ``supervisor_*`` modules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.queries.supervisor import SupervisorSnapshot
from desktop.core.coaching import CoachingThresholds, Flag, Rule
from desktop.core.periods import PERIOD_LABELS, PeriodKind
from desktop.core.scorecard import Metric
from desktop.live.tasks import TaskError
from desktop.ui.supervisor_actions import SupervisorActions
from desktop.ui.supervisor_agent_page import AgentPageWidget
from desktop.ui.supervisor_panel import TeamPanelWidget
from desktop.ui.supervisor_reminders import FollowUpReminder
from desktop.ui.supervisor_tables import (
    attention_model,
    attention_table,
    metric_of_column,
    scorecard_model,
    scorecard_table,
    selected_rows,
)
from desktop.ui.supervisor_tasks import NoTeams, PeriodChoice, load_snapshot
from desktop.ui.table_model import ROW_ROLE
from desktop.ui.theme import icon
from desktop.ui.view_base import DataView, placeholder

ALL_TEAMS = -1


class SupervisorView(DataView):
    """Team panel, links, needs attention and scorecards; an agent page on demand."""

    view_id = "supervisor"
    title = "Supervisor"
    icon_name = "supervisor"
    refresh_setting = "refresh.supervisor_seconds"

    agent_page_shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choice = PeriodChoice()
        self.team_ids: tuple[int, ...] = ()
        self.thresholds = CoachingThresholds()
        self.actions = SupervisorActions(self)
        self.reminder = FollowUpReminder(self)
        self.reminder.message.connect(self.status_message)

        self.team_box = QComboBox()
        self.team_box.setMinimumWidth(190)
        self.team_box.setToolTip("Teams you supervise or lead")
        self.period_box = QComboBox()
        for kind, label in PERIOD_LABELS.items():
            self.period_box.addItem(label, kind)
        self.period_box.setCurrentIndex(list(PERIOD_LABELS).index(PeriodKind.LAST_30))
        self.first_day, self.last_day = QDateEdit(), QDateEdit()
        for edit in (self.first_day, self.last_day):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.setVisible(False)
        self.first_day.setDate(QDate.currentDate().addDays(-29))
        self.last_day.setDate(QDate.currentDate())
        self.apply_custom = QPushButton("Apply")
        self.apply_custom.setVisible(False)
        self.compare_label = QLabel("")
        self.compare_label.setObjectName("compareLabel")
        self.busy_label = QLabel("Loading…")
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setIcon(icon("export"))
        self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_button.setMenu(self.actions.export_menu())
        self.more_button = QToolButton()
        self.more_button.setText("Coaching data")
        self.more_button.setIcon(icon("import"))
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setMenu(self.actions.data_menu())

        bar = QHBoxLayout()
        bar.setSpacing(8)
        bar.addWidget(QLabel("Team"))
        bar.addWidget(self.team_box)
        bar.addSpacing(8)
        bar.addWidget(QLabel("Period"))
        bar.addWidget(self.period_box)
        bar.addWidget(self.first_day)
        bar.addWidget(self.last_day)
        bar.addWidget(self.apply_custom)
        bar.addWidget(self.compare_label, 1)
        bar.addWidget(self.busy_label)
        bar.addWidget(self.more_button)
        bar.addWidget(self.export_button)

        self.panel = TeamPanelWidget()
        self.attention = attention_model(self)
        self.attention_view = attention_table(self.attention, self)
        self.model = scorecard_model(self)
        self.table = scorecard_table(self.model, self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._with_buttons(self.attention_view, attention=True), "Needs attention")
        self.tabs.addTab(self._with_buttons(self.table, attention=False), "Agent scorecards")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.panel)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([270, 420])
        self.no_access = placeholder("")
        overview = QWidget()
        overview_layout = QVBoxLayout(overview)
        overview_layout.setContentsMargins(0, 0, 0, 0)
        overview_layout.addWidget(split)
        self.agent_page = AgentPageWidget(self)
        self.pages = QStackedWidget()
        self.pages.addWidget(overview)
        self.pages.addWidget(self.agent_page)
        self.pages.addWidget(self.no_access)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.pages, 1)

        self.team_box.activated.connect(self._team_chosen)
        self.period_box.activated.connect(self._period_chosen)
        self.apply_custom.clicked.connect(self._custom_chosen)
        self.panel.trace_requested.connect(self._trace_team)
        self.table.doubleClicked.connect(self._scorecard_activated)
        self.attention_view.doubleClicked.connect(self._attention_activated)
        self.agent_page.back_requested.connect(lambda: self.pages.setCurrentIndex(0))
        self.actions.changed.connect(self._after_change)
        self.actions.message.connect(self.status_message)

    # Layout helpers ----------------------------------------------------------------------
    def _with_buttons(self, table: QWidget, attention: bool) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 6, 0, 0)
        row = QHBoxLayout()
        buttons: list[tuple[str, Callable[[], None]]] = [
            ("Open agent page", self._open_selected),
            ("Log coaching session…", lambda: self._act_on_selection("log")),
            ("Find a slot…", lambda: self._act_on_selection("slot")),
        ]
        if attention:
            buttons.append(("Follow-up done", lambda: self._act_on_selection("done")))
        else:
            buttons.append(("QA review…", lambda: self._act_on_selection("qa")))
        for text, slot in buttons:
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        hint = QLabel(
            "Double-click a figure for the rows behind it, an agent for their page."
            if not attention
            else "Most severe first. Double-click to open the agent's page."
        )
        hint.setObjectName("hint")
        row.addStretch(1)
        row.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(table, 1)
        return box

    # DataView ----------------------------------------------------------------------------
    def attach(self, ctx: Any) -> None:
        self.thresholds = CoachingThresholds.from_settings(ctx.settings.values)
        self.actions.bind(ctx, self)
        super().attach(ctx)

    def snapshot_function(self) -> Callable[[], SupervisorSnapshot | NoTeams]:
        assert self.ctx is not None
        self.busy_label.setText("Updating…")
        return partial(
            load_snapshot,
            self.ctx.db,
            self.ctx.actor,
            self.team_ids or None,
            self.choice,
            self.ctx.now,
            self.thresholds,
        )

    def show_snapshot(self, snapshot: SupervisorSnapshot | NoTeams) -> None:
        self.busy_label.setText("")
        if isinstance(snapshot, NoTeams):
            self.no_access.setText(snapshot.message)
            self.pages.setCurrentWidget(self.no_access)
            self.model.apply(())
            self.attention.apply(())
            return
        if self.pages.currentWidget() is self.no_access:
            self.pages.setCurrentIndex(0)
        self._fill_teams(snapshot)
        period = snapshot.panel.period
        self.compare_label.setText(
            f"{_span(period.start, period.end)}, compared with "
            f"{_span(period.previous_start, period.previous_end)}"
        )
        self.panel.show_panel(snapshot.panel)
        self.model.apply(snapshot.scorecards)
        self.attention.apply(snapshot.attention)
        self.attention_view.resizeRowsToContents()
        self.tabs.setTabText(0, f"Needs attention ({len(snapshot.attention)})")
        self.tabs.setTabText(1, f"Agent scorecards ({len(snapshot.scorecards)})")
        self.actions.snapshot = snapshot
        self.reminder.check(snapshot.attention, snapshot.at)
        if self.pages.currentWidget() is self.agent_page and self.agent_page.employee_id:
            self.agent_page.reload()

    def _fill_teams(self, snapshot: SupervisorSnapshot) -> None:
        wanted = [(ALL_TEAMS, "All my teams")] if len(snapshot.teams) > 1 else []
        wanted += [(t.team_id, t.name) for t in snapshot.teams]
        current = [
            (self.team_box.itemData(i), self.team_box.itemText(i))
            for i in range(self.team_box.count())
        ]
        if current != wanted:
            self.team_box.clear()
            for team_id, name in wanted:
                self.team_box.addItem(name, team_id)
        selected = self.team_ids[0] if len(self.team_ids) == 1 else ALL_TEAMS
        index = self.team_box.findData(selected)
        self.team_box.setCurrentIndex(max(index, 0))

    # Parameters --------------------------------------------------------------------------
    def _team_chosen(self, index: int) -> None:
        team_id = self.team_box.itemData(index)
        self.team_ids = () if team_id in (None, ALL_TEAMS) else (int(team_id),)
        self.reload()

    def _period_chosen(self, index: int) -> None:
        kind = PeriodKind(self.period_box.itemData(index))
        custom = kind is PeriodKind.CUSTOM
        for widget in (self.first_day, self.last_day, self.apply_custom):
            widget.setVisible(custom)
        if not custom:
            self.choice = PeriodChoice(kind)
            self.reload()

    def _custom_chosen(self) -> None:
        first, last = self.first_day.date().toPython(), self.last_day.date().toPython()
        if last < first:
            self.status_message.emit("The last day of the period is before its first day.")
            return
        self.choice = PeriodChoice(PeriodKind.CUSTOM, first, last)
        self.reload()

    def set_period(
        self, kind: PeriodKind, first: date | None = None, last: date | None = None
    ) -> None:
        """Choose a period from code (tests, remembered settings)."""
        self.period_box.setCurrentIndex(self.period_box.findData(kind))
        self.choice = PeriodChoice(kind, first, last)
        self.reload()

    # Navigation and actions --------------------------------------------------------------
    def _trace_team(self, metric: Metric) -> None:
        snapshot = self.actions.snapshot
        if snapshot is not None:
            self.actions.trace(metric, snapshot.panel.scope.team_ids, None, "the team")

    def _scorecard_activated(self, index: Any) -> None:
        row = index.data(ROW_ROLE)
        metric = metric_of_column(index.column())
        if metric is None:
            self.open_agent(row.employee_id)
        else:
            self.actions.trace(metric, (), row.employee_id, row.name)

    def _attention_activated(self, index: Any) -> None:
        flag: Flag = index.data(ROW_ROLE)
        self.open_agent(flag.employee_id)

    def open_agent(self, employee_id: int) -> None:
        """Show the agent's page (loaded on a worker)."""
        snapshot = self.actions.snapshot
        if self.ctx is None or snapshot is None:
            return
        self.agent_page.load(
            self.ctx, self.actions, employee_id, snapshot.panel.period, self.thresholds
        )
        self.pages.setCurrentWidget(self.agent_page)
        self.agent_page_shown.emit(employee_id)

    def _selected(self) -> tuple[int, str, Flag | None] | None:
        if self.tabs.currentIndex() == 0:
            rows = selected_rows(self.attention_view)
            if rows:
                flag = rows[0]
                assert isinstance(flag, Flag)
                return flag.employee_id, flag.agent, flag
        else:
            rows = selected_rows(self.table)
            if rows:
                return rows[0].employee_id, rows[0].name, None  # type: ignore[attr-defined]
        self.status_message.emit("Select an agent first.")
        return None

    def _open_selected(self) -> None:
        chosen = self._selected()
        if chosen:
            self.open_agent(chosen[0])

    def _act_on_selection(self, what: str) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        employee_id, name, flag = chosen
        if what == "log":
            self.actions.log_session(employee_id, name, [flag] if flag else [])
        elif what == "slot":
            self.actions.find_slot(employee_id, name, flag)
        elif what == "qa":
            self.actions.qa_review(employee_id, name)
        elif what == "done":
            if flag is None or flag.rule is not Rule.FOLLOW_UP or flag.session_id is None:
                QMessageBox.information(self, "Follow-up done", "Select a follow-up first.")
                return
            self.actions.follow_up_done(flag.session_id, name)

    def _after_change(self, message: str) -> None:
        self.status_message.emit(message)
        self.reload()

    def _on_failed(self, error: TaskError) -> None:
        self.busy_label.setText("Not updated")
        super()._on_failed(error)


def _span(start: Any, end: Any) -> str:
    last = end.astimezone()
    first = start.astimezone()
    return f"{first:%d %b} – {last:%d %b}"
