"""The strip at the top of the notifications view: is anything being sent, by whom, and how.

Record-only mode, a pause (daily limit, wrong credentials) and "no dispatcher running" are
said plainly, in words and with a badge, because each means customers are not hearing from
us whatever the outbox shows.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from db.queries.notifications import DispatcherStatus
from desktop.ui import formatting as fmt


def describe(status: DispatcherStatus, now: datetime) -> tuple[str, str, str]:
    """(badge text, severity, sentence) for a dispatcher status."""
    if not status.alive:
        if status.holder:
            ago = (
                fmt.duration((now - status.heartbeat_at).total_seconds())
                if status.heartbeat_at
                else "?"
            )
            return (
                "Not sending",
                "bad",
                f"The dispatcher ({status.holder}) stopped answering {ago} ago. Messages are "
                "queued but nothing is sent until a dispatcher runs again.",
            )
        return (
            "Not sending",
            "bad",
            "No dispatcher is running: messages are queued but not sent. Start "
            "'proximity notifier' on the server, or turn on notifications.dispatcher here.",
        )
    if status.paused_until is not None:
        return (
            "Paused",
            "bad",
            f"Sending is paused until {fmt.local_time(status.paused_until, with_date=True)}: "
            f"{status.pause_reason or 'see the log'}.",
        )
    if status.record_only:
        detail = f" ({status.mode_detail})" if status.mode_detail else ""
        return (
            "Record only",
            "warn",
            f"Twilio is not set up{detail}: every message is prepared and recorded, but none "
            "is sent to customers.",
        )
    return ("Sending", "ok", "Messages go out through Twilio as they fall due.")


class DispatcherBanner(QFrame):
    """Badge, sentence, and which process holds the dispatcher lock."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("card", True)
        self.badge = QLabel("…")
        self.badge.setProperty("severity", "warn")
        self.sentence = QLabel("Checking the dispatcher…")
        self.sentence.setWordWrap(True)
        self.holder = QLabel("")
        self.holder.setProperty("kpiCaption", True)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.sentence)
        text.addWidget(self.holder)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(12)
        layout.addWidget(self.badge)
        layout.addLayout(text, 1)

    def show_status(self, status: DispatcherStatus, now: datetime) -> None:
        badge, severity, sentence = describe(status, now)
        self.badge.setText(badge)
        if self.badge.property("severity") != severity:
            self.badge.setProperty("severity", severity)
            self.badge.style().unpolish(self.badge)
            self.badge.style().polish(self.badge)
        self.sentence.setText(sentence)
        self.badge.setAccessibleName(f"Notifications: {badge}")
        if status.holder:
            beat = (
                fmt.duration(max(0.0, (now - status.heartbeat_at).total_seconds()))
                if status.heartbeat_at
                else "—"
            )
            self.holder.setText(
                f"Dispatcher lock held by {status.holder} since "
                f"{fmt.local_time(status.since, with_date=True)} · last heartbeat {beat} ago"
            )
        else:
            self.holder.setText("Nobody holds the dispatcher lock.")
