"""Work the ticket view runs on the task runner: loading the board, a detail, saved filters.

Module-level functions (and one callable object) taking plain values: each opens its own
session and returns plain data, never ORM objects.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from db.audit import record
from db.engine import Database
from db.queries.ticket_board_loader import BoardLoader
from db.queries.ticket_detail import TicketDetail, saved_filters, ticket_detail
from db.queries.tickets import BoardPage, BoardSnapshot, board_snapshot
from desktop.core.identity import Actor
from desktop.ui.tickets_board_data import BoardData, Col, build_board_data


class BoardCompute:
    """The feed's compute function: the full board, refreshed by difference (on a worker).

    Keeps the loader and the last index between calls; the feed never runs two at once.
    """

    def __init__(
        self, db: Database, now: Callable[[], datetime], fraction: float, sort: Callable[[], Col]
    ) -> None:
        self.db, self.now, self.fraction, self.sort = db, now, fraction, sort
        self.loader = BoardLoader()
        self._last: tuple[BoardSnapshot, BoardData] | None = None

    def __call__(self) -> BoardData:
        with self.db.read() as session:
            snapshot = self.loader.load(session, self.now())
        last = self._last
        if last is not None and _same_rows(last[0], snapshot):
            data = copy.copy(last[1])  # nothing changed: same arrays, new instant
            data.at = snapshot.at
        else:
            data = build_board_data(snapshot, self.fraction, self.sort())
        self._last = (snapshot, data)
        return data

    def forget(self) -> None:
        self.loader.forget()


def _same_rows(a: BoardSnapshot, b: BoardSnapshot) -> bool:
    return (
        a.ticket_id is b.ticket_id
        and a.version is b.version
        and a.next_notification is b.next_notification
        and a.agents == b.agents
    )


def first_page(db: Database, now: datetime, page: BoardPage) -> BoardData:
    """The first screenful, filtered and sorted in SQL (on a worker)."""
    with db.read() as session:
        snapshot = board_snapshot(session, now, page)
    return build_board_data(snapshot, page.at_risk_fraction)


def load_detail(db: Database, ticket_id: int) -> TicketDetail | None:
    with db.read() as session:
        return ticket_detail(session, ticket_id)


def load_saved(db: Database, employee_id: int | None) -> Any:
    with db.read() as session:
        return saved_filters(session, employee_id)


def save_saved(db: Database, actor: Actor, name: str, definition: dict[str, Any]) -> Any:
    from db.actions.saved_filters import save_filter

    with db.write() as session:
        save_filter(session, actor, name, definition)
    return load_saved(db, actor.employee_id)


def delete_saved(db: Database, actor: Actor, filter_id: int) -> Any:
    from db.actions.saved_filters import delete_filter

    with db.write() as session:
        delete_filter(session, actor, filter_id)
    return load_saved(db, actor.employee_id)


def audit_phone_view(db: Database, actor: Actor, ticket_id: int) -> None:
    """Who looked at a customer's full phone number, and when."""
    with db.write() as session:
        record(session, actor, "customer.phone_viewed", "ticket", ticket_id)
