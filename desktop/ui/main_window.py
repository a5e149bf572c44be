"""The main window: assembles the views, menus and status bar; holds no business logic."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from desktop.core.identity import Actor
from desktop.ui import formatting as fmt
from desktop.ui.context import ViewContext
from desktop.ui.theme import icon
from desktop.ui.view_base import DataView, ViewSpec


class _ViewPage(QWidget):
    """One page of the stack: holds its view, which is built the first time it is needed.

    Until then the page is empty and costs nothing: the view's module is not even imported.
    """

    def __init__(self, spec: ViewSpec, view: DataView | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.view: DataView | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if view is not None:
            self.hold(view)

    def hold(self, view: DataView) -> None:
        self.view = view
        self.layout().addWidget(view)


def _spec_of(view: DataView) -> ViewSpec:
    cls = type(view)
    return ViewSpec(view.view_id, view.title, view.icon_name, f"{cls.__module__}:{cls.__name__}")


class MainWindow(QMainWindow):
    """One place per job, a navigation list on the left and a status bar.

    Views are given as ``ViewSpec`` (built when first shown, or one by one once the view on
    screen has loaded its data) or as ready-made ``DataView`` instances.

    Attributes:
        sign_in_requested: the user picked another employee in "Sign in as" (demo only).
        all_loaded: every view was built and showed its first snapshot.
        view_built: a view was constructed (its id); it is attached at once if the database
            is ready.
    """

    sign_in_requested = Signal(str)
    all_loaded = Signal()
    view_built = Signal(str)

    # After the view on screen loaded: wait this long, then build one other view per turn.
    IDLE_BUILD_DELAY_MS = 300
    IDLE_BUILD_GAP_MS = 50

    def __init__(self, views: Sequence[ViewSpec | DataView], database_label: str = "") -> None:
        super().__init__()
        self.setWindowTitle("Proximity")
        self.setWindowIcon(icon("proximity"))
        self._settings = QSettings("Proximity", "Proximity")
        self._ctx: ViewContext | None = None
        self._others_attached = False
        self._closed = False
        self.pages = [
            _ViewPage(_spec_of(v), v) if isinstance(v, DataView) else _ViewPage(v) for v in views
        ]
        self._pending_loads = {page.spec.view_id for page in self.pages}

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(190)
        self.stack = QStackedWidget()
        for page in self.pages:
            item = QListWidgetItem(icon(page.spec.icon_name), page.spec.title)
            item.setData(Qt.ItemDataRole.UserRole, page.spec.view_id)
            self.navigation.addItem(item)
            self.stack.addWidget(page)
            if page.view is not None:
                self._wire(page.view)
        self.navigation.currentRowChanged.connect(self.stack.setCurrentIndex)

        self.header = QLabel("Proximity")
        self.header.setObjectName("viewTitle")
        self.stack.currentChanged.connect(self._page_shown)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(16, 12, 16, 8)
        content_layout.addWidget(self.header)
        content_layout.addWidget(self.stack, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(content, 1)
        self.setCentralWidget(central)

        self.db_label = QLabel(f"Database: {database_label or 'opening…'}")
        self.user_label = QLabel("")
        self.refresh_label = QLabel("Loading data…")
        status = QStatusBar()
        status.addPermanentWidget(self.user_label)
        status.addPermanentWidget(self.db_label)
        status.addPermanentWidget(self.refresh_label)
        self.setStatusBar(status)

        self.sign_in_menu = None
        self._build_menus()
        self._restore()

    # Menus ------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.import_action = QAction(icon("import"), "&Import tickets…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setEnabled(False)
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        for number, page in enumerate(self.pages, start=1):
            action = QAction(icon(page.spec.icon_name), page.spec.title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _=False, n=number - 1: self.show_view(n))
            view_menu.addAction(action)
        view_menu.addSeparator()
        refresh = QAction(icon("refresh"), "&Refresh now", self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh_current)
        view_menu.addAction(refresh)

        self.user_menu = self.menuBar().addMenu("&User")
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Proximity", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def set_sign_in_choices(self, choices: Sequence[tuple[str, str]], current: str) -> None:
        """Fill "Sign in as" with (username, label) pairs (demo database only)."""
        self.user_menu.clear()
        menu = self.user_menu.addMenu(icon("user"), "Sign in &as")
        group = QActionGroup(self)
        for username, label in choices:
            action = QAction(label, self, checkable=True)
            action.setChecked(username == current)
            action.triggered.connect(lambda _=False, u=username: self.sign_in_requested.emit(u))
            group.addAction(action)
            menu.addAction(action)
        self.sign_in_menu = menu

    # Views ------------------------------------------------------------------------------
    @property
    def views(self) -> list[DataView]:
        """The views built so far, in navigation order (all of them once idle building ran)."""
        return [page.view for page in self.pages if page.view is not None]

    @property
    def view_ids(self) -> list[str]:
        """Every view's id in navigation order, built or not."""
        return [page.spec.view_id for page in self.pages]

    def view_at(self, index: int) -> DataView:
        """The view of navigation row ``index``, built (and attached) now if need be."""
        page = self.pages[index]
        if page.view is None:
            view = page.spec.build()
            page.hold(view)
            self._wire(view)
            self.view_built.emit(view.view_id)
            if self._ctx is not None and (self._others_attached or index == self._current()):
                view.attach(self._ctx)
        return page.view

    def _wire(self, view: DataView) -> None:
        view.status_message.connect(self.show_message)
        view.refreshed.connect(self._on_refreshed)
        view.loaded.connect(lambda v=view: self._on_view_loaded(v))

    def _current(self) -> int:
        return max(self.stack.currentIndex(), 0)

    def _page_shown(self, index: int) -> None:
        if index < 0:
            return
        # Built here, before the page is painted: an empty page never shows.
        self.view_at(index)
        title = self.pages[index].spec.title
        self.header.setText(title)
        self.setWindowTitle(f"{title} — Proximity")

    def attach(self, ctx: ViewContext, database_label: str) -> None:
        """The database is ready: show who and where, and start the views' refresh."""
        self.db_label.setText(f"Database: {database_label}")
        self.statusBar().clearMessage()
        self.set_actor(ctx.actor)
        self._ctx = ctx
        # The view on screen first: the others would compete for the worker threads and the
        # GIL and delay the first figures a team lead sees. They start once it has painted
        # its data; those not built yet are built then, one per turn of the event loop.
        current = self.current_view()

        def attach_others() -> None:
            current.painted.disconnect(attach_others)
            self._others_attached = True
            for view in self.views:
                if view is not current and view.ctx is None:
                    view.attach(ctx)
            QTimer.singleShot(self.IDLE_BUILD_DELAY_MS, self, self._build_next)

        current.painted.connect(attach_others)
        current.attach(ctx)

    def _build_next(self) -> None:
        """Build the next view not built yet, one per turn (idle time after the first view
        painted). A view the user opens before then is built at once.

        Its module is imported here, on the GUI thread: importing Qt-using modules (view
        modules, pyqtgraph) on a worker while the GUI thread used Qt crashed PySide6 now and
        then (see desktop.ui.pyside_workarounds).
        """
        if self._closed or self._ctx is None:
            return
        waiting = [i for i, page in enumerate(self.pages) if page.view is None]
        if not waiting:
            return
        self.view_at(waiting[0])
        QTimer.singleShot(self.IDLE_BUILD_GAP_MS, self, self._build_next)

    def set_actor(self, actor: Actor) -> None:
        self.user_label.setText(f"Signed in as {actor.label}")

    def show_view(self, index: int) -> None:
        self.navigation.setCurrentRow(index)

    def current_view(self) -> DataView:
        return self.view_at(self._current())

    @Slot()
    def refresh_current(self) -> None:
        self.current_view().reload()

    @Slot(str)
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 15_000)

    def _on_refreshed(self) -> None:
        self.refresh_label.setText(f"Updated {fmt.local_time(_now())}")

    def _on_view_loaded(self, view: DataView) -> None:
        self._pending_loads.discard(view.view_id)
        if not self._pending_loads:
            self.all_loaded.emit()

    # Persistence ------------------------------------------------------------------------
    def _restore(self) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        last = self._settings.value("window/view", "queues")
        ids = self.view_ids
        index = ids.index(last) if last in ids else 0
        self.show_view(index)
        self._page_shown(self._current())  # when the row did not change, nothing built it

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/view", self.pages[self._current()].spec.view_id)
        self._closed = True
        for view in self.views:
            view.detach()
        super().closeEvent(event)

    def _about(self) -> None:
        from desktop.__main__ import version

        QMessageBox.about(
            self,
            "About Proximity",
            f"<b>Proximity</b> {version()}<br>Live queues, tickets and workload for "
            "contact-centre team leads and supervisors.",
        )


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def call_later(ms: int, fn: Callable[[], None]) -> None:
    QTimer.singleShot(ms, fn)
