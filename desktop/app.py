"""Composition root: builds the application, the services and the main window. No logic.

The window paints first; the database is opened, upgraded and (for a brand-new embedded
database) filled with demo data on a worker, and the views start refreshing when it is ready.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import time
from concurrent.futures import Future
from functools import partial

from desktop.bootstrap import prepare_in_background
from desktop.config import Settings

log = logging.getLogger(__name__)

# Background services (notification dispatcher, live sources) import and set up a lot: they
# start once the view on screen has painted its data, or after this long at the latest.
SERVICES_AT_THE_LATEST_MS = 10_000
# The garbage collector, paused for start-up by desktop.__main__, runs again by then at the
# latest (when no view loads, e.g. behind an error dialog).
GC_PAUSE_AT_MOST_MS = 15_000


def end_startup_pause() -> None:
    """Turn the garbage collector back on after start-up (see ``desktop.__main__``), with what
    start-up allocated (modules, classes, mappers, widgets) frozen: it lives as long as the
    process, and walking it again in every full collection stalled the GUI for 80-110 ms."""
    from desktop.live.heap import settle_after_startup

    if not gc.isenabled():
        settle_after_startup()


def build_views():  # type: ignore[no-untyped-def]
    """Every view in navigation order, as specs: the main window builds a view when it is
    first needed, so only the one on screen is imported and built before the first paint."""
    from desktop.ui.view_base import ViewSpec

    return [
        ViewSpec("queues", "Queues", "queues", "desktop.ui.queues_view:QueuesView"),
        ViewSpec("tickets", "Tickets", "tickets", "desktop.ui.tickets_view:TicketsView"),
        ViewSpec("workload", "Workload", "workload", "desktop.ui.workload_view:WorkloadView"),
        ViewSpec(
            "notifications",
            "Notifications",
            "notifications",
            "desktop.ui.notifications_view:NotificationsView",
        ),
        ViewSpec(
            "supervisor", "Supervisor", "supervisor", "desktop.ui.supervisor_view:SupervisorView"
        ),
    ]


def _sign_in_choices(db):  # type: ignore[no-untyped-def]
    from db.queries.people import sign_in_candidates

    with db.read() as session:
        return sign_in_candidates(session)


def _actor_for(db, username):  # type: ignore[no-untyped-def]
    from db.queries.people import actor_for

    with db.read() as session:
        return actor_for(session, username)


class Application:
    """Owns the QApplication, the task runner and the main window for one run."""

    def __init__(
        self,
        settings: Settings,
        self_test: bool = False,
        start_services: bool = True,
        preparing: Future | None = None,
    ) -> None:
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtWidgets import QApplication

        from desktop.live.tasks import TaskRunner
        from desktop.ui.main_window import MainWindow
        from desktop.ui.theme import Theme, apply_theme

        QCoreApplication.setOrganizationName("Proximity")
        QCoreApplication.setApplicationName("Proximity")
        self.qapp = QApplication.instance() or QApplication(sys.argv[:1])
        apply_theme(self.qapp, Theme(settings["ui.theme"]))
        self.settings = settings
        self.self_test = self_test
        self._preparing = preparing  # bootstrap.prepare_in_background, if started already
        self.runner = TaskRunner(max_threads=3)
        # Only the view on screen is built here: the others when first shown, or one by
        # one once it has loaded its data (MainWindow).
        self.window = MainWindow(build_views())
        self.window.sign_in_requested.connect(self._sign_in_as)
        self.ctx = None
        self.error: str | None = None
        self.start_services = start_services and not self_test
        self.owns_event_loop = False
        self.services: list = []
        # Wall-clock times (time.time()) of the start-up stages, for benchmarks/startup.py.
        self.marks: dict[str, float] = {"window_built": time.time()}

    def start(self) -> None:
        """Show the window now and prepare the database in the background."""
        self.window.show()
        self.window.show_message("Opening the database…")
        self.marks["window_shown"] = time.time()
        preparing = self._preparing or prepare_in_background(self.settings)
        # A worker waits for it (without the GIL) and hands the result to the GUI thread.
        self.runner.submit(preparing.result, self._on_ready, self._on_failed)

    def _on_ready(self, prepared) -> None:  # type: ignore[no-untyped-def]
        from desktop.ui.context import ViewContext

        self.marks["database_ready"] = time.time()

        self.ctx = ViewContext(
            runner=self.runner,
            db=prepared.db,
            actor=prepared.actor,
            settings=self.settings,
            is_demo=prepared.is_demo,
        )
        self.window.attach(self.ctx, prepared.db.display_name)
        if prepared.generated_demo:
            self.window.show_message("Created the demo database with 90 days of history.")
        self._after_first_paint(prepared)

    def _after_first_paint(self, prepared) -> None:  # type: ignore[no-untyped-def]
        """Start what can wait until the view on screen has painted its data (or a while, if
        it never does): the demo's sign-in list and the background services. Their queries,
        imports and set-up would compete with that view for the worker threads and the GIL."""
        from PySide6.QtCore import QTimer

        pending = [prepared]

        def start() -> None:
            if not pending:
                return
            ready = pending.pop()
            if ready.is_demo:
                self.runner.submit(partial(_sign_in_choices, ready.db), self._fill_sign_in)
            if self.start_services:
                self._start_services(ready)

        self.window.current_view().painted.connect(start)
        QTimer.singleShot(SERVICES_AT_THE_LATEST_MS, self.window, start)

    def _start_services(self, prepared) -> None:  # type: ignore[no-untyped-def]
        from desktop.services import service_starters

        for starter in service_starters(self.settings, prepared):
            self.runner.submit(starter, self._service_started, self._service_failed)

    def _service_started(self, handle) -> None:  # type: ignore[no-untyped-def]
        if handle is not None:
            self.services.append(handle)
            log.info("service started: %s", handle.name)

    def _service_failed(self, error) -> None:  # type: ignore[no-untyped-def]
        log.error("a background service failed to start: %s\n%s", error.message, error.details)
        self.window.show_message(f"A background service did not start: {error.message}")

    def _fill_sign_in(self, people) -> None:  # type: ignore[no-untyped-def]
        choices = [
            (
                p.username,
                f"{p.full_name} — {p.role.value.replace('_', ' ')}"
                + (f", {p.team_name}" if p.team_name else ""),
            )
            for p in people
        ]
        self.window.set_sign_in_choices(choices, self.ctx.actor.username if self.ctx else "")

    def _sign_in_as(self, username: str) -> None:
        if self.ctx is None:
            return
        self.runner.submit(partial(_actor_for, self.ctx.db, username), self._switch_actor)

    def _switch_actor(self, actor) -> None:  # type: ignore[no-untyped-def]
        if actor is None or self.ctx is None:
            return
        self.ctx.actor = actor
        self.window.set_actor(actor)
        for view in self.window.views:
            view.reload()

    def _on_failed(self, error) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtWidgets import QMessageBox

        self.error = error.message
        log.error("startup failed: %s\n%s", error.message, error.details)
        if not self.self_test:
            QMessageBox.critical(self.window, "Proximity cannot start", error.message)
        # Only end an event loop this object runs (run_gui): exiting a QApplication whose loop
        # someone else drives (a test, an embedding host) would end theirs.
        if self.owns_event_loop:
            self.qapp.exit(1)

    def shutdown(self) -> None:
        for view in self.window.views:
            view.detach()
        self.runner.wait(30_000)
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception:  # one failing stop must not block the others
                log.exception("stopping %s failed", getattr(service, "name", service))
        self.services.clear()
        if self.ctx is not None:
            self.ctx.db.dispose()


def _crash_presenter(app: Application, self_test: bool):  # type: ignore[no-untyped-def]
    """Unhandled errors on any thread: a dialog, or in the self-test a failure and exit 1."""
    from desktop.ui.crash_dialog import CrashPresenter

    def fail_self_test(report) -> None:  # type: ignore[no-untyped-def]
        app.error = f"unhandled error on thread {report.thread}: {report.summary}"
        app.qapp.exit(1)

    return CrashPresenter(app.window, on_report=fail_self_test if self_test else None)


def run_gui(
    settings: Settings,
    self_test: bool = False,
    timeout_s: float = 120.0,
    first_view_only: bool = False,
    preparing: Future | None = None,
) -> int:
    """Run the dashboard. With ``self_test``, run offscreen and exit once every view loaded
    (with ``first_view_only``, once the view on screen has painted its first data: the
    startup benchmark's finish line)."""
    if self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop import crash

    crash.install_qt_message_handler()
    app = Application(settings, self_test=self_test, preparing=preparing)
    crash.set_presenter(_crash_presenter(app, self_test))
    from PySide6.QtCore import QTimer

    from desktop.ui.view_base import after_pending_paints

    app.window.current_view().painted.connect(end_startup_pause)
    QTimer.singleShot(GC_PAUSE_AT_MOST_MS, end_startup_pause)
    if self_test:

        def passed() -> None:
            print("self-test: OK — every view built and loaded its data", flush=True)
            app.qapp.exit(0)

        def timed_out() -> None:
            missing = sorted(app.window._pending_loads)
            app.error = f"timed out after {timeout_s:.0f} s waiting for: {', '.join(missing)}"
            app.qapp.exit(1)

        if first_view_only:
            view = app.window.current_view()

            def painted() -> None:
                app.marks["first_data"] = time.time()
                app.marks["first_data_cpu"] = time.process_time()  # all threads' CPU seconds
                app.qapp.exit(0)

            # Marked as soon as the rows are painted, before the work that waits for the first
            # paint (view.painted) starts.
            view.loaded.connect(lambda: after_pending_paints(app.window, painted))
        else:
            app.window.all_loaded.connect(passed)
        QTimer.singleShot(int(timeout_s * 1000), timed_out)
    app.start()
    app.owns_event_loop = True
    code = app.qapp.exec()
    crash.set_presenter(None)
    if app.window.isVisible():
        # Close now, while Python is whole: left to the interpreter's exit, the views' hide
        # handlers would run half torn down and crash the process (exit code -11).
        app.window.close()
    app.shutdown()
    if first_view_only:
        print(f"startup-probe: {json.dumps(app.marks)}", flush=True)
    if self_test and code != 0:
        print(f"self-test: FAILED — {app.error or 'exit code ' + str(code)}", file=sys.stderr)
    return code
