""" "Show me the contacts behind this number": the rows a queue figure was computed from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from db.engine import Database
from db.queries.queue_trace import AgentTrace, ContactTrace, Figure, FigureTrace, trace_figure
from db.queries.queues import QueueLine, QueuesSnapshot
from desktop.core.intraday import day_start
from desktop.live.tasks import TaskError, TaskRunner
from desktop.ui import formatting as fmt
from desktop.ui.context import ViewContext
from desktop.ui.queues_model import QueueColumn
from desktop.ui.table_model import NUMBER, Column, SnapshotTableModel
from desktop.ui.widgets import sortable_table


def load_trace(
    db: Database, figure: Figure, starts: Mapping[int, datetime], now: datetime
) -> FigureTrace:
    """Worker function: the rows behind a figure."""
    with db.read() as session:
        return trace_figure(session, figure, starts, now)


CONTACT_COLUMNS: list[Column[ContactTrace]] = [
    Column("Contact", lambda r: f"#{r.contact_id}", lambda r: r.contact_id, align=NUMBER),
    Column("Queue", lambda r: r.queue),
    Column("Entered", lambda r: fmt.local_time(r.enqueued_at, True), lambda r: r.enqueued_at),
    Column("Waited", lambda r: fmt.duration(r.wait_s), lambda r: r.wait_s, align=NUMBER),
    Column(
        "Answered", lambda r: fmt.local_time(r.answered_at), lambda r: r.answered_at, align=NUMBER
    ),
    Column("Agent", lambda r: r.agent or "—"),
    Column("Handle time", lambda r: fmt.duration(r.handle_s), lambda r: r.handle_s, align=NUMBER),
    Column("Counted as", lambda r: r.counted_as),
]

AGENT_COLUMNS: list[Column[AgentTrace]] = [
    Column("Agent", lambda r: r.name),
    Column("Team", lambda r: r.team or "—"),
    Column("State", lambda r: r.state),
    Column("Since", lambda r: fmt.local_time(r.since, True), lambda r: r.since),
    Column("Skilled for", lambda r: r.queues),
]


def summary(trace: FigureTrace) -> str:
    """The figure recomputed from the rows, so the number can be checked by eye."""
    rows = trace.rows
    if trace.truncated:
        return f"Showing the first {len(rows):,} of {trace.total:,} rows."
    if trace.figure is Figure.AGENTS:
        states: dict[str, int] = {}
        for r in rows:
            states[r.state] = states.get(r.state, 0) + 1  # type: ignore[union-attr]
        return " · ".join(f"{n} {s}" for s, n in sorted(states.items())) or "No agents."
    contacts: list[ContactTrace] = list(rows)  # type: ignore[arg-type]
    if trace.figure is Figure.SERVICE_LEVEL:
        within = sum(r.counted_as.startswith("counts in SL") for r in contacts)
        pct = fmt.percent(100 * within / len(contacts)) if contacts else "—"
        return f"{within} answered within the threshold / {len(contacts)} counted = {pct}"
    if trace.figure is Figure.ASA:
        total = sum(r.wait_s or 0 for r in contacts)
        return f"{fmt.duration(total)} waited / {len(contacts)} answered = " + fmt.duration(
            total / len(contacts) if contacts else None
        )
    if trace.figure is Figure.AHT:
        total = sum(r.handle_s or 0 for r in contacts)
        return f"{fmt.duration(total)} handle time / {len(contacts)} completed = " + fmt.duration(
            total / len(contacts) if contacts else None
        )
    if trace.figure is Figure.ABANDONED:
        gone = sum(r.counted_as.startswith("abandoned") for r in contacts)
        pct = fmt.percent(100 * gone / len(contacts)) if contacts else "—"
        return f"{gone} abandoned / {len(contacts)} offered = {pct}"
    return f"{len(contacts):,} contacts."


class TraceDialog(QDialog):
    """Lists the rows behind one figure; loads them on a worker.

    Args:
        runner / db: where to load from.
        title: e.g. "Tech support voice: service level".
        definition: the METRICS.md definition and variant, shown above the rows.
        figure / starts / now: what to trace (see ``trace_figure``).
    """

    def __init__(
        self,
        runner: TaskRunner,
        db: Database,
        title: str,
        definition: str,
        figure: Figure,
        starts: Mapping[int, datetime],
        now: datetime,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(900, 520)
        self.trace: FigureTrace | None = None
        heading = QLabel(title)
        heading.setObjectName("viewTitle")
        self.definition = QLabel(definition)
        self.definition.setWordWrap(True)
        self.status = QLabel("Loading the rows…")
        self.status.setProperty("kpiCaption", True)
        if figure is Figure.AGENTS:
            self.model: SnapshotTableModel = SnapshotTableModel(
                AGENT_COLUMNS, lambda r: r.employee_id
            )
        else:
            self.model = SnapshotTableModel(CONTACT_COLUMNS, lambda r: r.contact_id)
        self.table = sortable_table(self.model, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.definition)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        runner.submit(
            partial(load_trace, db, figure, dict(starts), now), self._loaded, self._failed
        )

    def _loaded(self, trace: FigureTrace) -> None:
        self.trace = trace
        self.model.apply(trace.rows)
        self.table.resizeColumnsToContents()
        self.status.setText(summary(trace))

    def _failed(self, error: TaskError) -> None:
        self.status.setText(f"Could not load the rows: {error.message}")


def open_trace(
    parent: QWidget,
    ctx: ViewContext,
    column: QueueColumn,
    line: QueueLine,
    shown: QueuesSnapshot,
) -> TraceDialog | None:
    """Open the rows behind the figure of ``column`` for ``line`` (as in the snapshot shown).

    Returns:
        The dialog, or None when the column has no rows behind it.
    """
    if column.figure is None:
        return None
    if line.source != "contacts":
        QMessageBox.information(
            parent,
            "Figures from TaskRouter",
            f"{line.name}'s figures are TaskRouter's own statistics; the individual tasks are "
            "not copied into Proximity, so there are no rows to list.",
        )
        return None
    starts = {
        q.queue_ids[0]: q.window_start or _day_start(shown, q)
        for q in shown.queues
        if q.queue_ids[0] in line.queue_ids and q.source == "contacts"
    }
    dialog = TraceDialog(
        ctx.runner,
        ctx.db,
        f"{line.name}: {_figure_name(column)}",
        _definition(column.header_tip, line),
        Figure(column.figure),
        starts,
        shown.at,
        parent,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def _day_start(snapshot: QueuesSnapshot, line: QueueLine) -> datetime:
    """Start of a queue's day in a snapshot kept without a window (history is "today")."""
    s = line.settings
    assert s is not None
    return day_start(snapshot.at, s.timezone, s.daily_reset)


def _figure_name(column: QueueColumn) -> str:
    """ "Service level", "Offered"...: the definition's own name, else the column title."""
    name, colon, _rest = column.header_tip.partition(":")
    return name if colon and len(name) <= 30 else column.title


def _definition(header_tip: str, line: QueueLine) -> str:
    if line.settings is not None and "Service level" in header_tip:
        return f"{line.settings.describe_sl()} (the queue's own variant)"
    return header_tip
