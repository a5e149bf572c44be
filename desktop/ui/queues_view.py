"""Queues: what a team lead watches all day (first cut: live figures per queue)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QVBoxLayout, QWidget

from db.queries.overview import QueueRow, QueuesSnapshot, queues_overview
from desktop.ui import formatting as fmt
from desktop.ui.table_model import NUMBER, Column, SnapshotTableModel
from desktop.ui.view_base import DataView
from desktop.ui.widgets import KpiCard, kpi_row, sortable_table

SL_TOOLTIP = "SL: answered within the queue's threshold / (answered + abandoned after 5 s)"


def _compute(db, now) -> QueuesSnapshot:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return queues_overview(session, now())


class QueuesView(DataView):
    view_id = "queues"
    title = "Queues"
    icon_name = "queues"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.waiting = KpiCard("waiting now", "Contacts in all queues now")
        self.longest = KpiCard("longest wait", "now - enqueue time of the oldest waiting contact")
        self.sl = KpiCard("service level (24 h)", SL_TOOLTIP)
        self.available = KpiCard("agents available", "Agents in the available state now")
        columns: list[Column[QueueRow]] = [
            Column("Queue", lambda r: r.name),
            Column("Channel", lambda r: r.channel),
            Column("Waiting", lambda r: fmt.count(r.waiting), lambda r: r.waiting, align=NUMBER),
            Column(
                "Longest wait",
                lambda r: fmt.duration(r.longest_wait_s),
                lambda r: r.longest_wait_s,
                align=NUMBER,
            ),
            Column("Offered", lambda r: fmt.count(r.offered), lambda r: r.offered, align=NUMBER),
            Column("Handled", lambda r: fmt.count(r.handled), lambda r: r.handled, align=NUMBER),
            Column(
                "Abandoned", lambda r: fmt.count(r.abandoned), lambda r: r.abandoned, align=NUMBER
            ),
            Column(
                "SL", lambda r: fmt.percent(r.sl_pct), lambda r: r.sl_pct, SL_TOOLTIP, align=NUMBER
            ),
            Column(
                "SL target",
                lambda r: fmt.percent(r.sl_target_pct, 0),
                lambda r: r.sl_target_pct,
                align=NUMBER,
            ),
            Column(
                "Available",
                lambda r: str(r.agents_available),
                lambda r: r.agents_available,
                align=NUMBER,
            ),
            Column(
                "Staffed", lambda r: str(r.agents_staffed), lambda r: r.agents_staffed, align=NUMBER
            ),
        ]
        self.model: SnapshotTableModel[QueueRow] = SnapshotTableModel(columns, lambda r: r.queue_id)
        self.table = sortable_table(self.model, self)
        layout = QVBoxLayout(self)
        layout.addWidget(kpi_row(self.waiting, self.longest, self.sl, self.available))
        layout.addWidget(self.table, 1)

    def snapshot_function(self) -> Callable[[], QueuesSnapshot]:
        assert self.ctx is not None
        return partial(_compute, self.ctx.db, self.ctx.now)

    def show_snapshot(self, snapshot: QueuesSnapshot) -> None:
        self.model.apply(snapshot.rows)
        rows = snapshot.rows
        self.waiting.set_value(fmt.count(sum(r.waiting for r in rows)))
        waits = [r.longest_wait_s for r in rows if r.longest_wait_s is not None]
        self.longest.set_value(fmt.duration(max(waits) if waits else None))
        answered = sum(r.handled for r in rows)
        denominator = answered + sum(r.abandoned for r in rows)
        in_sl = sum((r.sl_pct or 0) / 100 * (r.handled + r.abandoned) for r in rows)
        self.sl.set_value(fmt.percent(100 * in_sl / denominator if denominator else None))
        self.available.set_value(str(sum(r.agents_available for r in rows)))
