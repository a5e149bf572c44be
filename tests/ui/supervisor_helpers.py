"""Shared set-up of the supervisor UI tests: a tiny demo database and a view context."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from db import migrate
from db.engine import Database, sqlite_url
from db.models import Employee
from db.queries.people import actor_for
from desktop.config import load_settings
from desktop.core.domain import Role
from desktop.core.identity import Actor
from desktop.live.tasks import TaskRunner
from desktop.ui.context import ViewContext

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
# Roles, resolved to the demo's usernames by ``username``: the names depend on the generator.
SUPERVISOR, TEAM_LEAD, ADMIN, AGENT = Role.SUPERVISOR, Role.TEAM_LEAD, Role.ADMIN, Role.AGENT


def tiny_demo(folder: Path) -> str:
    """A migrated database filled with the "tiny" demo set; returns its URL."""
    from desktop.sources.demo import generate_demo

    path = folder / "tiny.db"
    db = Database(sqlite_url(path))
    migrate.upgrade(db.engine)
    generate_demo(db, scale="tiny", seed=3, now=NOW)
    db.dispose()
    return sqlite_url(path)


def username(db: Database, who: Role | str) -> str:
    """The first active employee with role ``who`` (or ``who`` itself, a username)."""
    if not isinstance(who, Role):
        return who
    with db.read() as session:
        found = session.scalar(
            select(Employee.username)
            .where(Employee.role == who, Employee.active.is_(True))
            .order_by(Employee.id)
        )
    assert found is not None, who
    return found


def actor(db: Database, who: Role | str) -> Actor:
    with db.read() as session:
        found = actor_for(session, username(db, who))
    assert found is not None, who
    return found


def make_ctx(db: Database, who: Role | str, tmp_path: Path, runner: TaskRunner) -> ViewContext:
    settings = load_settings(cli={"database.url": db.url}, env={}, frozen_dir=tmp_path)
    return ViewContext(runner, db, actor(db, who), settings, True, lambda: NOW)
