"""Queues: what a team lead watches all day.

Per queue, grouped by channel with a total: live waits, the day's volumes and service level
against each queue's own target, agents by state, and Erlang C's staffing requirement.
Thresholds colour cells (icon, word and colour) and ring once per breach; the selected
queue's day is charted against the same weekday of the last four weeks; a what-if box
reruns Erlang C; a local 15-minute history replays the day and tells what changed since the
team lead last looked. Every figure's tooltip names its definition, and double-clicking it
lists the contacts it was computed from. Everything is computed on a worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtCore import QEvent, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from db.engine import Database
from db.queries.queue_intraday import IntradaySeries, queue_intraday
from db.queries.queues import QueueLine, QueuesSnapshot, queues_snapshot
from desktop.core.intraday import TimeWindow
from desktop.core.queue_changes import QueueFacts, compare
from desktop.live.tasks import TaskError
from desktop.ui import queues_history as history
from desktop.ui import queues_layout as layout_helpers
from desktop.ui.context import ViewContext
from desktop.ui.item_rows import THEME_EVENTS
from desktop.ui.queues_alerts import BreachAlerts
from desktop.ui.queues_chart import IntradayChart
from desktop.ui.queues_columns import assessments, queue_columns
from desktop.ui.queues_model import QueueSortProxy, QueueTreeModel, TintDelegate
from desktop.ui.queues_panels import Banner, ControlBar, QueueKpis, changes_html, source_html
from desktop.ui.queues_trace import open_trace
from desktop.ui.queues_whatif import WhatIfBox
from desktop.ui.table_model import ROW_ROLE
from desktop.ui.view_base import DataView

CHART_REFRESH_S = 30.0
ROWS_PER_TURN = 20  # changed rows re-rendered per turn of the event loop (~10 ms)
LOOK_AWAY_S = 60.0  # away shorter than this is not "since I last looked"


def compute_queues(db: Database, now: Callable[[], datetime], window: TimeWindow) -> QueuesSnapshot:
    """Worker function: the queues snapshot (Core only: it may be the first figures shown)."""
    with db.read_core() as connection:
        return queues_snapshot(connection, now(), window)


def compute_intraday(db: Database, queue_id: int, now: datetime) -> IntradaySeries | None:
    """Worker function: one queue's intraday series."""
    with db.read() as session:
        return queue_intraday(session, queue_id, now)


def facts(snapshot: QueuesSnapshot) -> dict[str, QueueFacts]:
    """The figures compared by "what changed", per queue (always on today's volumes)."""
    out = {}
    for line in snapshot.queues:
        judged = assessments(line, today=True)
        out[line.key] = QueueFacts(
            line.name,
            line.waiting,
            line.longest_wait_s,
            line.today.service_level,
            line.today.abandoned,
            line.staffing.gap,
            tuple(m.label for m, a in judged.items() if a.severity.value == "breached"),
        )
    return out


