"""Notifications: is anything being sent, today's figures, the outbox and its history, the
text of each message, and how long open tickets have been silent against the policy.

Every query and action runs on the task runner; the GUI thread only shows snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from db.engine import Database
from db.queries.notifications import MessagePreview, OutboxFilter, OutboxRow
from desktop.core.identity import Actor
from desktop.live.tasks import TaskError
from desktop.ui import formatting as fmt
from desktop.ui.notifications_chart import SilenceChart
from desktop.ui.notifications_models import (
    COLUMN_WIDTHS,
    PENDING_STATES,
    STATE_CHOICES,
    STATE_COLUMN,
    NotificationsSnapshot,
    compute_snapshot,
    outbox_model,
)
from desktop.ui.notifications_policy_dialog import PolicyDialog
from desktop.ui.notifications_status import DispatcherBanner
from desktop.ui.table_model import ROW_ROLE
from desktop.ui.theme import icon
from desktop.ui.view_base import DataView
from desktop.ui.widgets import KpiCard, kpi_row, sortable_table

_RETRY_STATES = frozenset({"failed", "cancelled", "skipped"})


def _preview(db: Database, notification_id: int) -> MessagePreview | None:
    from db.queries.notifications import message_preview

    with db.read() as session:
        return message_preview(session, notification_id)


def _act(db: Database, actor: Actor, action: str, ids: list[int]) -> tuple[bool, str]:
    """Run a row action; (done, message). A refusal is an answer, not an error."""
    from db.actions import notifications as actions

    fn = {"retry": actions.retry, "cancel": actions.cancel, "send_now": actions.send_now}[action]
    try:
        with db.write() as session:
            result = fn(session, actor, ids)
    except actions.ActionRefused as exc:
        return False, str(exc)
    message = result.message
    if action == "send_now":
        message += " Quiet hours still apply: a customer who is asleep gets it in the morning."
    return True, message


class NotificationsView(DataView):
    """Outbox, history, figures and the silence chart; actions retry, cancel, send now."""

    view_id = "notifications"
    title = "Notifications"
    icon_name = "notifications"
    refresh_setting = "refresh.tickets_seconds"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filter = OutboxFilter()
        self._preview_for: int | None = None
        self.last_action_message = ""
        self.policy_dialog: QWidget | None = None
        self.banner = DispatcherBanner()
        self.policy_button = QPushButton(icon("settings"), "Policy and messages…")
        self.policy_button.setToolTip("When customers get messages, quiet hours, the texts")
        self.policy_button.clicked.connect(self.edit_policy)
        top = QHBoxLayout()
        top.addWidget(self.banner, 1)
        top.addWidget(self.policy_button, 0, Qt.AlignmentFlag.AlignTop)

        self.sent = KpiCard("sent today", "Messages Twilio accepted since midnight")
        self.delivered = KpiCard(
            "delivered", "Delivered ÷ messages sent today whose delivery status is final"
        )
        self.failed = KpiCard("failed today", "Messages that failed today; see the reasons")
        self.opt_outs = KpiCard("opt-outs today", "Customers who replied STOP today")
        self.queued = KpiCard("queued", "Scheduled, waiting for their due time")
        self.deferred = KpiCard("deferred", "Held by quiet hours or the daily limit")
        cards = kpi_row(
            self.sent, self.delivered, self.failed, self.opt_outs, self.queued, self.deferred
        )

        self.state = QComboBox()
        for value, label in STATE_CHOICES:
            self.state.addItem(label, value)
        self.state.setToolTip("Show only messages in this state")
        self.state.currentIndexChanged.connect(self._filter_changed)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search ticket #, customer, phone digits or text")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        find = QAction(self.search)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.search.setFocus())
        self.addAction(find)
        self._search_timer = QTimer(self, singleShot=True, interval=300)
        self._search_timer.timeout.connect(self._filter_changed)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.retry_button = QPushButton(icon("refresh"), "Retry")
        self.retry_button.setToolTip("Queue failed, cancelled or skipped messages again, due now")
        self.cancel_button = QPushButton("Cancel message")
        self.cancel_button.setToolTip("Cancel queued messages (the policy may queue new ones)")
        self.send_button = QPushButton(icon("send"), "Send now")
        self.send_button.setToolTip("Make queued messages due now (quiet hours still apply)")
        for button, action in (
            (self.retry_button, "retry"),
            (self.cancel_button, "cancel"),
            (self.send_button, "send_now"),
        ):
            button.setEnabled(False)
            button.clicked.connect(partial(self._run_action, action))
        filters = QHBoxLayout()
        filters.addWidget(self.state)
        filters.addWidget(self.search, 1)
        filters.addSpacing(12)
        for button in (self.retry_button, self.cancel_button, self.send_button):
            filters.addWidget(button)

        self.model = outbox_model(self)
        self.table = sortable_table(self.model, self)
        self.table.setSelectionMode(self.table.SelectionMode.ExtendedSelection)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        # Queued first (soonest), then history (latest): the state column's sort key.
        self.table.sortByColumn(STATE_COLUMN, Qt.SortOrder.AscendingOrder)
        self.count_label = QLabel("")
        self.count_label.setProperty("kpiCaption", True)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)

        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("Select a message to read its text.")
        self.preview.setMaximumHeight(96)
        self.preview_info = QLabel("")
        self.preview_info.setProperty("kpiCaption", True)
        self.preview_info.setWordWrap(True)
        preview_box = QGroupBox("Message text")
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview)
        preview_layout.addWidget(self.preview_info)
        self.failures = QListWidget()
        self.failures.setMaximumHeight(96)
        failures_box = QGroupBox("Failed today, by reason")
        QVBoxLayout(failures_box).addWidget(self.failures)
        self.chart = SilenceChart()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(preview_box)
        right_layout.addWidget(failures_box)
        right_layout.addWidget(self.chart, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(cards)
        layout.addWidget(self.splitter, 1)

    # ----------------------------------------------------------------- data
    def snapshot_function(self) -> Callable[[], NotificationsSnapshot]:
        assert self.ctx is not None
        return _Compute(self.ctx.db, self._filter, self.ctx.now)

    def show_snapshot(self, snapshot: NotificationsSnapshot) -> None:
        self.model.apply(snapshot.rows)
        self.banner.show_status(snapshot.status, snapshot.at)
        f = snapshot.figures
        self.sent.set_value(fmt.count(f.sent))
        self.delivered.set_value(
            fmt.percent(f.delivered_ratio * 100 if f.delivered_ratio is not None else None, 0),
            _delivered_severity(f.delivered_ratio),
        )
        self.delivered.setToolTip(
            f"{f.delivered} delivered, {f.in_transit} still on their way. Delivered ÷ messages "
            "sent today whose delivery status is final."
        )
        self.failed.set_value(fmt.count(f.failed), "bad" if f.failed else None)
        self.opt_outs.set_value(fmt.count(f.opt_outs), "warn" if f.opt_outs else None)
        self.queued.set_value(fmt.count(f.queued + f.sending))
        self.deferred.set_value(fmt.count(f.deferred))
        self.failures.clear()
        for label, n in f.failed_by_reason or (("none today", 0),):
            self.failures.addItem(f"{n:>4}  {label}" if n else label)
        self.chart.show_distribution(snapshot.silence)
        shown = len(snapshot.rows)
        limit = "" if shown < self._filter.limit else f" (the first {shown}: narrow the search)"
        self.count_label.setText(f"{shown} message(s){limit}")
        if snapshot.policy_problem:
            self.status_message.emit(snapshot.policy_problem)
        self._update_buttons()

    # ----------------------------------------------------------------- filter and selection
    def _filter_changed(self) -> None:
        state = self.state.currentData()
        self._filter = OutboxFilter((state,) if state else (), self.search.text())
        self.reload()

    def selected_rows(self) -> list[OutboxRow]:
        model = self.table.selectionModel()
        return [index.data(ROW_ROLE) for index in model.selectedRows()] if model else []

    def select_notification(self, notification_id: int) -> bool:
        """Select a row by id (tests, and a link from elsewhere); False when not shown."""
        row = self.model.row_for_key(notification_id)
        if row is None:
            return False
        proxy = self.table.model()
        index = proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        return True

    def _selection_changed(self, *_args: Any) -> None:
        self._update_buttons()
        rows = self.selected_rows()
        if len(rows) != 1 or self.ctx is None:
            self._preview_for = None
            self.preview.setPlainText("")
            self.preview_info.setText(f"{len(rows)} messages selected." if rows else "")
            return
        row = rows[0]
        self._preview_for = row.notification_id
        self.ctx.runner.submit(
            partial(_preview, self.ctx.db, row.notification_id),
            partial(self._show_preview, row),
            self._failed,
        )

    def _show_preview(self, row: OutboxRow, preview: MessagePreview | None) -> None:
        if preview is None or preview.notification_id != self._preview_for:
            return  # the selection moved on meanwhile
        self.preview.setPlainText(preview.text or "")
        parts: list[str] = []
        if preview.segments is not None:
            seg = preview.segments
            parts.append(
                f"{seg.encoding}, {seg.units} of {seg.per_segment} per SMS, {seg.segments} SMS"
            )
        if preview.rendered_now:
            parts.append("rendered now from the current template (the text is fixed when sent)")
        if preview.problem:
            parts.append(f"cannot be rendered: {preview.problem}")
        if row.reason:
            parts.append(row.reason)
        if preview.error_message:
            parts.append(f"Twilio: {preview.error_message}")
        self.preview_info.setText(" · ".join(parts))

    def _update_buttons(self) -> None:
        states = {r.state for r in self.selected_rows()}
        self.retry_button.setEnabled(bool(states & _RETRY_STATES))
        self.cancel_button.setEnabled(bool(states & PENDING_STATES))
        self.send_button.setEnabled(bool(states & PENDING_STATES))

    # ----------------------------------------------------------------- actions
    def _run_action(self, action: str) -> None:
        ids = [r.notification_id for r in self.selected_rows()]
        if not ids or self.ctx is None:
            return
        for button in (self.retry_button, self.cancel_button, self.send_button):
            button.setEnabled(False)
        self.ctx.runner.submit(
            partial(_act, self.ctx.db, self.ctx.actor, action, ids), self._action_done, self._failed
        )

    def _action_done(self, outcome: tuple[bool, str]) -> None:
        _done, message = outcome
        self.status_message.emit(message)
        self.last_action_message = message
        self.reload()

    def _failed(self, error: TaskError) -> None:
        self.status_message.emit(f"Notifications: {error.message}")
        self._update_buttons()

    def edit_policy(self) -> None:
        """Open the policy and message editor."""
        if self.ctx is None:
            return
        dialog = PolicyDialog(self.ctx, self)
        dialog.saved.connect(
            lambda: (self.status_message.emit("Notification policy saved."), self.reload())
        )
        dialog.open()
        self.policy_dialog = dialog


def _delivered_severity(ratio: float | None) -> str | None:
    if ratio is None:
        return None
    return "ok" if ratio >= 0.95 else "warn" if ratio >= 0.85 else "bad"


class _Compute:
    """The feed's compute function, carrying the filter it was made with."""

    def __init__(self, db: Database, flt: OutboxFilter, now: Callable[[], datetime]) -> None:
        self.db, self.flt, self.now = db, flt, now

    def __call__(self) -> NotificationsSnapshot:
        return compute_snapshot(self.db, self.flt, self.now())
