"""The detail pane: the selected ticket's customer, SLA clocks and full timeline.

The phone number is masked until "Show" is clicked (and masked again for the next ticket).
Clocks move every second from the detail's timestamps (``tick``), like the board's.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from db.queries.ticket_detail import TicketDetail, TimelineEntry
from desktop.core.privacy import mask_phone
from desktop.core.sla import (
    ClockState,
    first_response_clock,
    format_duration,
    resolution_clock,
    silence,
)
from desktop.ui.theme import active_colors
from desktop.ui.tickets_board_cells import PRIORITY_TEXT, STATUS_TEXT
from desktop.ui.tickets_clock_text import clock_text, clock_time, clock_tooltip

KIND_TITLE = {
    "created": "Ticket created",
    "customer_message": "Customer wrote",
    "public_reply": "Reply to customer",
    "internal_note": "Internal note",
    "status_change": "Status changed",
    "owner_change": "Owner changed",
    "priority_change": "Priority changed",
    "notification": "Status message",
}
STATE_SEVERITY = {
    "delivered": "ok",
    "sent": "ok",
    "failed": "bad",
    "cancelled": "muted",
    "skipped": "muted",
    "scheduled": "muted",
    "deferred": "warn",
    "sending": "muted",
}
CHANNEL_TEXT = {"sms": "SMS", "email": "E-mail", "voice": "Phone", "chat": "Chat"}


def _label(text: str = "", role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # subjects and names are never markup
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    if role == "caption":
        label.setProperty("kpiCaption", True)
    return label


def _set_severity(label: QLabel, severity: str | None) -> None:
    if label.property("severity") != severity:
        label.setProperty("severity", severity)
        label.style().unpolish(label)
        label.style().polish(label)


class TicketDetailPane(QWidget):
    """Shows one ``TicketDetail``.

    Attributes:
        phone_revealed: the user clicked "Show" for a ticket's phone (for the audit trail).
    """

    phone_revealed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ticketDetail")
        self.setMinimumWidth(340)
        self.detail: TicketDetail | None = None
        self._show_phone = False
        self._now = datetime.now(UTC)
        self._fraction = 0.8
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 0, 0, 0)
        outer.setSpacing(10)

        self.empty = QLabel("Select a ticket to see its customer, clocks and timeline.")
        self.empty.setObjectName("placeholder")
        self.empty.setWordWrap(True)
        outer.addWidget(self.empty)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(10)
        outer.addWidget(self.body, 1)

        self.title = _label()
        self.title.setObjectName("detailTitle")
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.meta = _label(role="caption")
        body.addWidget(self.title)
        body.addWidget(self.meta)

        clocks = QFrame()
        clocks.setProperty("card", True)
        grid = QGridLayout(clocks)
        grid.setContentsMargins(12, 10, 12, 10)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        self.clock_values: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate(
            (
                ("first", "First response"),
                ("resolution", "Resolution"),
                ("silence", "Silence"),
                ("next", "Next status message"),
            )
        ):
            grid.addWidget(_label(caption, "caption"), row, 0)
            value = _label()
            value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(value, row, 1)
            self.clock_values[key] = value
        grid.setColumnStretch(2, 1)
        body.addWidget(clocks)

        customer = QFrame()
        customer.setProperty("card", True)
        cgrid = QGridLayout(customer)
        cgrid.setContentsMargins(12, 10, 12, 10)
        cgrid.setHorizontalSpacing(12)
        cgrid.setVerticalSpacing(4)
        self.customer_name = _label()
        self.customer_name.setStyleSheet("font-weight: 600;")
        cgrid.addWidget(self.customer_name, 0, 0, 1, 3)
        self.phone = _label()
        self.phone_button = QPushButton("Show")
        self.phone_button.setToolTip("Show the full number (masked otherwise)")
        self.phone_button.setCheckable(True)
        self.phone_button.toggled.connect(self._toggle_phone)
        phone_row = QHBoxLayout()
        phone_row.addWidget(self.phone, 1)
        phone_row.addWidget(self.phone_button)
        self.customer_fields: dict[str, QLabel] = {}
        cgrid.addWidget(_label("Phone", "caption"), 1, 0)
        cgrid.addLayout(phone_row, 1, 1, 1, 2)
        for row, (key, caption) in enumerate(
            (
                ("email", "E-mail"),
                ("timezone", "Time zone"),
                ("language", "Language"),
                ("channel", "Prefers"),
                ("sms", "SMS"),
            ),
            start=2,
        ):
            cgrid.addWidget(_label(caption, "caption"), row, 0)
            value = _label()
            cgrid.addWidget(value, row, 1, 1, 2)
            self.customer_fields[key] = value
        cgrid.setColumnStretch(1, 1)
        body.addWidget(customer)

        body.addWidget(_label("Timeline", "caption"))
        self.timeline = QTextBrowser()
        self.timeline.setObjectName("timeline")
        self.timeline.setOpenLinks(False)
        body.addWidget(self.timeline, 1)
        self.body.hide()

    # Showing ------------------------------------------------------------------------------------
    def show_detail(self, detail: TicketDetail | None, fraction: float = 0.8) -> None:
        """Show a ticket (None: nothing selected, or it no longer exists)."""
        if detail is None or self.detail is None or detail.ticket_id != self.detail.ticket_id:
            self.phone_button.setChecked(False)  # a new ticket starts masked
        self.detail = detail
        self._fraction = fraction
        if detail is None:
            self.body.hide()
            self.empty.show()
            return
        self.empty.hide()
        self.body.show()
        self.title.setText(f"#{detail.ticket_id}  {detail.subject}")
        status = STATUS_TEXT.get(detail.status, detail.status.replace("_", " ").capitalize())
        meta = [
            status,
            PRIORITY_TEXT.get(detail.priority, detail.priority),
            detail.queue,
            detail.assignee or "unassigned",
        ]
        if detail.external_id:
            meta.append(f"ref {detail.external_id}")
        self.meta.setText(" · ".join(meta))
        self._show_customer()
        self._show_timeline()
        self.tick(self._now)

    def tick(self, now: datetime) -> None:
        """Recompute the clocks at ``now`` (called every second; no query)."""
        self._now = now
        d = self.detail
        if d is None:
            return
        frt = timedelta(minutes=d.frt_target_minutes) if d.frt_target_minutes else None
        res = (
            timedelta(minutes=d.resolution_target_minutes) if d.resolution_target_minutes else None
        )
        first = first_response_clock(d.created_at, d.first_response_at, frt, now, self._fraction)
        resolution = resolution_clock(d.created_at, d.solved_at, res, now, self._fraction)
        for key, name, clock in (
            ("first", "First response", first),
            ("resolution", "Resolution", resolution),
        ):
            label = self.clock_values[key]
            label.setText(clock_text(clock, now.timestamp()))
            label.setToolTip(clock_tooltip(name, clock, now, self._fraction))
            _set_severity(
                label,
                {
                    ClockState.AT_RISK: "warn",
                    ClockState.BREACHED: "bad",
                    ClockState.MISSED: "bad",
                }.get(clock.state),
            )
        quiet = silence(d.last_heard_at, d.created_at, d.solved_at, now)
        # The stored longest gap covers closed gaps; the one running now may be longer.
        longest = max(d.longest_silence_seconds or 0.0, quiet.total_seconds())
        text = format_duration(quiet)
        if longest > quiet.total_seconds():
            text += f"  (longest {format_duration(timedelta(seconds=longest))})"
        self.clock_values["silence"].setText(text)
        self.clock_values["silence"].setToolTip(
            "Silence: now − the last time the customer heard from us"
            + (f" ({clock_time(d.last_heard_at, now)})" if d.last_heard_at else " (never)")
        )
        nxt = d.next_notification_at
        if nxt is None:
            text = "none scheduled"
        elif nxt >= now:
            text = f"{clock_time(nxt, now)} (in {format_duration(nxt - now)})"
        else:  # due but not sent yet: the dispatcher is behind, or quiet hours deferred it
            text = f"{clock_time(nxt, now)} (due {format_duration(now - nxt)} ago)"
        self.clock_values["next"].setText(text)

    # Customer -----------------------------------------------------------------------------------
    def _show_customer(self) -> None:
        assert self.detail is not None
        c = self.detail.customer
        self.customer_name.setText(c.name)
        self.phone_button.setVisible(bool(c.phone_e164))
        self._render_phone()
        f = self.customer_fields
        f["email"].setText(c.email or "—")
        f["timezone"].setText(_zone_text(c.timezone, self._now))
        f["language"].setText(c.language or "—")
        f["channel"].setText(CHANNEL_TEXT.get(c.preferred_channel, c.preferred_channel))
        if c.sms_opt_out:
            since = f" since {clock_time(c.sms_opt_out_at, self._now)}" if c.sms_opt_out_at else ""
            f["sms"].setText(f"Opted out{since}: no status messages")
            _set_severity(f["sms"], "warn")
        else:
            f["sms"].setText("Receives status messages" if c.phone_e164 else "No mobile number")
            _set_severity(f["sms"], None)

    def _toggle_phone(self, shown: bool) -> None:
        self._show_phone = shown
        self.phone_button.setText("Hide" if shown else "Show")
        self._render_phone()
        if shown and self.detail is not None:
            self.phone_revealed.emit(self.detail.ticket_id)

    def _render_phone(self) -> None:
        phone = self.detail.customer.phone_e164 if self.detail else None
        if not phone:
            self.phone.setText("—")
        else:
            self.phone.setText(phone if self._show_phone else mask_phone(phone))

    # Timeline -----------------------------------------------------------------------------------
    def _show_timeline(self) -> None:
        assert self.detail is not None
        colours = active_colors()
        rows = [timeline_html(e, self._now, colours) for e in reversed(self.detail.timeline)]
        self.timeline.setHtml(
            f"<div style='color:{colours['text']}'>"
            + ("".join(rows) or f"<p style='color:{colours['muted']}'>No history yet.</p>")
            + "</div>"
        )


def _zone_text(zone: str | None, now: datetime) -> str:
    if not zone:
        return "unknown (quiet hours use the queue's zone)"
    try:
        local = now.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return zone
    return f"{zone} — {local:%H:%M} there now"


def timeline_html(e: TimelineEntry, now: datetime, colours: dict[str, str]) -> str:
    """One timeline entry as HTML: a coloured bar by kind, a title line, then the text.

    Every value from the database is escaped.
    """
    title = KIND_TITLE.get(e.kind, e.kind.replace("_", " ").capitalize())
    bar = {
        "public_reply": colours["accent"],
        "internal_note": colours["warn"],
        "customer_message": colours["text"],
    }.get(e.kind, colours["border"])
    detail = ""
    if e.kind == "status_change" and e.new_value:
        old = STATUS_TEXT.get(e.old_value or "", e.old_value or "")
        new = STATUS_TEXT.get(e.new_value, e.new_value)
        detail = f"{old} → {new}" if old else f"→ {new}"
    elif e.kind == "owner_change" and not e.body:
        detail = f"{e.old_value or 'unassigned'} → {e.new_value or 'unassigned'}"
    elif e.kind == "priority_change" and e.new_value:
        old = PRIORITY_TEXT.get(e.old_value or "", e.old_value or "")
        detail = f"{old} → {PRIORITY_TEXT.get(e.new_value, e.new_value)}"
    badge = ""
    if e.kind == "notification":
        title = f"Status message: {(e.notification_kind or 'update').replace('_', ' ')}"
        state = e.state or ""
        tone = STATE_SEVERITY.get(state, "muted")
        fg = colours.get(tone, colours["muted"])
        bg = colours.get(f"{tone}Bg", colours["surfaceAlt"])
        bar = fg if tone != "muted" else colours["border"]
        badge = (
            f"&nbsp;<span style='background:{bg}; color:{fg}; font-weight:600'>&nbsp;"
            f"{html.escape(state)}&nbsp;</span>"
        )
        if e.error:
            detail = f"Not delivered: {e.error}"
    when = clock_time(e.at, now)
    if e.kind == "notification" and e.at > now:
        when = f"due {when}"
    who = f" · {html.escape(e.actor)}" if e.actor else ""
    lines = [
        f"<b>{html.escape(title)}</b>{badge}"
        f"<span style='color:{colours['muted']}'>&nbsp;&nbsp;{html.escape(when)}{who}</span>"
    ]
    if detail:
        lines.append(html.escape(detail))
    if e.body:
        text = html.escape(e.body[:2000]).replace(chr(10), "<br>")
        lines.append(f"<span style='color:{colours['muted']}'>{text}</span>")
    return (
        "<table width='100%' cellspacing='0' cellpadding='0' style='margin-bottom:8px'><tr>"
        f"<td width='3' bgcolor='{bar}'></td><td width='9'></td>"
        f"<td>{'<br>'.join(lines)}</td></tr></table>"
    )
