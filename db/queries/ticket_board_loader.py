"""Refreshing the board by difference: reload only the tickets that changed.

At 100,000 open tickets a full board query turns ~1.7 million values into Python objects
(about a second of a worker's time, and a second copy of the board in memory while the old one
is still shown). Between two refreshes a few dozen tickets change. So each refresh reads the
(id, version) of every open ticket, which is cheap, and a fingerprint of the pending
notifications; only tickets whose version moved are read in full, and unchanged tickets keep
the very same Python objects as the previous snapshot.

Every ORM update of a ticket bumps its version (``version_id_col``), so the versions catch every
change made through ``db.actions``. A writer that bypasses the ORM, or a customer renamed
without a ticket change, is caught by the full reload that runs every ``full_every_s`` anyway.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Notification, Ticket
from db.queries.tickets import (
    BOARD_COLUMNS,
    BoardSnapshot,
    board_snapshot,
    epoch_seconds,
    open_filter,
)
from desktop.core.domain import PENDING_NOTIFICATION_STATES

_PENDING = tuple(s.value for s in PENDING_NOTIFICATION_STATES)
_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit


class BoardLoader:
    """Produces full board snapshots, re-reading only what changed since the last one.

    Not thread-safe: one loader belongs to one feed, which never runs two refreshes at once.

    Attributes:
        full_every_s: a full reload at least this often (seconds).
        max_changed_share: above this share of changed tickets a full reload is cheaper.
        last_was_full: whether the last ``load`` read everything (for tests and logs).
    """

    def __init__(self, full_every_s: float = 120.0, max_changed_share: float = 0.2) -> None:
        self.full_every_s = full_every_s
        self.max_changed_share = max_changed_share
        self.last_was_full = True
        self._last: BoardSnapshot | None = None
        self._last_full = 0.0
        self._notification_mark: tuple[Any, ...] | None = None

    def load(self, session: Session, now: datetime) -> BoardSnapshot:
        """The board at ``now``: every open ticket, as ``board_snapshot`` would return it."""
        last = self._last
        mark = _notification_mark(session)
        if last is None or time.monotonic() - self._last_full > self.full_every_s:
            return self._full(session, now, mark)
        current = session.execute(
            select(Ticket.id, Ticket.version).where(open_filter()).order_by(Ticket.id)
        ).all()
        previous = dict(zip(last.ticket_id, last.version, strict=True))
        changed = [tid for tid, version in current if previous.get(tid) != version]
        if len(changed) > self.max_changed_share * max(len(current), 1):
            return self._full(session, now, mark)
        same_ids = len(current) == len(last) and not changed
        if same_ids and mark == self._notification_mark:
            self.last_was_full = False
            snapshot = replace(last, at=now)
            self._last = snapshot
            return snapshot
        snapshot = self._merge(session, now, last, [tid for tid, _ in current], changed)
        if mark != self._notification_mark:
            snapshot = _with_next_notifications(session, snapshot)
        self._notification_mark = mark
        self._last = snapshot
        self.last_was_full = False
        return snapshot

    def forget(self) -> None:
        """Make the next ``load`` a full one (e.g. after an import)."""
        self._last = None

    def _full(self, session: Session, now: datetime, mark: tuple[Any, ...]) -> BoardSnapshot:
        snapshot = board_snapshot(session, now)
        self._last = snapshot
        self._last_full = time.monotonic()
        self._notification_mark = mark
        self.last_was_full = True
        return snapshot

    def _merge(
        self,
        session: Session,
        now: datetime,
        last: BoardSnapshot,
        ids: list[int],
        changed: list[int],
    ) -> BoardSnapshot:
        fresh: dict[int, tuple[Any, ...]] = {}
        lookups = last
        for start in range(0, len(changed), _CHUNK):
            chunk = changed[start : start + _CHUNK]
            lookups = part = board_snapshot(session, now, only_ids=chunk)
            columns = [getattr(part, name) for name in BOARD_COLUMNS]
            for i, tid in enumerate(part.ticket_id):
                fresh[tid] = tuple(col[i] for col in columns)
        position = {tid: i for i, tid in enumerate(last.ticket_id)}
        gone = set(changed) - fresh.keys()  # changed, then left the open set between reads
        kept = [tid for tid in ids if tid in fresh or (tid in position and tid not in gone)]
        # itemgetter copies the unchanged values in C; the changed ones are patched after.
        picks = [position.get(tid, 0) for tid in kept]
        patches = [(k, fresh[tid]) for k, tid in enumerate(kept) if tid in fresh]
        out: dict[str, tuple[Any, ...]] = {}
        for c, name in enumerate(BOARD_COLUMNS):
            column = _pick(getattr(last, name), picks)
            for k, values in patches:
                column[k] = values[c]
            out[name] = tuple(column)
        return replace(
            last,
            at=now,
            **out,
            queues=lookups.queues,
            agents=lookups.agents,
            teams=lookups.teams,
        )


def _pick(values: tuple[Any, ...], picks: list[int]) -> list[Any]:
    if not picks:
        return []
    if len(picks) == 1:
        return [values[picks[0]]]
    return list(itemgetter(*picks)(values))


def _notification_mark(session: Session) -> tuple[Any, ...]:
    """Changes whenever a pending notification is added, leaves pending or moves its due time.

    Served by ``ix_notifications_state_due`` alone (state, due_at and the row id).
    """
    row = session.execute(
        select(
            func.count(),
            func.max(Notification.id),
            func.sum(epoch_seconds(Notification.due_at)),
        ).where(Notification.state.in_(_PENDING))
    ).one()
    return tuple(row)


def _with_next_notifications(session: Session, snapshot: BoardSnapshot) -> BoardSnapshot:
    due = dict(
        session.execute(
            select(Notification.ticket_id, func.min(epoch_seconds(Notification.due_at)))
            .where(Notification.state.in_(_PENDING))
            .group_by(Notification.ticket_id)
        ).all()
    )
    return replace(snapshot, next_notification=tuple(due.get(t) for t in snapshot.ticket_id))
