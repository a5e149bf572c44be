"""Follow-up reminders: a desktop notification on the day a coaching follow-up is due.

The needs-attention list always shows due and overdue follow-ups; this adds one notification
per follow-up on its date (remembered in QSettings, so a restart does not repeat it). Without a
system tray (a headless session) the reminder goes to the status bar instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from desktop.core.coaching import Flag, Rule
from desktop.ui.theme import icon

_KEY = "supervisor/remindedFollowUps"


class FollowUpReminder(QObject):
    """Notifies the coach once about each follow-up due today.

    Attributes:
        message: the reminder text, for the status bar.
        shown: (session id, date) of every reminder given in this run.
    """

    message = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = QSettings("Proximity", "Proximity")
        self.shown: list[tuple[int, str]] = []
        self._tray: QSystemTrayIcon | None = None

    def _done(self) -> set[str]:
        value = self.settings.value(_KEY, [])
        if isinstance(value, str):
            value = [value]
        return set(value or [])

    def check(self, flags: Iterable[Flag], now: datetime) -> list[Flag]:
        """Remind about the follow-ups due on their date that were not reminded yet."""
        done = self._done()
        due_today = [
            f
            for f in flags
            if f.rule is Rule.FOLLOW_UP
            and f.session_id is not None
            and f.due is not None
            and f.due == now.astimezone().date()
        ]
        fresh = [f for f in due_today if f"{f.session_id}:{f.due}" not in done]
        for flag in fresh:
            text = f"Coaching follow-up due today with {flag.agent}: {flag.sentence}"
            self._notify("Coaching follow-up", text)
            self.message.emit(text)
            done.add(f"{flag.session_id}:{flag.due}")
            self.shown.append((int(flag.session_id or 0), str(flag.due)))
        if fresh:
            # Keep the list short: only the last few hundred reminders matter.
            self.settings.setValue(_KEY, sorted(done)[-500:])
        return fresh

    def _notify(self, title: str, text: str) -> None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            self._tray = QSystemTrayIcon(icon("proximity"), self)
            self._tray.setToolTip("Proximity")
        self._tray.show()
        self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 15_000)
