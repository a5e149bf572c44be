"""The notifications view's data: one snapshot computed off the GUI thread, and the outbox
table's columns.

``compute_snapshot`` is the module-level function the view's feed runs on a worker: every
figure the view shows, read in one session, returned as plain frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from PySide6.QtGui import QIcon

from db.engine import Database
from db.queries.notification_settings import load_policy_book
from db.queries.notifications import (
    DispatcherStatus,
    OutboxFilter,
    OutboxRow,
    SilenceDistribution,
    TodayFigures,
    dispatcher_status,
    outbox_rows,
    silence_vs_limit,
    today_figures,
)
from desktop.ui import formatting as fmt
from desktop.ui.table_model import NUMBER, Column, SnapshotTableModel
from desktop.ui.theme import status_icon

#: (state value, label) in the order of a notification's life; "" = every state.
STATE_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "All states"),
    ("scheduled", "Scheduled"),
    ("deferred", "Deferred"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
    ("skipped", "Skipped"),
)
STATE_LABELS = dict(STATE_CHOICES[1:])
_STATE_TIPS = {
    "scheduled": "Waiting for its due time",
    "deferred": "Held back by quiet hours or the daily limit; goes at the time shown",
    "sending": "Claimed by the dispatcher; Twilio's answer is being recorded",
    "sent": "Accepted by Twilio; delivery not confirmed yet",
    "delivered": "The carrier confirmed delivery",
    "failed": "Not delivered; the error says why",
    "cancelled": "Made obsolete before it was due (ticket solved, a reply...) or by a person",
    "skipped": "Not sent: no longer relevant when due, or record-only mode",
}
_SEVERITY = {"delivered": "ok", "sent": "ok", "deferred": "warn", "failed": "bad"}
KIND_LABELS = {
    "acknowledgement": "Acknowledgement",
    "status_change": "Status change",
    "still_working": "Still working",
    "manual_update": "Manual update",
}
PENDING_STATES = frozenset({"scheduled", "deferred"})
_ACTIVE = frozenset({"scheduled", "deferred", "sending"})
#: Column widths in pixels; the last column stretches.
COLUMN_WIDTHS = (84, 140, 118, 176, 104, 44, 84)  # ticket: room for "#4996147"
STATE_COLUMN = 3


@dataclass(frozen=True)
class NotificationsSnapshot:
    """Everything the view shows at one moment."""

    at: datetime
    rows: tuple[OutboxRow, ...]
    figures: TodayFigures
    silence: SilenceDistribution
    status: DispatcherStatus
    company: str
    policy_problem: str | None


def compute_snapshot(db: Database, flt: OutboxFilter, now: datetime) -> NotificationsSnapshot:
    """The view's snapshot (run on a worker thread). "Today" is the workstation's day."""
    local_midnight = datetime.combine(now.astimezone().date(), time(0)).astimezone()
    with db.read() as session:
        settings = load_policy_book(session).default
        return NotificationsSnapshot(
            at=now,
            rows=outbox_rows(session, flt),
            figures=today_figures(session, local_midnight, now),
            silence=silence_vs_limit(session, now, settings.policy),
            status=dispatcher_status(session, now),
            company=settings.company,
            policy_problem=settings.problems[0] if settings.problems else None,
        )


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def state_label(row: OutboxRow) -> str:
    label = STATE_LABELS.get(row.state, row.state)
    if row.state == "deferred" and row.reason and "quiet hours" in row.reason:
        return "Deferred (quiet hours)"
    return label


def _state_icon(row: OutboxRow) -> QIcon | None:
    severity = _SEVERITY.get(row.state)
    return status_icon(severity) if severity else None


def _when(row: OutboxRow) -> datetime:
    """The time that matters for the row: due while queued, sent afterwards."""
    return row.sent_at or row.due_at


_HISTORY_BASE = 2.0e10  # past every timestamp of this era: history sorts after the queue


def _order(row: OutboxRow) -> float:
    """Queued messages first, soonest first; then history, latest first (one number, so the
    proxy model can compare it)."""
    if row.state in _ACTIVE:
        return row.due_at.timestamp()
    return _HISTORY_BASE - _when(row).timestamp()


def _detail(row: OutboxRow) -> str:
    if row.error_code:
        return f"error {row.error_code}"
    if row.state == "delivered" or row.provider_status == row.state:
        return ""  # the state column says it already
    return row.provider_status or ""


def outbox_columns() -> list[Column[OutboxRow]]:
    """The outbox table: what, to whom, where it stands, and why."""
    return [
        Column("Ticket", lambda r: f"#{r.ticket_id}", lambda r: r.ticket_id, align=NUMBER),
        Column("Customer", lambda r: r.customer_name, cell_tooltip=lambda r: r.phone_masked),
        Column("Message", lambda r: kind_label(r.kind)),
        Column(
            "State",
            state_label,
            _order,
            tooltip="Where each message stands; hover a state for its meaning",
            cell_tooltip=lambda r: _STATE_TIPS.get(r.state, r.state),
            icon=_state_icon,
        ),
        Column(
            "Due / sent",
            lambda r: fmt.local_time(_when(r), with_date=True),
            _when,
            tooltip="Due time while queued; the time Twilio accepted it once sent",
        ),
        Column(
            "Tries",
            lambda r: str(r.attempts) if r.attempts else "",
            lambda r: r.attempts,
            align=NUMBER,
        ),
        Column("Twilio", _detail, tooltip="Twilio's delivery status or error code"),
        Column("Why", lambda r: r.reason or "", cell_tooltip=lambda r: r.reason),
    ]


def outbox_model(parent: object = None) -> SnapshotTableModel[OutboxRow]:
    return SnapshotTableModel(outbox_columns(), lambda r: r.notification_id, parent)