class QueuesView(DataView):
    """The queues view.

    Attributes:
        displayed: every change of the latest snapshot is on screen (rows are updated a
            batch per turn of the event loop, after ``refreshed``).
    """

    displayed = Signal()
    view_id = "queues"
    title = "Queues"
    icon_name = "queues"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = QSettings("Proximity", "Proximity")
        self.window = TimeWindow(str(self._settings.value("queues/window", "today")))
        self.live: QueuesSnapshot | None = None  # the latest live snapshot
        self.history = history.QueueHistory()
        self.replaying: QueuesSnapshot | None = None
        self.last_look: QueuesSnapshot | None = None
        self._looking = False
        self._history_folder = history.history_dir()
        self._db_key = ""
        self._chart_for: tuple[int, float] | None = None  # (queue id, monotonic time)
        self._restyle_pending = False
        self.alerts = BreachAlerts(self)
        self.alerts.shown.connect(lambda t, b: self.status_message.emit(f"⚠ {t}: {b}"))

        self.controls = ControlBar()
        self.controls.window.setCurrentIndex(list(TimeWindow).index(self.window))
        self.controls.window_changed.connect(self._window_changed)
        self.controls.replay_moved.connect(self._replay)
        self.controls.changes_requested.connect(lambda: self._show_changes(force=True))
        self.controls.alerts.setChecked(self._settings.value("queues/alerts", "true") == "true")
        self.controls.alerts.toggled.connect(self._alerts_toggled)
        self.alerts.enabled = self.controls.alerts.isChecked()
        self.source_banner = Banner("warn")
        self.changes_banner = Banner("info")
        self.kpis = QueueKpis()

        self.model = QueueTreeModel(queue_columns(), self)
        self.proxy = QueueSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTreeView()
        self.table.setModel(self.proxy)
        self._tint = TintDelegate(self.table)
        for col, column in enumerate(self.model.columns):
            if column.tinted:  # the Python delegate only where a threshold can tint a cell
                self.table.setItemDelegateForColumn(col, self._tint)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setRootIsDecorated(True)
        self.table.setIndentation(14)
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.header().setStretchLastSection(False)
        self.table.header().setMinimumSectionSize(36)
        self.table.doubleClicked.connect(self._trace)
        layout_helpers.columns_menu(self.table, self.model.columns, self._settings)
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.proxy.rowsInserted.connect(self._expand_new_groups)

        self.chart = IntradayChart()
        self.whatif = WhatIfBox()
        bottom = QWidget()
        bottom_layout = QHBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.chart, 1)
        bottom_layout.addWidget(self.whatif, 0)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter = splitter
        splitter.addWidget(self.table)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.controls)
        layout.addWidget(self.source_banner)
        layout.addWidget(self.changes_banner)
        layout.addWidget(self.kpis)
        layout.addWidget(splitter, 1)
        QGuiApplication.instance().applicationStateChanged.connect(self._update_looking)  # type: ignore[union-attr]
        # The chart's first series loads pyqtgraph and numpy on a worker: after the table has
        # painted, not beside it.
        self.painted.connect(lambda: self._refresh_chart(force=True))

    # Feed ----------------------------------------------------------------------------------
    def attach(self, ctx: ViewContext) -> None:
        super().attach(ctx)
        self._db_key = history.database_key(ctx.db.url)
        today = ctx.now().astimezone().date()
        self.when_painted(
            lambda: ctx.runner.submit(
                partial(history.load_history, self._history_folder, self._db_key, today),
                self._history_loaded,
                self._history_failed,
            )
        )

    def snapshot_function(self) -> Callable[[], QueuesSnapshot]:
        assert self.ctx is not None
        return partial(compute_queues, self.ctx.db, self.ctx.now, self.window)

    def show_snapshot(self, snapshot: QueuesSnapshot) -> None:
        first = self.live is None
        self.live = snapshot
        self.alerts.feed(snapshot)
        self._keep_history(snapshot)
        banner = source_html(snapshot.sources, snapshot.at)
        if banner:
            self.source_banner.show_text(banner)
        else:
            self.source_banner.hide()
        if self.replaying is None:
            self._display(snapshot, gradual=not first)
        if first:
            self.table.expandAll()
            layout_helpers.fit_columns(self.table, self.model.columns)
            layout_helpers.fit_table(self.table, self.splitter, len(self.model.lines()))
            self._select_first_queue()
        self._update_looking()
        self._refresh_chart()

    def _display(self, snapshot: QueuesSnapshot, gradual: bool = False) -> None:
        """Show a snapshot; ``gradual`` spreads the changed rows over several turns of the
        event loop (live refreshes), so the GUI thread is never held for long."""
        header = self.table.header()
        column = self.model.columns[header.sortIndicatorSection()]
        before = {ln.key: column.sort(ln) for ln in self.model.lines()}

        def shown() -> None:
            after = {ln.key: column.sort(ln) for ln in self.model.lines()}
            if before != after:  # a new row, or the sorted figure moved: sort once, here
                self.proxy.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
            self.displayed.emit()

        self.model.apply(
            snapshot.queues,
            (*snapshot.channels, snapshot.total),
            chunk=ROWS_PER_TURN if gradual else None,
            done=shown,
        )
        self.kpis.show_snapshot(snapshot)

    def _window_changed(self, window: TimeWindow) -> None:
        self.window = window
        self._settings.setValue("queues/window", window.value)
        self.reload()

    def _alerts_toggled(self, on: bool) -> None:
        self.alerts.enabled = on
        self._settings.setValue("queues/alerts", "true" if on else "false")

    # History, replay and "what changed" ----------------------------------------------------
    def _history_loaded(self, loaded: history.LoadedHistory) -> None:
        self.history.extend(loaded.points)
        self.controls.set_points([p.at for p in self.history.points])
        if loaded.last_look is not None and self.last_look is None:
            self.last_look = loaded.last_look
            self._show_changes()

    def _history_failed(self, error: TaskError) -> None:
        self.status_message.emit(f"Queue history unavailable: {error.message}")

    def _keep_history(self, snapshot: QueuesSnapshot) -> None:
        if self.ctx is None or not self.history.due(snapshot):
            return
        kept = self.history.add(snapshot)
        path = history.day_file(self._history_folder, self._db_key, kept.at.astimezone().date())
        self.ctx.runner.submit(partial(history.append_point, path, kept), lambda _r: None)
        self.controls.set_points([p.at for p in self.history.points])

    def _replay(self, position: int | None) -> None:
        if position is None:
            self.replaying = None
            if self.live is not None:
                self._display(self.live)
        else:
            self.replaying = self.history.points[position]
            self._display(self.replaying)
        self._refresh_chart(force=True)

    def _update_looking(self, *_args: object) -> None:
        looking = self.isVisible() and (
            QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive
            or QGuiApplication.platformName() in ("offscreen", "minimal")
        )
        if looking and not self._looking:
            self._show_changes()
        if not looking and self._looking and self.live is not None:
            self._remember_look(self.live)
        self._looking = looking

    def _remember_look(self, snapshot: QueuesSnapshot) -> None:
        self.last_look = history.as_today(snapshot)
        if self.ctx is not None:
            path = history.last_look_file(self._history_folder, self._db_key)
            self.ctx.runner.submit(
                partial(history.save_last_look, path, self.last_look), lambda _r: None
            )

    def _show_changes(self, force: bool = False) -> None:
        """Compare the last look with now; shown when away long enough (or when asked)."""
        live, before = self.live, self.last_look
        if live is None or before is None:
            if force:
                self.changes_banner.show_text(
                    "Nothing to compare with yet: this is the first look."
                )
            return
        away = (live.at - before.at).total_seconds()
        if not force and away < LOOK_AWAY_S:
            return
        changes = compare(facts(before), facts(live))
        self.changes_banner.show_text(changes_html(before.at, live.at, changes))

    def changeEvent(self, event: QEvent) -> None:
        """A theme switch: re-render the cells and the chart in the new colours."""
        super().changeEvent(event)
        if event.type() in THEME_EVENTS and not self._restyle_pending:
            # After every widget has had its own palette and style events (pyqtgraph resets
            # its background on its own), once for the whole switch.
            self._restyle_pending = True
            QTimer.singleShot(0, self, self._restyle)  # dropped if self is destroyed

    def _restyle(self) -> None:
        self._restyle_pending = False
        self.model.restyle()
        if self.chart.series is not None:
            self.chart.show_series(self.chart.series, force=True)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_looking()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._update_looking()

    # Selection, chart and what-if ------------------------------------------------------------
    def selected_line(self) -> QueueLine | None:
        index = self.table.selectionModel().currentIndex()
        return index.siblingAtColumn(0).data(ROW_ROLE) if index.isValid() else None

    def _select_first_queue(self) -> None:
        top = self.proxy.index(0, 0)
        child = self.proxy.index(0, 0, top)
        if child.isValid():
            self.table.setCurrentIndex(child)

    def _selection_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        line = current.siblingAtColumn(0).data(ROW_ROLE) if current.isValid() else None
        self.whatif.load(line if line is not None and line.kind == "queue" else None)
        self._refresh_chart(force=True)

    def _refresh_chart(self, force: bool = False) -> None:
        line = self.selected_line()
        if self.ctx is None or not self.is_painted:
            return  # the first chart waits for the table's first paint (connected in __init__)
        if line is None or line.kind != "queue" or line.source != "contacts":
            self._chart_for = None
            message = "Select a queue to see its day"
            if line is not None and line.source != "contacts":
                message = f"{line.name}: {line.source} gives totals only, no intraday detail"
            self.chart.clear(message)
            return
        queue_id = line.queue_ids[0]
        stale = (
            self._chart_for is None
            or self._chart_for[0] != queue_id
            or time.monotonic() - self._chart_for[1] > CHART_REFRESH_S
        )
        if not (force or stale):
            return
        self._chart_for = (queue_id, time.monotonic())
        at = self.replaying.at if self.replaying is not None else self.ctx.now()
        self.ctx.runner.submit(
            partial(compute_intraday, self.ctx.db, queue_id, self.ctx.now()),
            lambda series: self._chart_loaded(series, queue_id, at),
            lambda error: self.chart.clear(f"Chart unavailable: {error.message}"),
        )

    def _chart_loaded(self, series: IntradaySeries | None, queue_id: int, at: datetime) -> None:
        line = self.selected_line()
        if line is None or not line.queue_ids or line.queue_ids[0] != queue_id:
            return  # the selection moved on while it loaded
        if series is None:
            self.chart.clear("This queue no longer exists")
            return
        self.chart.show_series(series, at if self.replaying is not None else None)

    def _expand_new_groups(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            for row in range(first, last + 1):
                self.table.expand(self.proxy.index(row, 0))

    # Traceability ----------------------------------------------------------------------------
    def _trace(self, index: QModelIndex) -> None:
        line: QueueLine | None = index.siblingAtColumn(0).data(ROW_ROLE)
        shown = self.replaying or self.live
        if line is None or self.ctx is None or shown is None:
            return
        open_trace(self, self.ctx, self.model.columns[index.column()], line, shown)

    def detach(self) -> None:
        super().detach()
        if self.live is not None and self._looking:
            self._remember_look(self.live)
        self.alerts.close()
