"""The schema upgrades from empty and downgrades to empty on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from db import migrate
from db.engine import Database
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
