"""Environment problems with the database, kept apart from bugs.

A locked, unreachable, full or corrupt database is the user's environment, not a defect: it
gets a clear message and a retry. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc


class DatabaseError(Exception):
    """Base for database problems the user can act on.

    Attributes:
        user_message: one sentence for a status bar or dialog.
        retryable: whether trying again later may succeed.
    """

    retryable = False

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class DatabaseLocked(DatabaseError):
    retryable = True


class DatabaseUnavailable(DatabaseError):
    retryable = True


class DatabaseFull(DatabaseError):
    pass


class DatabaseCorrupt(DatabaseError):
    pass


class ConcurrentEdit(DatabaseError):
    """Someone else changed the row since it was read (optimistic locking)."""

    retryable = True


def translate_error(exc: BaseException) -> BaseException:
    """Map a driver or SQLAlchemy exception to a ``DatabaseError`` when it is environmental.

    Returns the original exception when it is not (so bugs keep their traceback).
    """
    # The ORM's optimistic-locking error; without the ORM loaded it cannot have been raised
    # (importing it here would load the ORM for every error on the start-up path).
    orm_errors = sys.modules.get("sqlalchemy.orm.exc")
    if orm_errors is not None and isinstance(exc, orm_errors.StaleDataError):
        return ConcurrentEdit(
            "Someone else changed this record at the same time; it has been reloaded."
        )
    text = str(getattr(exc, "orig", None) or exc).lower()
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        if "locked" in text or "busy" in text:
            return DatabaseLocked("The database is busy (locked by another program). Retrying.")
        if "disk is full" in text or "no space" in text or "database or disk is full" in text:
            return DatabaseFull("The disk holding the database is full; nothing was saved.")
        if "malformed" in text or "not a database" in text:
            return DatabaseCorrupt("The database file is damaged or is not a Proximity database.")
        return DatabaseUnavailable(f"The database cannot be reached: {_first_line(exc)}")
    if isinstance(exc, sa_exc.DatabaseError) and ("malformed" in text or "not a database" in text):
        return DatabaseCorrupt("The database file is damaged or is not a Proximity database.")
    return exc


@contextmanager
def environment_errors() -> Iterator[None]:
    """Re-raise what the block raises as a ``DatabaseError`` when it is environmental (see
    :func:`translate_error`); anything else leaves unchanged, traceback and all."""
    try:
        yield
    except DatabaseError:
        raise
    except Exception as exc:
        translated = translate_error(exc)
        if translated is exc:
            raise
        raise translated from exc


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
