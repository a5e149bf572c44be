"""The start-up schema check answers "at head" without Alembic, and asks it otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from db import migrate
from db.engine import Database, sqlite_url
from desktop.resources import migrations_path


def _no_alembic(*_args: object) -> None:
    raise AssertionError("Alembic was asked although the database is at head")


def test_bundled_head_agrees_with_alembic(sqlite_db: Database) -> None:
    head = migrate.bundled_head(migrations_path() / "versions")
    assert head is not None
    assert head == migrate.head_revision(sqlite_db.engine)


def test_at_head_is_known_without_alembic(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrate, "current_revision", _no_alembic)
    monkeypatch.setattr(migrate, "head_revision", _no_alembic)
    assert migrate.stamped_revisions(any_db.engine) == (
        migrate.bundled_head(migrations_path() / "versions"),
    )
    assert not migrate.needs_upgrade(any_db.engine)


def test_empty_database_needs_upgrade(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "empty.db"))
    try:
        assert migrate.stamped_revisions(db.engine) == ()
        assert migrate.needs_upgrade(db.engine)
    finally:
        db.dispose()


def test_behind_or_unknown_revision_needs_upgrade(sqlite_db: Database) -> None:
    head = migrate.head_revision(sqlite_db.engine)
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    assert migrate.needs_upgrade(sqlite_db.engine)
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    migrate.downgrade(sqlite_db.engine, "base")
    assert migrate.needs_upgrade(sqlite_db.engine)  # version table left empty
    migrate.upgrade(sqlite_db.engine)
    assert not migrate.needs_upgrade(sqlite_db.engine)


def _revision_file(folder: Path, name: str, revision: str, down: str) -> None:
    (folder / f"{name}.py").write_text(
        f'"""{name}"""\n\nrevision: str = "{revision}"\ndown_revision = {down}\n',
        encoding="utf-8",
    )


def test_bundled_head_follows_the_chain(tmp_path: Path) -> None:
    _revision_file(tmp_path, "0001_a", "0001", "None")
    _revision_file(tmp_path, "0002_b", "0002", '"0001"')
    _revision_file(tmp_path, "0003_c", "0003", '("0002",)')
    assert migrate.bundled_head(tmp_path) == "0003"


@pytest.mark.parametrize(
    ("second_down", "why"),
    [('"0001"', "two heads"), ("compute()", "not a literal")],
)
def test_bundled_head_gives_up_when_unclear(tmp_path: Path, second_down: str, why: str) -> None:
    _revision_file(tmp_path, "0001_a", "0001", "None")
    _revision_file(tmp_path, "0002_b", "0002", '"0001"')
    _revision_file(tmp_path, "0003_c", "0003", second_down)
    assert migrate.bundled_head(tmp_path) is None, why


def test_no_revision_files_means_ask_alembic(tmp_path: Path) -> None:
    assert migrate.bundled_head(tmp_path) is None
