"""What each board cell says: text, badge and colour, computed from a snapshot row and ``now``.

The clocks come from ``desktop.core.sla`` (the one definition of at risk and breached); the
model caches a row's cells until the next tick.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from desktop.core.privacy import mask_phone
from desktop.core.sla import (
    Clock,
    ClockState,
    first_response_clock,
    format_duration,
    resolution_clock,
)
from desktop.ui.tickets_board_data import TIME_COLUMNS, BoardData, Col
from desktop.ui.tickets_clock_text import clock_text, clock_time, clock_tooltip, short, to_datetime

Cells = list[tuple[str, str | None, QColor | None]]
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
ALIGNMENT = [_RIGHT if c in TIME_COLUMNS or c == Col.ID else _LEFT for c in Col]
_BADGE = {ClockState.AT_RISK: "warn", ClockState.BREACHED: "bad"}
_COLOURS: dict[str, QColor] = {}

TITLES = {
    Col.ID: "#",
    Col.CUSTOMER: "Customer",
    Col.SUBJECT: "Subject",
    Col.PRIORITY: "Priority",
    Col.STATUS: "Status",
    Col.QUEUE: "Queue",
    Col.ASSIGNEE: "Assignee",
    Col.AGE: "Age",
    Col.FIRST_RESPONSE: "First response",
    Col.RESOLUTION: "Resolution due",
    Col.SILENCE: "Silence",
    Col.NEXT_NOTIFICATION: "Next update",
}
HEADER_TIPS = {
    Col.AGE: "Backlog age: now − created",
    Col.FIRST_RESPONSE: (
        "First response time: first public reply or status message − created.\n"
        "Running: time left to the target (at risk once {risk} of it has passed, breached "
        "after it). Done: when it happened."
    ),
    Col.RESOLUTION: (
        "Resolution time: solved − created. Time left to the resolution target (at risk once "
        "{risk} of it has passed, breached after it); calendar hours."
    ),
    Col.SILENCE: "Silence: now − the last time the customer heard from us (reply or status "
    "message)",
    Col.NEXT_NOTIFICATION: "The next status message scheduled for the customer",
    Col.PRIORITY: "Priority (sets the SLA targets)",
}
STATUS_TEXT = {"new": "New", "open": "Open", "pending": "Pending", "on_hold": "On hold"}
PRIORITY_TEXT = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}


@cache
def bold() -> QFont:
    """A bold font (urgent priorities)."""
    font = QFont()
    font.setBold(True)
    return font


def _colour(name: str | None) -> QColor | None:
    if name is None:
        return None
    colour = _COLOURS.get(name)
    if colour is None:
        colour = _COLOURS[name] = QColor(name)
    return colour


def row_cells(d: BoardData, r: int, now: float, c: dict[str, str]) -> Cells:
    """(text, badge severity, text colour) of every column of data row ``r`` at ``now``."""
    first, resolution = clocks(d, r, now)
    priority = d.priority[r]
    due = float(d.next_notification[r])
    unassigned = d.assignee_id[r] < 0
    first_fg = (
        c["bad"]
        if first.state == ClockState.MISSED
        else c["muted"]
        if first.state == ClockState.MET
        else None
    )
    cells: Cells = [
        (str(int(d.ids[r])), None, None),
        (d.customer_name[r], None, None),
        (d.subject[r], None, None),
        (
            PRIORITY_TEXT.get(priority, priority),
            None,
            _colour(
                c["bad"] if priority == "urgent" else c["warn"] if priority == "high" else None
            ),
        ),
        (STATUS_TEXT.get(d.status[r], d.status[r]), None, None),
        (d.queue_name(r), None, None),
        (d.assignee_name(r) or "Unassigned", None, _colour(c["muted"] if unassigned else None)),
        (format_duration(timedelta(seconds=max(0.0, now - float(d.created[r])))), None, None),
        (clock_text(first, now), _BADGE.get(first.state), _colour(first_fg)),
        (clock_text(resolution, now), _BADGE.get(resolution.state), None),
        (
            format_duration(timedelta(seconds=max(0.0, now - float(d.heard_since[r])))),
            None,
            None,
        ),
        (
            "—" if np.isnan(due) else "due now" if due <= now else f"in {short(due - now)}",
            None,
            _colour(c["muted"] if np.isnan(due) else None),
        ),
    ]
    return cells


def clocks(d: BoardData, r: int, now_s: float) -> tuple[Clock, Clock]:
    """Data row ``r``'s first-response and resolution clocks at ``now_s`` (core SLA rules)."""
    now = to_datetime(now_s)
    created = to_datetime(float(d.created[r]))
    fr = float(d.first_response[r])
    frt, res = float(d.frt_target[r]), float(d.res_target[r])
    fraction = d.at_risk_fraction
    first = first_response_clock(
        created,
        None if np.isnan(fr) else to_datetime(fr),
        None if np.isnan(frt) else timedelta(seconds=frt),
        now,
        fraction,
    )
    resolution = resolution_clock(
        created, None, None if np.isnan(res) else timedelta(seconds=res), now, fraction
    )
    return first, resolution


def cell_tooltip(d: BoardData, r: int, col: Col, now_s: float) -> str | None:
    """A cell's tooltip: what the figure means and when things happened."""
    now = to_datetime(now_s)
    if col == Col.CUSTOMER:
        phone = d.phone[r]
        return f"{d.customer_name[r]}\n{mask_phone(phone) if phone else 'no mobile number'}"
    if col == Col.SUBJECT:
        return d.subject[r]
    if col in (Col.FIRST_RESPONSE, Col.RESOLUTION):
        first, resolution = clocks(d, r, now_s)
        return clock_tooltip(
            "First response" if col == Col.FIRST_RESPONSE else "Resolution",
            first if col == Col.FIRST_RESPONSE else resolution,
            now,
            d.at_risk_fraction,
        )
    if col == Col.SILENCE:
        heard = float(d.last_heard[r])
        if np.isnan(heard):
            return "The customer has not heard from us since the ticket was created"
        return f"Last heard from us {clock_time(to_datetime(heard), now)}"
    if col == Col.NEXT_NOTIFICATION:
        due = float(d.next_notification[r])
        return None if np.isnan(due) else f"Status message due {clock_time(to_datetime(due), now)}"
    if col == Col.AGE:
        return f"Created {clock_time(to_datetime(float(d.created[r])), now)}"
    return None
