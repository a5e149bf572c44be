"""Base class for the main window's views: a snapshot feed and a first-load signal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from desktop.live.tasks import SnapshotFeed, TaskError
from desktop.ui.context import ViewContext


class DataView(QWidget):
    """A view fed by one periodic snapshot computed off the GUI thread.

    Subclasses set ``view_id``, ``title``, ``icon_name``, build their widgets in ``__init__``,
    return the compute function from ``snapshot_function`` and show a snapshot in
    ``show_snapshot``. Nothing here touches the database on the GUI thread.

    Attributes:
        loaded: emitted once, after the first snapshot was shown.
        status_message: text for the main window's status bar (errors, data age).
    """

    view_id = "view"
    title = "View"
    icon_name = "queues"
    refresh_setting = "refresh.live_seconds"

    loaded = Signal()
    status_message = Signal(str)
    refreshed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: ViewContext | None = None
        self.feed: SnapshotFeed | None = None
        self.snapshot: Any = None
        self._loaded = False

    def attach(self, ctx: ViewContext) -> None:
        """Called once the database is ready: start refreshing."""
        self.ctx = ctx
        interval = float(ctx.settings[self.refresh_setting])
        self.feed = SnapshotFeed(ctx.runner, self.snapshot_function(), interval, self)
        self.feed.snapshot_ready.connect(self._on_snapshot)
        self.feed.failed.connect(self._on_failed)
        self.feed.start()

    def snapshot_function(self) -> Callable[[], Any]:
        raise NotImplementedError

    def show_snapshot(self, snapshot: Any) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        """Recompute now with the current parameters (after a filter change or an action)."""
        if self.feed is not None:
            self.feed.set_compute(self.snapshot_function())

    def detach(self) -> None:
        if self.feed is not None:
            self.feed.stop()

    @property
    def is_loaded(self) -> bool:
        return self._loaded

    @Slot(object)
    def _on_snapshot(self, snapshot: Any) -> None:
        self.snapshot = snapshot
        self.show_snapshot(snapshot)
        self.refreshed.emit()
        if not self._loaded:
            self._loaded = True
            self.loaded.emit()

    @Slot(object)
    def _on_failed(self, error: TaskError) -> None:
        self.status_message.emit(f"{self.title}: {error.message}")


def placeholder(text: str) -> QLabel:
    """A centred, muted label shown until data arrives."""
    label = QLabel(text)
    label.setObjectName("placeholder")
    label.setWordWrap(True)
    return label
