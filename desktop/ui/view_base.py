"""Base class for the main window's views: a snapshot feed and a first-load signal."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from desktop.live.tasks import SnapshotFeed, TaskError
from desktop.ui.context import ViewContext

_AFTER_PAINTS = QEvent.Type(QEvent.registerEventType())


class _AfterPaints(QObject):
    """Posts itself a low-priority event and runs a function when it arrives."""

    def __init__(self, fn: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._fn = fn
        low = Qt.EventPriority.LowEventPriority.value
        QCoreApplication.postEvent(self, QEvent(_AFTER_PAINTS), low)

    def event(self, event: QEvent) -> bool:
        if event.type() == _AFTER_PAINTS:
            self.deleteLater()
            self._fn()
            return True
        return super().event(event)


def after_pending_paints(parent: QObject, fn: Callable[[], None]) -> None:
    """Call ``fn`` on the GUI thread once the repaints requested so far are done.

    Qt posts repaint requests at low priority, behind every other event (so a zero-time timer
    fires before them); an event posted now at the same priority is delivered after them.
    """
    _AfterPaints(fn, parent)


class DataView(QWidget):
    """A view fed by one periodic snapshot computed off the GUI thread.

    Subclasses set ``view_id``, ``title``, ``icon_name``, build their widgets in ``__init__``,
    return the compute function from ``snapshot_function`` and show a snapshot in
    ``show_snapshot``. Nothing here touches the database on the GUI thread.

    Attributes:
        loaded: emitted once, after the first snapshot was shown.
        painted: emitted once, after the window has repainted with that first snapshot. Work
            that can wait (other views, charts, background services) waits for it, so it
            does not compete with the first figures a team lead sees.
        status_message: text for the main window's status bar (errors, data age).
    """

    view_id = "view"
    title = "View"
    icon_name = "queues"
    refresh_setting = "refresh.live_seconds"

    loaded = Signal()
    painted = Signal()
    status_message = Signal(str)
    refreshed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: ViewContext | None = None
        self.feed: SnapshotFeed | None = None
        self.snapshot: Any = None
        self._loaded = False
        self._painted = False
        self._after_first_paint: list[Callable[[], None]] = []

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

    @property
    def is_painted(self) -> bool:
        return self._painted

    @Slot(object)
    def _on_snapshot(self, snapshot: Any) -> None:
        self.snapshot = snapshot
        self.show_snapshot(snapshot)
        self.refreshed.emit()
        if not self._loaded:
            self._loaded = True
            self.loaded.emit()
            after_pending_paints(self, self._first_paint_done)

    def when_painted(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` now if the first snapshot has been painted, else right after it is."""
        if self._painted:
            fn()
        else:
            self._after_first_paint.append(fn)

    def _first_paint_done(self) -> None:
        self._painted = True
        waiting, self._after_first_paint = self._after_first_paint, []
        for fn in waiting:
            fn()
        self.painted.emit()

    @Slot(object)
    def _on_failed(self, error: TaskError) -> None:
        self.status_message.emit(f"{self.title}: {error.message}")


@dataclass(frozen=True)
class ViewSpec:
    """What the main window needs to list a view without importing or building it.

    Building a view means importing its module (charts, queries, dialogs) and constructing
    its widgets: the main window does it only when the view is first needed, so the window
    shows the first view's data without paying for the others.

    Attributes:
        view_id: the view's ``DataView.view_id`` (also the key of the last view shown).
        title: its ``DataView.title``, shown in the navigation list and the View menu.
        icon_name: its ``DataView.icon_name``.
        target: ``"package.module:ClassName"`` of the ``DataView`` subclass.
    """

    view_id: str
    title: str
    icon_name: str
    target: str

    def view_class(self) -> type[DataView]:
        """Import the view's module and return its class."""
        module_name, _, class_name = self.target.partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        if not (isinstance(cls, type) and issubclass(cls, DataView)):
            raise TypeError(f"{self.target} is not a DataView")
        return cls

    def build(self) -> DataView:
        """Import the view's module and construct the view."""
        view = self.view_class()()
        if view.view_id != self.view_id:
            raise ValueError(f"{self.target} has view_id {view.view_id!r}, not {self.view_id!r}")
        return view


def placeholder(text: str) -> QLabel:
    """A centred, muted label shown until data arrives."""
    label = QLabel(text)
    label.setObjectName("placeholder")
    label.setWordWrap(True)
    return label
