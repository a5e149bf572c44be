"""Bulk writing for the demo generator: one connection, one transaction, no ORM objects.

Small tables go through SQLAlchemy Core ``insert`` (types handled by SQLAlchemy). Big tables
arrive as numpy columns and go straight to the driver: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL. Timestamps are formatted exactly as SQLAlchemy stores them, so queries compare them
correctly: on SQLite ``YYYY-MM-DD HH:MM:SS.ffffff`` text in UTC (SQLite compares timestamps as
text, so the format must match to the character), on PostgreSQL the same with ``+00``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import Boolean, Connection, Float, Index, Integer, Table, insert, text

from db.types import UTCDateTime
from desktop.sources.demo_clock import NULL

CHUNK_ROWS = 100_000


@lru_cache(maxsize=2)
def _time_of_day(postgres: bool) -> np.ndarray:
    """Code points of "HH:MM:SS.000000" (plus "+00" on PostgreSQL) for every second of a day."""
    suffix = "+00" if postgres else ""
    text_ = np.array(
        [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000{suffix}" for s in range(86_400)]
    )
    return text_.view(np.uint32).reshape(86_400, -1)


def timestamp_text(values: np.ndarray, postgres: bool) -> np.ndarray:
    """Epoch seconds (``NULL`` = missing) as the text SQLAlchemy stores, in an object array.

    The text is assembled from code-point tables (dates of the range, times of day) rather
    than formatted value by value: millions of timestamps take a fraction of a second.
    """
    values = np.asarray(values, dtype=np.int64)
    missing = values == NULL
    safe = np.where(missing, values[~missing].min() if (~missing).any() else 0, values)
    days = safe // 86_400
    first = int(days.min()) if len(days) else 0
    dates = np.datetime_as_string(
        np.arange(first, int(days.max(initial=first)) + 1).astype("datetime64[D]")
    )
    date_cp = np.strings.add(dates, " ").astype("<U11").view(np.uint32).reshape(-1, 11)
    tod = _time_of_day(postgres)
    buf = np.empty((len(values), 11 + tod.shape[1]), dtype=np.uint32)
    buf[:, :11] = date_cp[days - first]
    buf[:, 11:] = tod[safe - days * 86_400]
    out = buf.view(f"<U{buf.shape[1]}").ravel().astype(object)
    out[missing] = None
    return out


def _column_values(column: Any, values: Any, postgres: bool) -> np.ndarray:
    """Driver-ready values of one column as an object array, by the column's SQL type.

    Object arrays must already hold ``str``, ``bool`` or ``None`` (as the generator makes them).
    """
    if isinstance(values, list):
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    arr = np.asarray(values)
    ctype = column.type
    if arr.dtype == object:
        return arr
    if isinstance(ctype, UTCDateTime):
        return timestamp_text(arr, postgres)
    if isinstance(ctype, Boolean):
        return arr.astype(bool).astype(object)
    if isinstance(ctype, Float):
        arr = arr.astype(np.float64)
        out = arr.astype(object)
        out[np.isnan(arr)] = None
        return out
    if isinstance(ctype, Integer):
        arr = arr.astype(np.int64)
        out = arr.astype(object)
        out[arr == NULL] = None
        return out
    return arr.astype(object)


class BulkWriter:
    """Inserts into the tables of one open transaction and counts the rows written."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}

    def rows(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert a modest list of row dicts through SQLAlchemy Core."""
        for lo in range(0, len(rows), CHUNK_ROWS):
            self.conn.execute(insert(table), list(rows[lo : lo + CHUNK_ROWS]))
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def columns(self, table: Table, data: dict[str, Any]) -> None:
        """Insert column arrays (all the same length) straight through the driver."""
        names = list(data)
        if not names:
            return
        n = len(data[names[0]])
        if n == 0:
            return
        for lo in range(0, n, CHUNK_ROWS):
            hi = min(n, lo + CHUNK_ROWS)
            grid = np.empty((hi - lo, len(names)), dtype=object)
            for j, name in enumerate(names):
                grid[:, j] = _column_values(table.c[name], data[name][lo:hi], self.postgres)
            self._send(table.name, names, grid)
        self.counts[table.name] = self.counts.get(table.name, 0) + n

    def _send(self, table: str, names: list[str], grid: np.ndarray) -> None:
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        quoted = ", ".join(f'"{n}"' for n in names)
        cur = raw.cursor()
        try:
            if self.postgres:
                with cur.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for row in grid.tolist():
                        copy.write_row(row)
                return
            # Many rows per INSERT: SQLite's per-statement overhead dominates single-row
            # executemany. 999 variables per statement is the limit of older SQLite builds.
            m = len(names)
            per = max(1, 999 // m)
            one = "(" + ", ".join("?" * m) + ")"
            full = len(grid) // per * per
            if full:
                sql = f'INSERT INTO "{table}" ({quoted}) VALUES ' + ", ".join([one] * per)
                cur.executemany(sql, grid[:full].reshape(-1, per * m).tolist())
            if full < len(grid):
                cur.executemany(
                    f'INSERT INTO "{table}" ({quoted}) VALUES {one}', grid[full:].tolist()
                )
        finally:
            cur.close()

    def reset_sequences(self, tables: Sequence[Table]) -> None:
        """PostgreSQL: move each ``id`` sequence past the ids written here."""
        if not self.postgres:
            return
        for table in tables:
            if "id" not in table.c or not isinstance(table.c.id.type, Integer):
                continue
            self.conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table.name}"'
                )
            )


@contextmanager
def full_indexes_dropped(conn: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Drop the full secondary indexes of ``tables`` while loading; build them afterwards.

    One sort over the loaded rows is several times cheaper than millions of single B-tree
    inserts. Partial indexes (open tickets, waiting contacts, current agent states) stay:
    few rows qualify, so keeping them costs little, while building one scans the whole table.
    DDL is transactional on both backends, so a failed load rolls the indexes back too.
    """
    dropped: list[Index] = []
    for table in tables:
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            if "where" not in index.info:  # db.models.partial_index keeps its predicate there
                index.drop(conn)
                dropped.append(index)
    yield
    for index in dropped:
        index.create(conn)


def check_foreign_keys(conn: Connection) -> None:
    """SQLite: fail (and so roll back) if any row written with checks off breaks a key."""
    if conn.dialect.name != "sqlite":
        return
    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
    if bad:
        raise RuntimeError(f"demo data breaks foreign keys: {bad}")


def _cache_kib() -> int:
    """Page cache for the load: a quarter of the available memory, 256 MiB to 6 GiB.

    The large data set is written in one transaction; when its pages (and the indexes built at
    the end) fit in the cache, SQLite never has to spill them to the WAL and read them back.
    """
    available_kib = 1 << 20
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    available_kib = int(line.split()[1])
                    break
    except OSError:
        pass  # not Linux: stay with the floor
    return max(256 * 1024, min(available_kib // 4, 6 * 1024 * 1024))


def sqlite_bulk_pragmas(conn: Connection, on: bool, expected_mb: int = 0) -> None:
    """Trade durability for speed while generating, and restore the engine's settings after.

    A crash leaves the database empty anyway (everything is one transaction). Foreign keys
    are not checked row by row during the load (the generator writes ids it made itself, in
    dependency order); the caller runs ``PRAGMA foreign_key_check`` before committing.

    Args:
        conn: the generator's connection, outside a transaction.
        on: True before the load, False after it.
        expected_mb: rough size of the data set; the cache grows towards it.
    """
    raw = conn.connection.dbapi_connection
    assert raw is not None
    if on:
        cache_kib = min(_cache_kib(), max(256 * 1024, 2 * expected_mb * 1024))
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute(f"PRAGMA cache_size = -{cache_kib}")
        raw.execute("PRAGMA temp_store = MEMORY")
        raw.execute("PRAGMA threads = 2")  # helper threads sort for CREATE INDEX
    else:
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute("PRAGMA synchronous = FULL")
        raw.execute("PRAGMA cache_size = -2000")
        raw.execute("PRAGMA temp_store = DEFAULT")
        raw.execute("PRAGMA threads = 0")
        raw.execute("PRAGMA shrink_memory")
