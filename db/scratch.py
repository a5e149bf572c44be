"""A private, throw-away schema on a PostgreSQL server, for the tests and the benchmarks.

Each user gets a schema of its own (``search_path`` set through the connection options), so
runs can share one server and one database side by side; the schema is dropped afterwards,
also when the run fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from db.engine import Database


@contextmanager
def scratch_schema(url: str, prefix: str = "t") -> Iterator[Database]:
    """A ``Database`` on a new schema ``<prefix>_<random>`` of the server at ``url``.

    Raises:
        sqlalchemy.exc.OperationalError: the server cannot be reached (loudly, at once).
    """
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = Database(url)
    try:
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in url else "?"
        db = Database(f"{url}{sep}options=-csearch_path%3D{schema}")
        try:
            yield db
        finally:
            db.dispose()
            with admin.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
