"""Supervisor: customer and employee indicators side by side (first cut)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QVBoxLayout, QWidget

from db.queries.overview import SupervisorSnapshot, TeamRow, supervisor_overview
from desktop.ui import formatting as fmt
from desktop.ui.table_model import NUMBER, Column, SnapshotTableModel
from desktop.ui.view_base import DataView
from desktop.ui.widgets import sortable_table

CSAT_TOOLTIP = "CSAT: share of survey answers of 4 or 5 on a 1-5 scale (no aggregate under 5)"
ESAT_TOOLTIP = "eSat: mean pulse-survey score on 1-5 (no aggregate under 5 answers)"


def _compute(db, now) -> SupervisorSnapshot:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return supervisor_overview(session, now())


class SupervisorView(DataView):
    view_id = "supervisor"
    title = "Supervisor"
    icon_name = "supervisor"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        columns: list[Column[TeamRow]] = [
            Column("Team", lambda r: r.team),
            Column(
                "CSAT (30 d)",
                lambda r: fmt.percent(r.csat_pct),
                lambda r: r.csat_pct,
                CSAT_TOOLTIP,
                align=NUMBER,
            ),
            Column(
                "Survey answers",
                lambda r: fmt.count(r.csat_answers),
                lambda r: r.csat_answers,
                align=NUMBER,
            ),
            Column(
                "eSat (30 d)",
                lambda r: "—" if r.esat_mean is None else f"{r.esat_mean:.2f}",
                lambda r: r.esat_mean,
                ESAT_TOOLTIP,
                align=NUMBER,
            ),
            Column(
                "Pulse answers",
                lambda r: fmt.count(r.esat_answers),
                lambda r: r.esat_answers,
                align=NUMBER,
            ),
        ]
        self.model: SnapshotTableModel[TeamRow] = SnapshotTableModel(columns, lambda r: r.team_id)
        self.table = sortable_table(self.model, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)

    def snapshot_function(self) -> Callable[[], SupervisorSnapshot]:
        assert self.ctx is not None
        return partial(_compute, self.ctx.db, self.ctx.now)

    def show_snapshot(self, snapshot: SupervisorSnapshot) -> None:
        self.model.apply(snapshot.rows)
