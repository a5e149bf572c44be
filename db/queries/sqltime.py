"""Portable time arithmetic for aggregate queries (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class seconds_between(FunctionElement[float]):
    """``seconds_between(a, b)``: seconds from timestamp ``a`` to ``b`` as a float."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return (
        f"((julianday({compiler.process(b, **kw)}) - julianday({compiler.process(a, **kw)}))"
        " * 86400.0)"
    )


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(b, **kw)} - {compiler.process(a, **kw)}))"


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """``COUNT(*) FILTER (WHERE condition)`` written portably as a SUM of a CASE."""
    from sqlalchemy import case

    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
