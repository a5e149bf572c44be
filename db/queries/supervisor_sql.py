"""Portable SQL building blocks of the supervisor queries: buckets of time.

``window_index`` puts a timestamp into one of several adjacent periods (this period and the
previous one; the 12 weeks of a trend) with a CASE, so one GROUP BY returns every period.
``elapsed_units`` numbers the 15-minute intervals or days since an anchor, for intraday curves
and per-day overtime. Both compile on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import Integer, Subquery, and_, case, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from db.types import UTCDateTime

Window = tuple[datetime, datetime]


def at(value: datetime) -> ColumnElement[datetime]:
    """A timestamp literal bound with the UTC type (so SQLite compares like with like)."""
    return literal(value, UTCDateTime())


def window_index(column: Any, windows: Sequence[Window]) -> ColumnElement[int]:
    """The index of the half-open window ``[start, end)`` holding ``column``, else NULL.

    Callers filter with ``span`` first. Contiguous windows (the usual case) get a binary
    search of nested CASEs: about log2(n) comparisons per row instead of 2n.
    """
    contiguous = all(a[1] == b[0] for a, b in pairwise(windows))
    if contiguous and windows:
        return _search(column, windows, 0, len(windows))
    whens = [
        (and_(column >= at(start), column < at(end)), index)
        for index, (start, end) in enumerate(windows)
    ]
    return case(*whens, else_=None)


def span(column: Any, windows: Sequence[Window]) -> ColumnElement[bool]:
    """``column`` lies in the union of the windows' overall range (for an index range scan)."""
    return and_(column >= at(min(w[0] for w in windows)), column < at(max(w[1] for w in windows)))


class elapsed_units(FunctionElement[int]):
    """``elapsed_units(anchor, ts, seconds)``: whole ``seconds``-long units from anchor to ts.

    Only for ``ts >= anchor`` (truncation is then the floor on both backends).
    """

    type = Integer()
    inherit_cache = True
    name = "elapsed_units"


@compiles(elapsed_units, "sqlite")
def _elapsed_sqlite(element: elapsed_units, compiler: Any, **kw: Any) -> str:
    anchor, ts, size = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"CAST(((julianday({ts}) - julianday({anchor})) * 86400.0 + 0.0005) / ({size}) AS INTEGER)"
    )


@compiles(elapsed_units, "postgresql")
def _elapsed_pg(element: elapsed_units, compiler: Any, **kw: Any) -> str:
    anchor, ts, size = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({ts} - {anchor})) / ({size})) AS INTEGER)"


def windows_table(windows: Sequence[Window], margin: timedelta = timedelta(days=1)) -> Subquery:
    """The windows as rows ``(w, ws, we, wlo)``, to join intervals overlapping several of them.

    ``wlo`` is ``ws - margin``: intervals start at most ``margin`` before a window they reach,
    which lets the join use the (employee, started_at) index range per window.
    """
    selects = [
        select(
            literal(i, Integer()).label("w"),
            at(s).label("ws"),
            at(e).label("we"),
            at(s - margin).label("wlo"),
        )
        for i, (s, e) in enumerate(windows)
    ]
    return (union_all(*selects) if len(selects) > 1 else selects[0]).subquery("windows")


def later(a: Any, b: Any) -> ColumnElement[datetime]:
    """The later of two timestamps (GREATEST, portably)."""
    return case((a > b, a), else_=b)


def earlier(a: Any, b: Any) -> ColumnElement[datetime]:
    """The earlier of two timestamps (LEAST, portably)."""
    return case((a < b, a), else_=b)


def _search(column: Any, windows: Sequence[Window], lo: int, hi: int) -> Any:
    if hi - lo == 1:
        return literal(lo, Integer())
    mid = (lo + hi) // 2
    return case(
        (column < at(windows[mid][0]), _search(column, windows, lo, mid)),
        else_=_search(column, windows, mid, hi),
    )
