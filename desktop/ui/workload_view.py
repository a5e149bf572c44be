"""Workload: what each agent of the chosen teams carries now, and how evenly.

One row per agent (state and time in it, open tickets by priority, weighted load, today's
contacts, AHT, occupancy, logged-in time against the shift, the oldest ticket and its
silence); a team panel with the load distribution and the imbalance (Gini), naming the most
and least loaded; and rebalancing: select an agent, pick tickets, and reassign them by menu
or by dragging them onto another agent. Each move is one audited transaction with
optimistic locking; a conflict from another workstation gets a clear message and a refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.actions.tickets import ActionResult, TicketRef
from db.engine import Database
from db.queries.workload import AgentLoad, TeamChoice, WorkloadSnapshot, team_choices
from db.queries.workload import workload_snapshot as query_workload
from desktop.live.tasks import TaskError
from desktop.ui.context import ViewContext
from desktop.ui.item_rows import THEME_EVENTS, ItemTableModel, keep_sort_arrow_clear, title_width
from desktop.ui.table_model import KEY_ROLE, ROW_ROLE, SORT_ROLE
from desktop.ui.theme import icon
from desktop.ui.view_base import DataView
from desktop.ui.workload_actions import Outcome, reassign, undo_reassign
from desktop.ui.workload_models import AgentTable, TicketDragModel, agent_columns
from desktop.ui.workload_panel import TeamPanel


def compute_workload(
    db: Database,
    now: Callable[[], datetime],
    team_ids: tuple[int, ...],
    focus: int | None,
) -> WorkloadSnapshot:
    """Worker function: the workload snapshot."""
    with db.read() as session:
        return query_workload(session, now(), team_ids, focus)


def load_teams(db: Database, allowed: tuple[int, ...]) -> list[TeamChoice]:
    """Worker function: the teams the user may choose from."""
    with db.read() as session:
        return team_choices(session, allowed)


class WorkloadView(DataView):
    view_id = "workload"
    title = "Workload"
    icon_name = "workload"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = QSettings("Proximity", "Proximity")
        self.team_ids: tuple[int, ...] = ()
        self.teams: list[TeamChoice] = []
        self.focus: AgentLoad | None = None
        self.last_move: ActionResult | None = None
        self._at: list[datetime] = []
        self._tickets_fitted = False
        self._restyle_pending = False

        self.team_button = QToolButton()
        self.team_button.setText("Teams")
        self.team_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.team_menu = QMenu(self.team_button)
        self.team_button.setMenu(self.team_menu)
        self.summary = QLabel("")
        self.undo_button = QPushButton(icon("refresh"), "Undo last move")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self._undo)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Showing"))
        bar.addWidget(self.team_button)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.undo_button)

        self.panel = TeamPanel()
        self.model = ItemTableModel(agent_columns(), lambda r: r.employee_id, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setDynamicSortFilter(False)  # re-sorted by apply_sorted, when needed
        self.table = AgentTable()
        self.table.setModel(self.proxy)
        self._table_style(self.table)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(8, Qt.SortOrder.DescendingOrder)  # the heaviest load first
        self.table.selectionModel().currentRowChanged.connect(self._agent_changed)
        self.table.tickets_dropped.connect(self._dropped)

        self.tickets_caption = QLabel("Select an agent to see and move their open tickets")
        self.tickets_caption.setProperty("kpiCaption", True)
        self.ticket_model = TicketDragModel(self)
        self.ticket_proxy = QSortFilterProxyModel(self)
        self.ticket_proxy.setSourceModel(self.ticket_model)
        self.ticket_proxy.setSortRole(SORT_ROLE)
        self.ticket_proxy.setDynamicSortFilter(False)
        self.tickets = QTableView()
        self.tickets.setModel(self.ticket_proxy)
        self._table_style(self.tickets)
        self.tickets.setSortingEnabled(True)
        # Most urgent first; the query's oldest-first order holds within a priority.
        self.tickets.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        self.tickets.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tickets.setDragEnabled(True)
        self.tickets.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tickets.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tickets.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tickets.customContextMenuRequested.connect(self._ticket_menu)
        self.move_button = QPushButton(icon("assign"), "Reassign selected…")
        self.move_button.setToolTip("Or drag the selected tickets onto an agent above")
        self.move_button.clicked.connect(
            lambda: self._ticket_menu(self.move_button.rect().bottomLeft(), self.move_button)
        )
        ticket_bar = QHBoxLayout()
        ticket_bar.addWidget(self.tickets_caption, 1)
        ticket_bar.addWidget(self.move_button)
        ticket_pane = QWidget()
        ticket_layout = QVBoxLayout(ticket_pane)
        ticket_layout.setContentsMargins(0, 0, 0, 0)
        ticket_layout.addLayout(ticket_bar)
        ticket_layout.addWidget(self.tickets, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.panel)
        splitter.addWidget(self.table)
        splitter.addWidget(ticket_pane)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 5)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([260, 420, 200])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

    def changeEvent(self, event: QEvent) -> None:
        """A theme switch: re-render the cells in the new colours."""
        super().changeEvent(event)
        if event.type() in THEME_EVENTS and not self._restyle_pending:
            self._restyle_pending = True  # once per switch, after every widget has had its own
            QTimer.singleShot(0, self, self._restyle)  # dropped if self is destroyed

    def _restyle(self) -> None:
        self._restyle_pending = False
        self.model.restyle()
        self.ticket_model.restyle()
        self.panel.restyle()

    @staticmethod
    def _table_style(table: QTableView) -> None:
        table.setAlternatingRowColors(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(24)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setMinimumSectionSize(36)
        table.setWordWrap(False)

    # Teams ---------------------------------------------------------------------------------
    def attach(self, ctx: ViewContext) -> None:
        self.ctx = ctx
        saved = self._settings.value(f"workload/teams/{ctx.actor.username}", "")
        chosen = tuple(int(t) for t in str(saved).split(",") if t.isdigit())
        self.team_ids = tuple(t for t in chosen if t in ctx.actor.team_ids) or ctx.actor.team_ids
        super().attach(ctx)
        ctx.runner.submit(partial(load_teams, ctx.db, ctx.actor.team_ids), self._teams_loaded)

    def reload(self) -> None:
        if self.ctx is not None and not set(self.team_ids) <= set(self.ctx.actor.team_ids):
            self.team_ids = self.ctx.actor.team_ids  # signed in as someone else
            self.ctx.runner.submit(
                partial(load_teams, self.ctx.db, self.ctx.actor.team_ids), self._teams_loaded
            )
        super().reload()

    def _teams_loaded(self, teams: list[TeamChoice]) -> None:
        self.teams = teams
        self.team_menu.clear()
        for team in teams:
            action = QAction(f"{team.name} ({team.agents} agents)", self.team_menu, checkable=True)
            action.setChecked(team.team_id in self.team_ids)
            action.toggled.connect(lambda on, t=team.team_id: self._team_toggled(t, on))
            self.team_menu.addAction(action)
        self._team_label()

    def _team_toggled(self, team_id: int, on: bool) -> None:
        ids = set(self.team_ids)
        (ids.add if on else ids.discard)(team_id)
        self.team_ids = tuple(sorted(ids))
        if self.ctx is not None:
            self._settings.setValue(
                f"workload/teams/{self.ctx.actor.username}", ",".join(map(str, self.team_ids))
            )
        self._team_label()
        self.reload()

    def _team_label(self) -> None:
        names = [t.name for t in self.teams if t.team_id in self.team_ids]
        text = ", ".join(names) if len(names) <= 3 else f"{len(names)} teams"
        self.team_button.setText(text or "no team")

    # Snapshot ------------------------------------------------------------------------------
    def snapshot_function(self) -> Callable[[], WorkloadSnapshot]:
        assert self.ctx is not None
        focus = self.focus.employee_id if self.focus is not None else None
        return partial(compute_workload, self.ctx.db, self.ctx.now, self.team_ids, focus)

    def show_snapshot(self, snapshot: WorkloadSnapshot) -> None:
        first = not self._at
        self._at[:] = [snapshot.at]
        apply_sorted(self.model, self.proxy, self.table, snapshot.agents)
        self.panel.show_balances(snapshot.balances, snapshot.agents)
        logged_in = sum(a.logged_in for a in snapshot.agents)
        held = sum(a.open_total for a in snapshot.agents)
        self.summary.setText(
            f"  {len(snapshot.agents)} agents, {logged_in} logged in, {held:,} open tickets held"
        )
        if self.focus is not None:
            row = self.model.row_for_key(self.focus.employee_id)
            self.focus = self.model.row_at(row) if row is not None else None
        if snapshot.focus_agent_id == (self.focus.employee_id if self.focus else None):
            self.ticket_model.owner_id = snapshot.focus_agent_id
            apply_sorted(self.ticket_model, self.ticket_proxy, self.tickets, snapshot.focus_tickets)
            self._ticket_caption()
        if first:
            fit_columns(self.table)
            if self.focus is None and self.proxy.rowCount():
                self.select_agent(self.proxy.index(0, 0).data(KEY_ROLE))  # the heaviest load
        if snapshot.focus_tickets and not self._tickets_fitted:
            self._tickets_fitted = True
            fit_columns(self.tickets)

    def _ticket_caption(self) -> None:
        if self.focus is None:
            self.tickets_caption.setText("Select an agent to see and move their open tickets")
            return
        n = self.ticket_model.rowCount()
        self.tickets_caption.setText(
            f"{self.focus.name}: {n} open ticket(s), load {self.focus.weighted_load:g}. "
            "Select tickets, then drag them onto another agent or use Reassign."
        )

    def _agent_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        agent = current.siblingAtColumn(0).data(ROW_ROLE) if current.isValid() else None
        if agent is None or (self.focus and agent.employee_id == self.focus.employee_id):
            return
        self.focus = agent
        self.ticket_model.apply([])
        self.tickets_caption.setText(f"{agent.name}: loading open tickets…")
        self.reload()

    # Rebalancing -----------------------------------------------------------------------------
    def selected_refs(self) -> list[TicketRef]:
        rows = self.tickets.selectionModel().selectedRows()
        lines = [self.ticket_proxy.mapToSource(i).siblingAtColumn(0).data(ROW_ROLE) for i in rows]
        return [TicketRef(t.ticket_id, t.version) for t in lines if t is not None]

    def _ticket_menu(self, pos: QPoint, widget: QWidget | None = None) -> None:
        refs = self.selected_refs()
        menu = QMenu(self)
        if not refs:
            menu.addAction("Select one or more tickets first").setEnabled(False)
        else:
            sub = menu.addMenu(icon("assign"), f"Reassign {len(refs)} ticket(s) to")
            for agent in self.candidates():
                action = sub.addAction(
                    f"{agent.name} — load {agent.weighted_load:g}, {agent.state}"
                )
                action.triggered.connect(lambda _=False, a=agent: self.move(refs, a))
        menu.popup((widget or self.tickets.viewport()).mapToGlobal(pos))

    def candidates(self) -> list[AgentLoad]:
        """Agents who could take the tickets: logged in first, then by lightest load."""
        owner = self.focus.employee_id if self.focus else None
        agents = [a for a in self.model.rows if a.employee_id != owner]
        return sorted(agents, key=lambda a: (not a.logged_in, a.weighted_load, a.name))

    def _dropped(self, refs: Sequence[TicketRef], agent: AgentLoad) -> None:
        self.move(list(refs), agent)

    def move(self, refs: Sequence[TicketRef], agent: AgentLoad) -> None:
        """Reassign ``refs`` to ``agent`` on a worker; the view refreshes afterwards."""
        if self.ctx is None or not refs:
            return
        self.move_button.setEnabled(False)
        self.ctx.runner.submit(
            partial(
                reassign,
                self.ctx.db,
                self.ctx.actor,
                list(refs),
                agent.employee_id,
                agent.name,
                self.ctx.now(),
            ),
            self._moved,
            self._move_failed,
        )

    def _moved(self, outcome: Outcome) -> None:
        self.move_button.setEnabled(True)
        if outcome.refused:
            QMessageBox.information(self, "Not reassigned", outcome.refused)
        elif outcome.result is not None:
            self.last_move = outcome.result if outcome.result.undoable else None
            self.undo_button.setEnabled(self.last_move is not None)
            self.status_message.emit(f"Moved {outcome.moved} ticket(s) to {outcome.to_name}.")
        self.reload()

    def _move_failed(self, error: TaskError) -> None:
        self.move_button.setEnabled(True)
        title = "Changed on another workstation" if error.environmental else "Not reassigned"
        QMessageBox.warning(self, title, error.message)
        self.reload()

    def _undo(self) -> None:
        if self.ctx is None or self.last_move is None:
            return
        result, self.last_move = self.last_move, None
        self.undo_button.setEnabled(False)
        self.ctx.runner.submit(
            partial(undo_reassign, self.ctx.db, self.ctx.actor, result, self.ctx.now()),
            self._moved,
            self._move_failed,
        )

    def select_agent(self, employee_id: int) -> None:
        """Select (and focus) an agent's row (tests and keyboard users)."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(KEY_ROLE) == employee_id:
                self.table.selectionModel().setCurrentIndex(
                    self.proxy.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                return


def fit_columns(table: QTableView) -> None:
    """Columns as wide as their contents and their title (with room for the sort arrow)."""
    header = table.horizontalHeader()
    model = table.model()
    for col in range(model.columnCount()):
        title = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
        sorted_by = col == header.sortIndicatorSection()
        width = max(table.sizeHintForColumn(col) + 8, title_width(header, title, sorted_by))
        header.resizeSection(col, min(width, 320))
    keep_sort_arrow_clear(header)


def apply_sorted(
    model: ItemTableModel,
    proxy: QSortFilterProxyModel,
    table: QTableView,
    rows: Sequence[object],
) -> None:
    """Apply a snapshot by diff, then sort once if the sorted column's values moved.

    Every row changes on every refresh (time in state, silence); re-placing each changed
    row as it changes would cost the GUI thread a sort per row.
    """
    header = table.horizontalHeader()
    column = header.sortIndicatorSection()
    before = model.sort_values(column) if column >= 0 else {}
    model.apply(rows)
    if column >= 0 and model.sort_values(column) != before:
        proxy.sort(column, header.sortIndicatorOrder())
