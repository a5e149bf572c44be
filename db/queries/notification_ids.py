"""Matching a column against a list of ids, the way each backend does it cheaply; and the
dedupe key a cancelled or skipped notification keeps.

On PostgreSQL ``col = ANY(:ids)`` binds one array parameter: an ``IN`` list of a few hundred
parameters makes a different, long statement text each time, which SQLAlchemy expands and
psycopg parses again on every execution (a fraction of a millisecond of Python per id list,
taken from the dispatcher's sender thread). SQLite has no arrays; ``IN`` is cheap there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from db.models import Customer, Notification, Ticket

#: The dedupe key column's length.
KEY_LENGTH: int = Notification.__table__.c.dedupe_key.type.length


def among(column: ColumnElement[int], ids: Iterable[int], dialect: str) -> ColumnElement[bool]:
    """``column`` is one of ``ids``, as a condition for the ``dialect`` (an engine's name)."""
    values = list(ids)
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(BigInteger)))
    return column.in_(values)


def as_arrays(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, str]) -> dict[str, list]:
    """Executemany parameters turned into one array per column, for a PostgreSQL statement
    over ``unnest`` arrays (``columns``: array parameter -> key in each row)."""
    return {array: [row[key] for row in rows] for array, key in columns.items()}


def customers_of(ticket_ids: Iterable[int], dialect: str) -> ColumnElement[bool]:
    """Customers of these tickets, as a condition to add to a tickets-customers join.

    It changes no result; it lets PostgreSQL look the customers up by key rather than hash
    the whole customers table when the planner has no statistics yet (a freshly loaded
    database, or autovacuum turned off): it cannot know a join on ``customer_id`` is
    selective, but it does know a key lookup of a few hundred ids is.
    """
    tickets = Ticket.__table__.alias("scope")
    return Customer.id.in_(
        select(tickets.c.customer_id).where(among(tickets.c.id, ticket_ids, dialect))
    )


def freed_key(key: ColumnElement[str], row_id: ColumnElement[int]) -> ColumnElement[str]:
    """SQL for the dedupe key of a row that is cancelled or skipped: ``<key>#c<id>``, which
    frees the key for a new row. The key is shortened to fit the column, never the id, which
    keeps freed keys unique."""
    ident = cast(row_id, String)
    head = func.substr(key, 1, KEY_LENGTH - 2 - func.length(ident), type_=String)
    return head + "#c" + ident


def freed_key_text(key: str, row_id: int) -> str:
    """``freed_key`` for a row loaded in Python."""
    suffix = f"#c{row_id}"
    return key[: KEY_LENGTH - len(suffix)] + suffix
