"""Tables of the workload view: agents (a drop target) and the focused agent's tickets
(a drag source), with their columns, tooltips and state icons."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import Any

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from db.actions.tickets import TicketRef
from db.queries.workload import AgentLoad, TicketLine
from desktop.core.domain import AgentState
from desktop.core.sla import format_duration
from desktop.ui import formatting as fmt
from desktop.ui.item_rows import ItemTableModel
from desktop.ui.table_model import KEY_ROLE, NUMBER, ROW_ROLE, Column
from desktop.ui.theme import active_colors, status_icon
from desktop.ui.workload_actions import MIME_TICKETS

Index = QModelIndex | QPersistentModelIndex
STATE_COLOURS = {
    AgentState.AVAILABLE: "ok",
    AgentState.BUSY: "accent",
    AgentState.AWAY: "warn",
    AgentState.OFFLINE: "disabled",
}
STATE_VALUES = frozenset(s.value for s in AgentState)
LOAD_TIP = "Load: open tickets weighted by priority (urgent 4, high 2, normal 1, low 0.5)"


@cache
def _dot(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(2, 2, 8, 8)
    painter.end()
    return QIcon(pixmap)


def state_icon(state: str) -> QIcon:
    """A coloured dot per presence state (the state's name is always written beside it)."""
    token = STATE_COLOURS.get(AgentState(state), "muted") if state in STATE_VALUES else "muted"
    return _dot(active_colors()[token])


def _dur(seconds: float | None) -> str:
    return fmt.duration(seconds)


def _minutes(seconds: float) -> str:
    """A ticket's age or silence to the minute: "45 m", "3 h 05 m", "2 d 4 h"."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins:02d} m" if hours else f"{mins} m"


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return format_duration(timedelta(seconds=seconds)) if seconds else "0 m"


def _shift(seconds: float | None) -> str:
    if seconds is None:
        return "no shift"
    return "day off" if seconds == 0 else _hours(seconds)


def _state_text(r: AgentLoad) -> str:
    return f"{r.state} · {r.state_reason}" if r.state == "away" and r.state_reason else r.state


def agent_columns() -> list[Column[AgentLoad]]:
    """Columns of the agents table."""

    def load_tip(r: AgentLoad) -> str:
        return (
            f"{LOAD_TIP}\n4 x {r.urgent} + 2 x {r.high} + 1 x {r.normal} + 0.5 x {r.low} "
            f"= {r.weighted_load:g}"
        )

    def overtime_icon(r: AgentLoad) -> QIcon | None:
        return status_icon("warn") if r.overtime_s else None

    def shift_tip(r: AgentLoad) -> str:
        if r.scheduled_s is None:
            return "No shift defined for this agent, so no overtime either"
        if r.scheduled_s == 0:
            return "Day off: every logged-in minute today is overtime"
        return "Overtime: logged-in time today beyond the scheduled shift length"

    return [
        Column("Agent", lambda r: r.name, lambda r: r.name.lower(), "Agent (drop tickets here)"),
        Column("Team", lambda r: r.team or "—"),
        Column(
            "State",
            _state_text,
            lambda r: (
                ["available", "busy", "away", "offline"].index(r.state)
                if r.state in STATE_VALUES
                else 9
            ),
            "Current presence: available, busy (on a contact), away (break, training), offline",
            icon=lambda r: state_icon(r.state),
        ),
        Column(
            "In state",
            lambda r: _dur(r.in_state_s),
            lambda r: r.in_state_s,
            "Time in the current state",
            align=NUMBER,
        ),
        Column(
            "Urg.",
            lambda r: str(r.urgent or ""),
            lambda r: r.urgent,
            "Open tickets held, urgent",
            align=NUMBER,
        ),
        Column(
            "High",
            lambda r: str(r.high or ""),
            lambda r: r.high,
            "Open tickets, high",
            align=NUMBER,
        ),
        Column(
            "Norm.",
            lambda r: str(r.normal or ""),
            lambda r: r.normal,
            "Open tickets, normal",
            align=NUMBER,
        ),
        Column(
            "Low", lambda r: str(r.low or ""), lambda r: r.low, "Open tickets, low", align=NUMBER
        ),
        Column(
            "Load",
            lambda r: f"{r.weighted_load:g}",
            lambda r: r.weighted_load,
            LOAD_TIP,
            cell_tooltip=load_tip,
            align=NUMBER,
        ),
        Column(
            "Handled",
            lambda r: str(r.handled_today),
            lambda r: r.handled_today,
            "Contacts handled today (since midnight in the team's time zone)",
            align=NUMBER,
        ),
        Column(
            "AHT",
            lambda r: _dur(r.aht_today_s),
            lambda r: r.aht_today_s,
            "AHT today: (talk + hold + after-contact work) / completed contacts",
            align=NUMBER,
        ),
        Column(
            "Occ.",
            lambda r: fmt.percent(
                None if r.occupancy_today is None else 100 * r.occupancy_today, 0
            ),
            lambda r: r.occupancy_today,
            "Occupancy today: busy / (busy + available)",
            cell_tooltip=lambda r: (
                f"busy {_hours(r.busy_s)}, available {_hours(r.available_s)}, "
                f"away {_hours(r.away_s)}"
            ),
            align=NUMBER,
        ),
        Column(
            "Logged in / shift",
            lambda r: f"{_hours(r.logged_in_s)} / {_shift(r.scheduled_s)}",
            lambda r: r.logged_in_s,
            "Time logged in today against the scheduled shift",
            cell_tooltip=shift_tip,
            align=NUMBER,
        ),
        Column(
            "Overtime",
            lambda r: (
                "—"
                if r.overtime_s is None
                else ("" if not r.overtime_s else f"+{_hours(r.overtime_s)}")
            ),
            lambda r: r.overtime_s,
            "Overtime: logged-in time beyond the scheduled shift",
            cell_tooltip=shift_tip,
            icon=overtime_icon,
            align=NUMBER,
        ),
        Column(
            "Oldest ticket",
            lambda r: (
                f"#{r.oldest_ticket_id} · {_dur(r.oldest_age_s)}" if r.oldest_ticket_id else "—"
            ),
            lambda r: r.oldest_age_s,
            "The oldest open ticket the agent holds, and its age",
            cell_tooltip=lambda r: r.oldest_subject,
        ),
        Column(
            "Silence",
            lambda r: _dur(r.oldest_silence_s),
            lambda r: r.oldest_silence_s,
            "Silence of the oldest ticket: now - last time the customer heard from us",
            align=NUMBER,
        ),
    ]


TICKET_COLUMNS: list[Column[TicketLine]] = [
    Column("Ticket", lambda t: f"#{t.ticket_id}", lambda t: t.ticket_id, align=NUMBER),
    Column("Subject", lambda t: t.subject),
    Column("Customer", lambda t: t.customer),
    Column(
        "Priority",
        lambda t: t.priority,
        lambda t: (
            ["low", "normal", "high", "urgent"].index(t.priority)
            if t.priority in ("low", "normal", "high", "urgent")
            else -1
        ),
    ),
    Column("Status", lambda t: t.status.replace("_", " ")),
    Column("Age", lambda t: _minutes(t.age_s), lambda t: t.age_s, "now - created", align=NUMBER),
    Column(
        "Silence",
        lambda t: _minutes(t.silence_s),
        lambda t: t.silence_s,
        "now - last time the customer heard from us",
        align=NUMBER,
    ),
]


class TicketDragModel(ItemTableModel):
    """The focused agent's tickets; selected rows drag out as (id, version) refs."""

    def __init__(self, parent: Any = None) -> None:
        flags = (
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        )
        super().__init__(TICKET_COLUMNS, lambda t: t.ticket_id, parent, flags)
        self.owner_id: int | None = None

    def mimeTypes(self) -> list[str]:
        return [MIME_TICKETS]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # type: ignore[override]
        rows = sorted({i.row() for i in indexes if i.isValid()})
        payload = {
            "from": self.owner_id,
            "tickets": [
                {"id": self.row_at(r).ticket_id, "version": self.row_at(r).version} for r in rows
            ],
        }
        data = QMimeData()
        data.setData(MIME_TICKETS, json.dumps(payload).encode("utf-8"))
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction


def refs_from_mime(data: QMimeData) -> tuple[int | None, list[TicketRef]]:
    """The source agent and ticket refs of a drag (empty when it is not ours)."""
    if not data.hasFormat(MIME_TICKETS):
        return None, []
    try:
        payload = json.loads(bytes(data.data(MIME_TICKETS).data()).decode("utf-8"))
        refs = [TicketRef(int(t["id"]), int(t["version"])) for t in payload["tickets"]]
        return payload.get("from"), refs
    except (ValueError, KeyError, TypeError):
        return None, []


class AgentTable(QTableView):
    """The agents table; tickets dropped on a row are offered to that agent.

    Attributes:
        tickets_dropped: (ticket refs, receiving agent's ``AgentLoad``).
    """

    tickets_dropped = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)

    def _target(self, event: QDropEvent | QDragMoveEvent) -> AgentLoad | None:
        index = self.indexAt(event.position().toPoint())
        row = index.siblingAtColumn(0).data(ROW_ROLE) if index.isValid() else None
        source, refs = refs_from_mime(event.mimeData())
        if row is None or not refs or row.employee_id == source:
            return None
        return row

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(MIME_TICKETS):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._target(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        target = self._target(event)
        if target is None:
            event.ignore()
            return
        _source, refs = refs_from_mime(event.mimeData())
        event.acceptProposedAction()
        self.tickets_dropped.emit(refs, target)

    def key_at(self, row: int) -> Any:
        return self.model().index(row, 0).data(KEY_ROLE)
