"""Tickets: the open-ticket board with its clocks, filters, detail pane, actions and import.

Loading: the first screenful is filtered and sorted in SQL and painted at once; the full
index of every open ticket follows on the snapshot feed and is then refreshed by difference
(``BoardLoader``). Everything after that (typing in the search box, sorting, quick filters)
runs on the in-memory index; clocks tick every second from the snapshot's timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from db.queries.ticket_detail import TicketDetail
from db.queries.tickets import BoardPage, Viewer
from desktop.live.tasks import TaskError
from desktop.ui.context import ViewContext
from desktop.ui.table_model import KEY_ROLE
from desktop.ui.theme import icon
from desktop.ui.tickets_actions import TicketActions
from desktop.ui.tickets_board_data import BoardData
from desktop.ui.tickets_board_model import VERSION_ROLE, BoardModel
from desktop.ui.tickets_board_table import BoardDelegate, board_table
from desktop.ui.tickets_detail import TicketDetailPane
from desktop.ui.tickets_filter_bar import FilterBar, chip_style
from desktop.ui.tickets_header import KpiStrip, MessageBar
from desktop.ui.tickets_tasks import (
    BoardCompute,
    audit_phone_view,
    delete_saved,
    first_page,
    load_detail,
    load_saved,
    save_saved,
)
from desktop.ui.view_base import DataView

FIRST_PAGE = 300


class TicketsView(DataView):
    view_id = "tickets"
    title = "Tickets"
    icon_name = "tickets"
    refresh_setting = "refresh.tickets_seconds"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = QSettings("Proximity", "Proximity")
        self._compute: BoardCompute | None = None
        self._full = False
        self._showing_page = False
        self._detail_for: int | None = None
        self._import_hooked = False
        self._saved_for: int | None = None

        self.kpis = KpiStrip()
        self.filters = FilterBar()
        self.messages = MessageBar()
        self.model = BoardModel(self)
        self.table = board_table(self.model, self)
        self.detail = TicketDetailPane()
        self.actions = TicketActions(self)
        self.count_label = QLabel("Loading tickets…")
        self.count_label.setProperty("kpiCaption", True)

        self.details_action = QAction(icon("tickets"), "Details", self)
        self.details_action.setCheckable(True)
        self.details_action.setChecked(True)
        self.details_action.setShortcut(QKeySequence("Ctrl+D"))
        self.details_action.setToolTip("Show or hide the selected ticket's details (Ctrl+D)")
        self.details_action.toggled.connect(self._toggle_details)
        toolbar = self.actions.toolbar(self.count_label, self.details_action)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.kpis)
        layout.addWidget(self.filters)
        layout.addWidget(self.messages)
        layout.addWidget(toolbar)
        layout.addWidget(self.splitter, 1)

        self.filters.filter_changed.connect(self.model.set_filter)
        self.filters.save_requested.connect(self._save_filter)
        self.filters.delete_requested.connect(self._delete_filter)
        self.kpis.filter_requested.connect(lambda key: self.filters.toggle(key))
        self.model.counts_changed.connect(self._show_counts)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._detail_soon())
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.horizontalHeader().sortIndicatorChanged.connect(lambda *_: self._remember())
        self.splitter.splitterMoved.connect(lambda *_: self._remember_splitter())
        self.detail.phone_revealed.connect(self._phone_revealed)
        self.actions.succeeded.connect(self._action_done)
        self.actions.conflicted.connect(lambda text: self.messages.show_message(text, "warn"))
        self.actions.refused.connect(lambda text: self.messages.show_message(text, "warn"))
        self.actions.failed.connect(lambda text: self.messages.show_message(text, "bad"))
        self.actions.changed.connect(self._reload_soon)

        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(120)  # arrowing through rows loads only where you stop
        self._detail_timer.timeout.connect(self._load_detail)
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        self._restore()

    # DataView -----------------------------------------------------------------------------------
    def attach(self, ctx: ViewContext) -> None:
        """Paint the first screenful from SQL, then start the feed for the full index."""
        self.ctx = ctx
        self.actions.ctx = ctx
        self.model.set_viewer(Viewer(ctx.actor.employee_id, ctx.actor.team_ids))
        self._hook_import_action()
        page = BoardPage(
            self.filters.current(),
            Viewer(ctx.actor.employee_id, ctx.actor.team_ids),
            self.model.sort_column.sort_name,
            self.model.descending,
            FIRST_PAGE,
            self.fraction,
        )
        ctx.runner.submit(
            partial(first_page, ctx.db, ctx.now(), page),
            self._page_ready,
            lambda _e: self._start_feed(),
        )
        self._load_saved()
        self.clock.start()

    def _start_feed(self) -> None:
        if self.feed is None and self.ctx is not None:
            super().attach(self.ctx)

    def snapshot_function(self) -> Callable[[], BoardData]:
        assert self.ctx is not None
        if self._compute is None:
            self._compute = BoardCompute(
                self.ctx.db, self.ctx.now, self.fraction, lambda: self.model.sort_column
            )
        return self._compute

    def show_snapshot(self, data: BoardData) -> None:
        self._full = self._full or not self._showing_page
        self._show(data)

    def reload(self) -> None:
        if self.ctx is not None:
            actor = self.ctx.actor
            self.model.set_viewer(Viewer(actor.employee_id, actor.team_ids))
            self.actions.set_selection(*self._selection())
            if actor.employee_id != self._saved_for:
                self._load_saved()  # "Sign in as" someone else: their saved filters
        super().reload()

    def changeEvent(self, event: QEvent) -> None:
        # A theme switch (or the system's dark mode) changes the palette: recolour what is
        # painted by hand.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            delegate = self.table.itemDelegate()
            if isinstance(delegate, BoardDelegate):
                delegate.refresh_theme()
            self.filters.setStyleSheet(chip_style())
            if self.model.board is not None:
                self.model.set_board(self.model.board)
            self.detail.show_detail(self.detail.detail, self.fraction)
        super().changeEvent(event)

    def detach(self) -> None:
        self.clock.stop()
        super().detach()

    @property
    def fraction(self) -> float:
        if self.ctx is None:
            return 0.8
        try:
            return float(self.ctx.settings["sla.at_risk_fraction"])
        except KeyError:
            return 0.8

    # Showing ------------------------------------------------------------------------------------
    def _page_ready(self, data: BoardData) -> None:
        if not self._full:
            self._showing_page = True
            try:
                self._on_snapshot(data)  # the first painted rows: the view counts as loaded
            finally:
                self._showing_page = False
        self._start_feed()

    def _show(self, data: BoardData) -> None:
        self.model.set_board(data)
        self.filters.set_queues(tuple(data.queues.values()))
        self.actions.set_agents(tuple(data.agents.values()), data.teams)
        self.actions.set_selection(*self._selection())
        self.kpis.show_figures(data if self._full else None, self._now())
        self._show_counts(self.model.rowCount(), self.model.total_count())
        detail = self.detail.detail
        if detail is not None:
            row = data.row_of(detail.ticket_id)
            if row is None or int(data.version[row]) != detail.version:
                self._detail_soon()  # changed or closed meanwhile: show what it is now

    def _show_counts(self, shown: int, total: int) -> None:
        if not self._full:
            self.count_label.setText(f"Showing the first {shown:,}; loading every open ticket…")
        elif self.model.board_filter.is_empty:
            self.count_label.setText(f"{total:,} open tickets")
        else:
            self.count_label.setText(f"Showing {shown:,} of {total:,} open tickets")

    def _tick(self) -> None:
        if self.ctx is None:
            return
        now = self.ctx.now()
        self.model.tick(now.timestamp())
        self.detail.tick(now)
        if self._full and now.second % 5 == 0:
            self.kpis.show_figures(self.model.board, now.timestamp())

    def _now(self) -> float:
        return self.ctx.now().timestamp() if self.ctx is not None else self.model.now

    # Selection and detail -------------------------------------------------------------------
    def _selection(self) -> tuple[list[tuple[int, int]], list[str]]:
        rows = sorted({ix.row() for ix in self.table.selectionModel().selectedRows()})
        refs = self.model.refs(rows)
        board = self.model.board
        statuses: list[str] = []
        if board is not None:
            data_rows = board.rows_of([tid for tid, _ in refs])
            statuses = [board.status[int(r)] for r in data_rows]
        return refs, statuses

    def _selection_changed(self, *_: Any) -> None:
        self.actions.set_selection(*self._selection())

    def _detail_soon(self) -> None:
        self._detail_timer.start()

    def _load_detail(self) -> None:
        if self.ctx is None:
            return
        current = self.table.currentIndex()
        if not current.isValid():
            self._detail_for = None
            self.detail.show_detail(None)
            return
        ticket_id = int(current.data(KEY_ROLE))
        self._detail_for = ticket_id
        self.ctx.runner.submit(
            partial(load_detail, self.ctx.db, ticket_id),
            partial(self._detail_ready, ticket_id),
            self._task_failed,
        )

    def _detail_ready(self, ticket_id: int, detail: TicketDetail | None) -> None:
        if ticket_id != self._detail_for:
            return  # the user moved on meanwhile
        self.detail.show_detail(detail, self.fraction)
        if self.ctx is not None:
            self.detail.tick(self.ctx.now())

    def selected_ticket(self) -> tuple[int, int] | None:
        current = self.table.currentIndex()
        if not current.isValid():
            return None
        return int(current.data(KEY_ROLE)), int(current.data(VERSION_ROLE))

    def select_ticket(self, ticket_id: int) -> bool:
        """Make ``ticket_id`` the current, selected row (if it is shown)."""
        row = self.model.row_of(ticket_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    # Actions ------------------------------------------------------------------------------------
    def _context_menu(self, pos: Any) -> None:
        self.actions.set_selection(*self._selection())
        self.actions.context_menu().exec(self.table.viewport().mapToGlobal(pos))

    def _action_done(self, text: str) -> None:
        self.messages.hide()
        self.status_message.emit(text)

    def _reload_soon(self) -> None:
        self.reload()
        self._detail_soon()

    def _phone_revealed(self, ticket_id: int) -> None:
        if self.ctx is not None:
            self.ctx.runner.submit(
                partial(audit_phone_view, self.ctx.db, self.ctx.actor, ticket_id),
                lambda _r: None,
                self._task_failed,
            )

    def _task_failed(self, error: TaskError) -> None:
        self.messages.show_message(error.message, "bad")

    # Saved filters ------------------------------------------------------------------------------
    def _load_saved(self) -> None:
        if self.ctx is not None:
            self._saved_for = self.ctx.actor.employee_id
            self.ctx.runner.submit(
                partial(load_saved, self.ctx.db, self.ctx.actor.employee_id),
                self.filters.set_saved,
                self._task_failed,
            )

    def _save_filter(self, name: str, definition: dict[str, Any]) -> None:
        if self.ctx is None:
            return
        if not self.ctx.actor.is_known:
            self.messages.show_message("Saved filters need you signed in as an employee.")
            return
        self.ctx.runner.submit(
            partial(save_saved, self.ctx.db, self.ctx.actor, name, definition),
            lambda rows: (
                self.filters.set_saved(rows),
                self.status_message.emit(f"Saved “{name}”"),
            ),
            self._task_failed,
        )

    def _delete_filter(self, filter_id: int) -> None:
        if self.ctx is not None:
            self.ctx.runner.submit(
                partial(delete_saved, self.ctx.db, self.ctx.actor, filter_id),
                self.filters.set_saved,
                self._task_failed,
            )

    # Import -------------------------------------------------------------------------------------
    def _hook_import_action(self) -> None:
        """Enable the main window's File > Import tickets… for this view (once)."""
        action = getattr(self.window(), "import_action", None)
        if action is None or self._import_hooked:
            return
        action.triggered.connect(self.open_import)
        action.setEnabled(True)
        self._import_hooked = True

    def open_import(self) -> None:
        """The import dialog; after a successful import the board reloads in full."""
        if self.ctx is None:
            return
        from desktop.ui.tickets_import_dialog import ImportDialog

        board = self.model.board
        queues = sorted(q.name for q in board.queues.values()) if board is not None else []
        dialog = ImportDialog(self.ctx, self, queues)
        dialog.imported.connect(self._imported)
        dialog.open()

    def _imported(self, summary: str) -> None:
        if self._compute is not None:
            self._compute.forget()
        self.status_message.emit(summary)
        self.reload()

    # Persistence --------------------------------------------------------------------------------
    def _restore(self) -> None:
        state = self._settings.value("tickets/header")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.table.horizontalHeader().restoreState(state)
        splitter = self._settings.value("tickets/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([1000, 360])
        self.details_action.setChecked(self._settings.value("tickets/details", True, type=bool))
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _toggle_details(self, shown: bool) -> None:
        self.detail.setVisible(shown)
        self._settings.setValue("tickets/details", shown)

    def _remember(self) -> None:
        self._settings.setValue("tickets/header", self.table.horizontalHeader().saveState())

    def _remember_splitter(self) -> None:
        if self.isVisible() and min(self.splitter.sizes()) > 0:
            self._settings.setValue("tickets/splitter", self.splitter.saveState())

    def hideEvent(self, event: Any) -> None:
        self._remember()
        self._remember_splitter()
        super().hideEvent(event)
