"""Opening a database the way every entry point needs it (no Qt here).

Resolves the URL (setting, else the embedded SQLite file), upgrades the schema with Alembic,
fills a brand-new embedded database with demo data, and works out who is acting.
"""

from __future__ import annotations

import gc
import getpass
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import make_url, select

from db import migrate, tables
from db.engine import Database, default_sqlite_path, sqlite_url
from db.errors import environment_errors
from db.queries.people import actor_for, default_demo_actor, is_demo_database
from desktop.config import Settings
from desktop.core.identity import Actor, unknown_actor

if TYPE_CHECKING:
    from db.engine import Reader

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]


def database_url(settings: Settings) -> str:
    """The configured database, or the embedded SQLite file in the user data directory."""
    return settings.database_url or sqlite_url(default_sqlite_path())


def load_data_layer(settings: Settings) -> None:
    """Import the database layer and the configured driver now, on the main thread.

    Called before Qt and before the database thread starts (``prepare_in_background``), so that
    thread finds everything it needs imported already. The ORM is not part of it: it is not
    needed before the first figures are shown (see ``db.tables``). A bad URL or a missing
    driver is not reported here but by ``open_database``, with its context.
    """
    try:
        make_url(database_url(settings)).get_dialect().import_dbapi()
    except Exception as exc:  # noqa: BLE001 - reported when the database is opened
        log.debug("driver not preloaded: %s", exc)


def open_database(settings: Settings) -> Database:
    """Open the database and upgrade its schema to the latest revision."""
    db = Database(database_url(settings))
    with environment_errors():
        if migrate.needs_upgrade(db.engine):
            log.info("upgrading schema of %s", db.display_name)
            migrate.upgrade(db.engine)
    return db


@dataclass(frozen=True)
class AppContext:
    """What the app needs once the database is ready."""

    db: Database
    actor: Actor
    is_demo: bool
    generated_demo: bool


def prepare(settings: Settings, progress: Progress | None = None) -> AppContext:
    """Open, upgrade, fill with demo data when new and embedded, and resolve the actor.

    The demo data set is generated only into the embedded default database (no URL set), so a
    site's shared PostgreSQL database is never filled with invented people.
    """
    progress = progress or (lambda _stage, _f: None)
    progress("Opening the database", 0.0)
    db = open_database(settings)
    generated = False
    if not settings.database_url:
        with db.read_core() as conn:
            # One row tells: no counting through a large history on every start.
            empty = conn.scalar(select(tables.tickets.c.id).limit(1)) is None
        if empty:
            from desktop.sources.demo import generate_demo

            # The GUI pauses the garbage collector for start-up (desktop.__main__); filling a
            # database makes garbage worth collecting as it goes.
            gc.enable()

            progress("Creating the demo database", 0.05)
            generate_demo(db, scale="small", progress=progress)
            generated = True
    with db.read_core() as conn:  # Core only: the ORM loads after the first figures are shown
        demo = is_demo_database(conn)
        actor = resolve_actor(conn, settings, demo)
    progress("Ready", 1.0)
    return AppContext(db, actor, demo, generated)


def prepare_in_background(settings: Settings) -> Future[AppContext]:
    """Start ``prepare`` on a thread of its own and return its future.

    The GUI calls it before Qt is even imported, so the database opens (and, the first time,
    the demo data set is generated) while Qt loads and the window is built. The thread is not a
    daemon: closing the window while the demo is being written waits for it, as before.
    """
    future: Future[AppContext] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(prepare(settings, _log_progress))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the future
            future.set_exception(exc)

    threading.Thread(target=run, name="proximity-prepare").start()
    return future


def _log_progress(stage: str, fraction: float) -> None:
    log.info("startup: %s (%.0f %%)", stage, fraction * 100)


def resolve_actor(session: Reader, settings: Settings, demo: bool) -> Actor:
    """The ``--user`` setting or the OS user, matched to an employee record."""
    username = settings["user.name"] or _os_user()
    actor = actor_for(session, username)
    if actor is None and demo:
        actor = default_demo_actor(session)
    return actor or unknown_actor(username)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some service environments
        return "unknown"
