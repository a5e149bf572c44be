"""Desktop notifications for queues crossing into breach (one per crossing).

The pure ``BreachTracker`` decides what is a crossing; this class shows it: a system-tray
balloon where the platform has a tray, otherwise the view's alert strip and status bar. Only
live snapshots feed it (a replayed 10:45 never rings).
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from db.queries.queues import QueuesSnapshot
from desktop.core.breach_tracker import BreachEvent, BreachTracker
from desktop.ui.queues_columns import assessments
from desktop.ui.theme import icon


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


def title_and_body(events: list[BreachEvent]) -> tuple[str, str]:
    """One notification for the crossings of one refresh."""
    if len(events) == 1:
        e = events[0]
        return f"{e.name}: {e.assessment.metric.label} in breach", e.assessment.text
    names = sorted({e.name for e in events})
    if len(names) == 1:
        title = f"{names[0]}: {len(events)} figures in breach"
    else:
        title = f"{len(names)} queues crossed into breach"
    return title, "\n".join(e.message for e in events[:6]) + (
        f"\n… and more in {', '.join(names[6:])}" if len(events) > 6 else ""
    )


class BreachAlerts(QObject):
    """Feeds live snapshots to a tracker and raises one notification per crossing.

    Attributes:
        crossed: emitted with the list of ``BreachEvent`` of one refresh.
        shown: emitted with (title, body) whenever a notification is raised.
    """

    crossed = Signal(object)
    shown = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tracker = BreachTracker(clear_after=timedelta(minutes=2))
        self.enabled = True
        self._tray: QSystemTrayIcon | None = None

    def feed(self, snapshot: QueuesSnapshot) -> list[BreachEvent]:
        """Judge every queue on today's figures; notify the crossings."""
        observations = [
            (line.key, line.name, a)
            for line in snapshot.queues
            for a in assessments(line, today=True).values()
        ]
        events = self.tracker.update(observations, snapshot.at)
        if events:
            self.crossed.emit(events)
            if self.enabled:
                self._notify(*title_and_body(events))
        return events

    def _notify(self, title: str, body: str) -> None:
        if tray_available():
            if self._tray is None:
                self._tray = QSystemTrayIcon(icon("queues"), self)
                self._tray.setToolTip("Proximity: queue alerts")
                self._tray.show()
            self._tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Warning, 10_000)
        self.shown.emit(title, body)

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
            self._tray = None
