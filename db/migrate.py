"""Schema upgrades with Alembic, driven from code (no alembic.ini needed at run time).

Alembic is imported only when a schema has to change or be inspected in depth: the check
every start makes (:func:`needs_upgrade`) reads the stamped revision with one query and the
bundled head from the revision files' ``revision``/``down_revision`` lines, and asks Alembic
only when that quick answer is not a plain "at head".
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from desktop.resources import migrations_path

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the bundled migrations and at ``engine``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    # configparser treats "%" as interpolation: escape it (URLs carry %-encoded options).
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision(engine: Engine) -> str | None:
    """The newest revision the bundled migrations know."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (the latest by default) in one transaction."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the schema to ``revision`` (empty by default)."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def needs_upgrade(engine: Engine) -> bool:
    """True when the database is behind the bundled migrations."""
    head = bundled_head(migrations_path() / "versions")
    if head is not None and stamped_revisions(engine) == (head,):
        return False  # the usual start: at head, known without importing Alembic
    return current_revision(engine) != head_revision(engine)


def stamped_revisions(engine: Engine) -> tuple[str, ...]:
    """The revisions in the database's version table (empty when there is none)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return ()
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        return tuple(sorted(rows))


@cache
def bundled_head(versions: Path) -> str | None:
    """The single head of the revision files in ``versions``, read without Alembic.

    Returns:
        The head revision, or None when the files do not give one plainly (no files, a file
        without literal ``revision``/``down_revision`` values, several heads): the caller
        then asks Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        values = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(values["revision"])
            down = ast.literal_eval(values["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
            parents.update(down)
        elif down is not None:
            return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
