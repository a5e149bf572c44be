"""SQLite is configured for safe concurrent desktop use; environment errors read clearly."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from db.engine import Database, normalise_url, sqlite_url
from db.errors import DatabaseCorrupt, DatabaseLocked, DatabaseUnavailable
from db.models import Team


def test_sqlite_pragmas(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_write_commits_and_failed_write_rolls_back(any_db: Database) -> None:
    now = datetime.now(UTC)
    with any_db.write() as s:
        s.add(Team(name="Billing", created_at=now))
    with pytest.raises(RuntimeError), any_db.write() as s:
        s.add(Team(name="Half-done", created_at=now))
        s.flush()
        raise RuntimeError("boom")
    with any_db.read() as s:
        names = s.scalars(select(Team.name)).all()
    assert names == ["Billing"]


def test_timestamps_come_back_utc_aware(any_db: Database) -> None:
    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with any_db.write() as s:
        s.add(Team(name="T", created_at=at))
    with any_db.read() as s:
        got = s.scalars(select(Team.created_at)).one()
    assert got == at and got.tzinfo is not None


def test_naive_datetime_is_refused(sqlite_db: Database) -> None:
    with pytest.raises(Exception, match="naive"), sqlite_db.write() as s:
        s.add(Team(name="T", created_at=datetime(2026, 1, 1)))


def test_locked_database_gives_clear_retryable_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    db = Database(sqlite_url(path))
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    impatient = Database(db.url, busy_timeout_ms=200)
    try:
        with pytest.raises(DatabaseLocked) as info, impatient.write() as s:
            s.execute(text("INSERT INTO t VALUES (1)"))
        assert info.value.retryable
        assert "busy" in info.value.user_message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        impatient.dispose()
    with db.read() as s:  # nothing half-written
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_missing_directory_or_server_is_unavailable(tmp_path: Path) -> None:
    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    with pytest.raises(DatabaseUnavailable) as info, db.read() as s:
        s.execute(text("SELECT 1"))
    assert "cannot be reached" in info.value.user_message


def test_corrupt_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not a database" * 200)
    db = Database(sqlite_url(path))
    with pytest.raises(DatabaseCorrupt), db.read() as s:
        s.execute(text("SELECT * FROM sqlite_master"))


def test_url_normalisation() -> None:
    assert normalise_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_concurrent_writers_do_not_fail(sqlite_db: Database) -> None:
    """BEGIN IMMEDIATE plus the busy timeout: parallel writers queue instead of failing."""
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                with sqlite_db.write() as s:
                    s.add(Team(name=f"team-{n}-{i}", created_at=datetime.now(UTC)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sqlite_db.read() as s:
        assert len(s.scalars(select(Team.id)).all()) == 80
