"""Opening the database at start: upgraded on the first start, left alone when at head."""

from __future__ import annotations

from pathlib import Path

import pytest

from db import migrate
from db.engine import sqlite_url
from desktop.bootstrap import prepare
from desktop.config import load_settings


def test_first_start_upgrades_and_later_starts_skip_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sqlite_url(tmp_path / "site.db")
    settings = load_settings(cli={"database.url": url}, env={}, frozen_dir=tmp_path)
    first = prepare(settings)
    try:
        assert not migrate.needs_upgrade(first.db.engine)
        assert not first.generated_demo  # a configured URL is never filled with demo data
        assert not first.actor.is_known
    finally:
        first.db.dispose()

    def no_upgrade(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("upgraded a database already at head")

    monkeypatch.setattr(migrate, "upgrade", no_upgrade)
    monkeypatch.setattr(migrate, "current_revision", no_upgrade)
    again = prepare(settings)
    again.db.dispose()


def test_a_database_behind_is_upgraded(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "old.db")
    settings = load_settings(cli={"database.url": url}, env={}, frozen_dir=tmp_path)
    prepare(settings).db.dispose()
    first = prepare(settings)
    migrate.downgrade(first.db.engine, "base")
    first.db.dispose()
    again = prepare(settings)
    try:
        assert migrate.current_revision(again.db.engine) == migrate.head_revision(again.db.engine)
    finally:
        again.db.dispose()
