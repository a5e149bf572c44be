"""Engine and session factory: SQLite file by default, PostgreSQL by URL.

SQLite is set up for a desktop that several threads (and sometimes two processes) write to:
WAL so readers never block the writer, ``synchronous=FULL`` so a committed notification claim
survives a power cut, foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for writers so a
write transaction takes the lock up front instead of failing half-way with "database is locked".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from db.errors import environment_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    # What query functions read through: an ORM session, or on the start-up path a Core
    # connection (Database.read_core); both run Core statements.
    Reader = Connection | Session

SQLITE_BUSY_TIMEOUT_MS = 15_000


def default_sqlite_path() -> Path:
    """The embedded database in the platform's per-user data directory."""
    from platformdirs import user_data_path

    return user_data_path("Proximity", "Proximity", ensure_exists=True) / "proximity.db"


def sqlite_url(path: Path | str) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def normalise_url(url: str) -> str:
    """Accept the URLs people paste: ``postgres://`` and plain ``postgresql://`` mean psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with Proximity's per-backend settings.

    Args:
        url: SQLAlchemy URL; ``postgres://`` and ``postgresql://`` are mapped to psycopg 3.
        busy_timeout_ms: how long a SQLite writer waits for the lock before giving up.
        **kwargs: passed to ``create_engine``.
    """
    parsed: URL = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            **kwargs,
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("connect_args", {"connect_timeout": 10, "application_name": "proximity"})
    return create_engine(parsed, **kwargs)


@dataclass
class Database:
    """One database: its engine plus read and write session factories.

    Each worker thread opens its own session through ``read()`` or ``write()``; sessions never
    cross threads and ORM objects never leave them.
    """

    url: str
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.url = normalise_url(self.url)
        self.engine = make_engine(self.url, self.busy_timeout_ms)

    # The ORM loads with the first session, not with the database: the start-up path reads
    # through read_core() and shows its first figures before the ORM is imported.
    @cached_property
    def _reader(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def _writer(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        writer_bind = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.is_sqlite
            else self.engine
        )
        return sessionmaker(writer_bind, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite backend."""
        return self.engine.dialect.name == "sqlite"

    @property
    def display_name(self) -> str:
        """The database for a status bar: file path or host/database, never a password."""
        parsed = make_url(self.url)
        if self.is_sqlite:
            return str(parsed.database)
        return parsed.render_as_string(hide_password=True).split("://", 1)[1]

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; database errors come out as ``DatabaseError``."""
        with environment_errors(), self._reader() as session:
            yield session

    @contextmanager
    def read_core(self) -> Iterator[Connection]:
        """A Core connection for reading, without the ORM; errors come out as ``DatabaseError``.

        For the queries that run before the first figures are on screen (``db.tables``)."""
        with environment_errors(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error."""
        with environment_errors(), self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
