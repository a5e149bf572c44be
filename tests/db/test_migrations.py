"""The schema upgrades from empty and downgrades to empty on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect

from db import migrate
from db.engine import Database, sqlite_url
from db.models import Base


def test_upgrade_creates_every_model_table(any_db: Database) -> None:
    tables = set(inspect(any_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert migrate.current_revision(any_db.engine) == migrate.head_revision(any_db.engine)
    assert not migrate.needs_upgrade(any_db.engine)


def test_downgrade_to_empty_and_up_again(any_db: Database) -> None:
    migrate.downgrade(any_db.engine, "base")
    left = set(inspect(any_db.engine).get_table_names()) - {"alembic_version"}
    assert left == set()
    assert migrate.current_revision(any_db.engine) is None
    migrate.upgrade(any_db.engine)
    assert set(Base.metadata.tables) <= set(inspect(any_db.engine).get_table_names())


def test_migration_matches_models(any_db: Database) -> None:
    """Autogenerate finds nothing to do: the models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with any_db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_hot_indexes_exist(any_db: Database) -> None:
    inspector = inspect(any_db.engine)
    names = {
        ix["name"]
        for table in ("contacts", "tickets", "notifications", "agent_states")
        for ix in inspector.get_indexes(table)
    }
    for wanted in (
        "ix_contacts_waiting",
        "ix_tickets_open_assignee",
        "ix_notifications_state_due",
        "ix_agent_states_current",
    ):
        assert wanted in names


def _partial_indexes() -> dict[str, tuple[str, str]]:
    """Every model index declared partial: name -> (table, predicate)."""
    return {
        index.name: (table.name, index.info["where"])
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if "where" in index.info and index.name
    }


def _reflected_predicates(db: Database) -> dict[str, str]:
    inspector = inspect(db.engine)
    option = f"{db.engine.dialect.name}_where"
    found = {}
    for table in {table for table, _ in _partial_indexes().values()}:
        for ix in inspector.get_indexes(table):
            where = ix.get("dialect_options", {}).get(option)
            if where is not None:
                found[ix["name"]] = " ".join(str(where).split())
    return found


def test_partial_indexes_of_the_migrations_match_the_models(any_db: Database) -> None:
    """The models keep each partial index's predicate apart from the dialect options (so
    PostgreSQL's dialect is not imported on SQLite); the migrated schema has the same ones."""
    wanted = _partial_indexes()
    assert len(wanted) == 6
    reflected = _reflected_predicates(any_db)
    assert set(reflected) == set(wanted)
    for name, (_table, where) in wanted.items():
        if any_db.engine.dialect.name == "sqlite":  # SQLite gives the text back as written
            assert reflected[name] == where, name
        else:  # PostgreSQL rewrites it ("(status)::text = ANY (...)"); names and values stay
            words = set(re.findall(r"[a-z_]+", where)) - {"in", "is", "and"}
            assert all(word in reflected[name].lower() for word in words), name


def test_create_all_makes_the_partial_indexes_partial(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "create_all.db"))
    try:
        Base.metadata.create_all(db.engine)
        reflected = _reflected_predicates(db)
        assert reflected == {name: where for name, (_t, where) in _partial_indexes().items()}
    finally:
        db.dispose()
