"""Workload: what each agent carries now (first cut until the full view lands)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtWidgets import QVBoxLayout, QWidget

from db.queries.overview import AgentRow, WorkloadSnapshot, workload_overview
from desktop.ui import formatting as fmt
from desktop.ui.table_model import NUMBER, Column, SnapshotTableModel
from desktop.ui.view_base import DataView
from desktop.ui.widgets import KpiCard, kpi_row, sortable_table


def _compute(db, now, team_ids) -> WorkloadSnapshot:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return workload_overview(session, now(), team_ids)


class WorkloadView(DataView):
    view_id = "workload"
    title = "Workload"
    icon_name = "workload"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agents = KpiCard("agents shown")
        self.busy = KpiCard("busy now")
        self.open = KpiCard("open tickets held")
        self._at = datetime.now().astimezone()
        columns: list[Column[AgentRow]] = [
            Column("Agent", lambda r: r.name),
            Column("Team", lambda r: r.team or "—"),
            Column("State", lambda r: r.state),
            Column(
                "In state", lambda r: fmt.duration(self._in_state(r)), self._in_state, align=NUMBER
            ),
            Column(
                "Open tickets",
                lambda r: str(r.open_tickets),
                lambda r: r.open_tickets,
                align=NUMBER,
            ),
        ]
        self.model: SnapshotTableModel[AgentRow] = SnapshotTableModel(
            columns, lambda r: r.employee_id
        )
        self.table = sortable_table(self.model, self)
        layout = QVBoxLayout(self)
        layout.addWidget(kpi_row(self.agents, self.busy, self.open))
        layout.addWidget(self.table, 1)

    def _in_state(self, row: AgentRow) -> float | None:
        return (self._at - row.state_since).total_seconds() if row.state_since else None

    def snapshot_function(self) -> Callable[[], WorkloadSnapshot]:
        assert self.ctx is not None
        return partial(_compute, self.ctx.db, self.ctx.now, self.ctx.actor.team_ids)

    def show_snapshot(self, snapshot: WorkloadSnapshot) -> None:
        self._at = snapshot.at
        self.model.apply(snapshot.rows)
        self.agents.set_value(str(len(snapshot.rows)))
        self.busy.set_value(str(sum(r.state == "busy" for r in snapshot.rows)))
        self.open.set_value(fmt.count(sum(r.open_tickets for r in snapshot.rows)))
