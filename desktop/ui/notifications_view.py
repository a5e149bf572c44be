"""Notifications: the outbox and its history (first cut until the full view lands)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QVBoxLayout, QWidget

from db.queries.overview import NotificationRow, NotificationsSnapshot, notifications_overview
from desktop.ui import formatting as fmt
from desktop.ui.table_model import NUMBER, Column, SnapshotTableModel
from desktop.ui.view_base import DataView
from desktop.ui.widgets import KpiCard, kpi_row, sortable_table


def _compute(db, now) -> NotificationsSnapshot:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return notifications_overview(session, now())


class NotificationsView(DataView):
    view_id = "notifications"
    title = "Notifications"
    icon_name = "notifications"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scheduled = KpiCard("scheduled", "Status messages waiting for their due time")
        self.deferred = KpiCard("deferred", "Held back by the customer's quiet hours")
        self.delivered = KpiCard("delivered", "Confirmed delivered by the carrier")
        self.failed = KpiCard("failed", "Not delivered; see the error code")
        columns: list[Column[NotificationRow]] = [
            Column(
                "#", lambda r: str(r.notification_id), lambda r: r.notification_id, align=NUMBER
            ),
            Column("Ticket", lambda r: str(r.ticket_id), lambda r: r.ticket_id, align=NUMBER),
            Column("Kind", lambda r: r.kind.replace("_", " ")),
            Column("State", lambda r: r.state),
            Column("Due", lambda r: fmt.local_time(r.due_at, with_date=True), lambda r: r.due_at),
            Column("Error", lambda r: r.error_code or ""),
        ]
        self.model: SnapshotTableModel[NotificationRow] = SnapshotTableModel(
            columns, lambda r: r.notification_id
        )
        self.table = sortable_table(self.model, self)
        layout = QVBoxLayout(self)
        layout.addWidget(kpi_row(self.scheduled, self.deferred, self.delivered, self.failed))
        layout.addWidget(self.table, 1)

    def snapshot_function(self) -> Callable[[], NotificationsSnapshot]:
        assert self.ctx is not None
        return partial(_compute, self.ctx.db, self.ctx.now)

    def show_snapshot(self, snapshot: NotificationsSnapshot) -> None:
        self.model.apply(snapshot.rows)
        by = snapshot.by_state
        self.scheduled.set_value(fmt.count(by.get("scheduled", 0)))
        self.deferred.set_value(fmt.count(by.get("deferred", 0)))
        self.delivered.set_value(fmt.count(by.get("delivered", 0)))
        self.failed.set_value(fmt.count(by.get("failed", 0)), "bad" if by.get("failed") else None)
