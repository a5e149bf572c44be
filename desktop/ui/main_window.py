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
from desktop.ui.view_base import DataView


class MainWindow(QMainWindow):
    """One place per job, a navigation list on the left and a status bar.

    Attributes:
        sign_in_requested: the user picked another employee in "Sign in as" (demo only).
        all_loaded: every view showed its first snapshot.
    """

    sign_in_requested = Signal(str)
    all_loaded = Signal()

    def __init__(self, views: Sequence[DataView], database_label: str = "") -> None:
        super().__init__()
        self.setWindowTitle("Proximity")
        self.setWindowIcon(icon("proximity"))
        self.views = list(views)
        self._settings = QSettings("Proximity", "Proximity")
        self._pending_loads = {v.view_id for v in self.views}

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(190)
        self.stack = QStackedWidget()
        for view in self.views:
            item = QListWidgetItem(icon(view.icon_name), view.title)
            item.setData(Qt.ItemDataRole.UserRole, view.view_id)
            self.navigation.addItem(item)
            self.stack.addWidget(view)
            view.status_message.connect(self.show_message)
            view.refreshed.connect(self._on_refreshed)
            view.loaded.connect(lambda v=view: self._on_view_loaded(v))
        self.navigation.currentRowChanged.connect(self.stack.setCurrentIndex)

        self.header = QLabel("Proximity")
        self.header.setObjectName("viewTitle")
        self.stack.currentChanged.connect(lambda i: self.header.setText(self.views[i].title))
        self.stack.currentChanged.connect(
            lambda i: self.setWindowTitle(f"{self.views[i].title} — Proximity")
        )

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
        for number, view in enumerate(self.views, start=1):
            action = QAction(icon(view.icon_name), view.title, self)
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
    def attach(self, ctx: ViewContext, database_label: str) -> None:
        """The database is ready: show who and where, and start every view's refresh."""
        self.db_label.setText(f"Database: {database_label}")
        self.statusBar().clearMessage()
        self.set_actor(ctx.actor)
        # The view on screen first: the others would compete for the worker threads and the
        # GIL and delay the first figures a team lead sees. They start once it has loaded.
        current = self.current_view()
        others = [v for v in self.views if v is not current]

        def attach_others() -> None:
            current.loaded.disconnect(attach_others)
            for view in others:
                view.attach(ctx)

        current.loaded.connect(attach_others)
        current.attach(ctx)

    def set_actor(self, actor: Actor) -> None:
        self.user_label.setText(f"Signed in as {actor.label}")

    def show_view(self, index: int) -> None:
        self.navigation.setCurrentRow(index)

    def current_view(self) -> DataView:
        return self.views[self.stack.currentIndex()]

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
        ids = [v.view_id for v in self.views]
        index = ids.index(last) if last in ids else 0
        self.show_view(index)
        self.header.setText(self.views[index].title)
        self.setWindowTitle(f"{self.views[index].title} — Proximity")

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/view", self.current_view().view_id)
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
