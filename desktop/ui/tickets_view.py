"""Tickets: open tickets, longest-silent first (first cut until the full board lands)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtWidgets import QVBoxLayout, QWidget

from db.queries.overview import TicketRow, TicketsSnapshot, tickets_overview
from desktop.ui import formatting as fmt
from desktop.ui.table_model import NUMBER, Column, SnapshotTableModel
from desktop.ui.view_base import DataView
from desktop.ui.widgets import KpiCard, kpi_row, sortable_table

SILENCE_TOOLTIP = "Silence: now - last time the customer heard from us (reply or status message)"


def _compute(db, now) -> TicketsSnapshot:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return tickets_overview(session, now())


def _silence(row: TicketRow, at: datetime) -> float:
    return (at - (row.last_heard_at or row.created_at)).total_seconds()


class TicketsView(DataView):
    view_id = "tickets"
    title = "Tickets"
    icon_name = "tickets"
    refresh_setting = "refresh.tickets_seconds"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.open = KpiCard("open tickets", "Tickets in new, open, pending or on-hold")
        self.new = KpiCard("new", "Tickets not yet picked up")
        self.pending = KpiCard("pending / on hold", "Waiting on the customer or a third party")
        self._at = datetime.now().astimezone()
        columns: list[Column[TicketRow]] = [
            Column("#", lambda r: str(r.ticket_id), lambda r: r.ticket_id, align=NUMBER),
            Column("Subject", lambda r: r.subject),
            Column("Customer", lambda r: r.customer),
            Column("Priority", lambda r: r.priority),
            Column("Status", lambda r: r.status.replace("_", " ")),
            Column("Assignee", lambda r: r.assignee or "unassigned"),
            Column(
                "Age",
                lambda r: fmt.duration((self._at - r.created_at).total_seconds()),
                lambda r: r.created_at,
                align=NUMBER,
            ),
            Column(
                "Silence",
                lambda r: fmt.duration(_silence(r, self._at)),
                lambda r: _silence(r, self._at),
                SILENCE_TOOLTIP,
                align=NUMBER,
            ),
        ]
        self.model: SnapshotTableModel[TicketRow] = SnapshotTableModel(
            columns, lambda r: r.ticket_id
        )
        self.table = sortable_table(self.model, self)
        layout = QVBoxLayout(self)
        layout.addWidget(kpi_row(self.open, self.new, self.pending))
        layout.addWidget(self.table, 1)

    def snapshot_function(self) -> Callable[[], TicketsSnapshot]:
        assert self.ctx is not None
        return partial(_compute, self.ctx.db, self.ctx.now)

    def show_snapshot(self, snapshot: TicketsSnapshot) -> None:
        self._at = snapshot.at
        self.model.apply(snapshot.rows)
        by = snapshot.open_by_status
        self.open.set_value(fmt.count(sum(by.values())))
        self.new.set_value(fmt.count(by.get("new", 0)))
        self.pending.set_value(fmt.count(by.get("pending", 0) + by.get("on_hold", 0)))
