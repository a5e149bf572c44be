"""Exactly one active dispatcher per database, chosen by a lock held in the database.

PostgreSQL: a session-level advisory lock on a connection kept open for the purpose. The
server releases it the moment the holder's connection drops (process killed, machine gone),
so a standby's next attempt takes over. SQLite: the ``service_leases`` row is the lock; the
holder renews ``expires_at`` every third of the lease, and a standby takes the row once it
has expired, or at once when the holder was a process on this machine that no longer runs.

Either way the ``service_leases`` row records who holds the dispatcher, for the
notifications view. A holder that cannot renew stops sending before its lease can run out
(``valid_for``), so a standby that takes over never overlaps with it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, text

from db.engine import Database
from db.errors import DatabaseError
from db.models import ServiceLease

log = logging.getLogger(__name__)

LEASE_NAME = "notifications.dispatcher"
DEFAULT_LEASE_SECONDS = 20.0
# "notifier on srv-01 (pid 4242) #a1b2c3d4": readable as it is stored, parseable for liveness.
_HOLDER = re.compile(r"^(?P<role>[\w-]+) on (?P<host>\S+) \(pid (?P<pid>\d+)\) #(?P<token>\w+)$")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class HolderId:
    """Who holds (or wants) the lock: role, machine, process and a random token."""

    role: str
    host: str
    pid: int
    token: str

    @classmethod
    def for_this_process(cls, role: str) -> HolderId:
        return cls(role, socket.gethostname() or "localhost", os.getpid(), secrets.token_hex(4))

    @classmethod
    def parse(cls, value: str) -> HolderId | None:
        match = _HOLDER.match(value or "")
        if match is None:
            return None
        return cls(match["role"], match["host"], int(match["pid"]), match["token"])

    def __str__(self) -> str:
        return f"{self.label} #{self.token}"

    @property
    def label(self) -> str:
        """For people: "notifier on srv-01 (pid 4242)"."""
        return f"{self.role} on {self.host} (pid {self.pid})"


def describe_holder(value: str) -> str:
    """A stored holder string for display, without its token."""
    return value.rsplit(" #", 1)[0]


def _process_gone(holder: HolderId) -> bool:
    """True when ``holder`` was a process on this machine that is no longer running."""
    if holder.host != (socket.gethostname() or "localhost") or holder.pid == os.getpid():
        return False
    if sys.platform == "win32":
        # os.kill(pid, 0) would TERMINATE the process on Windows: wait for the lease to expire.
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False  # it exists (someone else's) or we cannot tell: assume alive
    return False


class Leadership(Protocol):
    """The lock every dispatcher competes for."""

    holder: HolderId

    def try_acquire(self) -> bool:
        """Take the lock if free; True when this process holds it afterwards."""

    def renew(self) -> bool:
        """Prove the lock is still held (and extend it); False when it was lost."""

    def release(self) -> None:
        """Give the lock up (clean stop)."""

    def valid_for(self) -> float:
        """Seconds this process may still act as the holder without renewing."""


class _LeaseRow:
    """Shared bookkeeping: the ``service_leases`` row and the local validity deadline."""

    def __init__(
        self,
        db: Database,
        holder: HolderId,
        ttl_s: float,
        clock: Callable[[], datetime],
        name: str = LEASE_NAME,
    ) -> None:
        self.db = db
        self.holder = holder
        self.ttl = timedelta(seconds=ttl_s)
        self.clock = clock
        self.name = name
        self._valid_until = 0.0  # time.monotonic() deadline

    def valid_for(self) -> float:
        return max(0.0, self._valid_until - time.monotonic())

    def _mark_valid(self, started: float) -> None:
        # Counted from before the write: the lease may have been taken that long ago.
        self._valid_until = started + self.ttl.total_seconds() * 0.9

    def _write_row(self, take_over: Callable[[ServiceLease], bool]) -> bool:
        """Insert or update the lease row for this holder when ``take_over(row)`` allows."""
        now = self.clock()
        me = str(self.holder)
        with self.db.write() as session:
            row = session.get(ServiceLease, self.name)
            if row is None:
                session.add(
                    ServiceLease(
                        name=self.name,
                        holder=me,
                        acquired_at=now,
                        heartbeat_at=now,
                        expires_at=now + self.ttl,
                    )
                )
                return True
            if row.holder != me and not take_over(row):
                return False
            if row.holder != me:
                row.holder = me
                row.acquired_at = now
            row.heartbeat_at = now
            row.expires_at = now + self.ttl
            return True

    def _delete_row(self) -> None:
        with self.db.write() as session:
            row = session.get(ServiceLease, self.name)
            if row is not None and row.holder == str(self.holder):
                session.delete(row)


class SqliteLease(_LeaseRow):
    """The lease row is the lock (writers are serialised by ``BEGIN IMMEDIATE``)."""

    def try_acquire(self) -> bool:
        started = time.monotonic()
        now = self.clock()

        def expired(row: ServiceLease) -> bool:
            if row.expires_at <= now:
                log.info("dispatcher lease of %s expired; taking over", describe_holder(row.holder))
                return True
            other = HolderId.parse(row.holder)
            if other is not None and _process_gone(other):
                log.info("dispatcher holder %s is no longer running; taking over", other.label)
                return True
            return False

        if self._write_row(expired):
            self._mark_valid(started)
            return True
        return False

    def renew(self) -> bool:
        started = time.monotonic()
        if self._write_row(lambda _row: False):
            self._mark_valid(started)
            return True
        self._valid_until = 0.0
        return False

    def release(self) -> None:
        self._valid_until = 0.0
        try:
            self._delete_row()
        except DatabaseError as exc:
            log.warning("could not release the dispatcher lease: %s", exc.user_message)


def advisory_key(schema: str, name: str = LEASE_NAME) -> int:
    """A stable 63-bit key per schema, so two schemas on one server do not collide."""
    digest = hashlib.sha256(f"{schema}/{name}".encode()).digest()
    # Non-negative, so pg_locks' (classid, objid) halves recombine without sign trouble.
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


class PostgresLease(_LeaseRow):
    """A session-level advisory lock on a dedicated connection, plus the row for display."""

    def __init__(
        self,
        db: Database,
        holder: HolderId,
        ttl_s: float,
        clock: Callable[[], datetime],
        name: str = LEASE_NAME,
    ) -> None:
        super().__init__(db, holder, ttl_s, clock, name)
        self._conn: Connection | None = None
        self._key: int | None = None

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = self.db.engine.connect()
            # Autocommit: the lock belongs to the session, never to a transaction left open.
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            schema = conn.execute(text("SELECT current_schema()")).scalar() or "public"
            self._key = advisory_key(str(schema), self.name)
            self._conn = conn
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # noqa: BLE001 - the connection is already broken
                pass
        self._conn = None

    def try_acquire(self) -> bool:
        started = time.monotonic()
        try:
            conn = self._connection()
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar()
            )
        except Exception as exc:  # noqa: BLE001 - server gone: try again later
            log.warning("dispatcher lock: cannot reach PostgreSQL: %s", exc)
            self._drop_connection()
            return False
        if not got:
            self._drop_connection()  # do not keep an idle connection per standby
            return False
        try:
            self._write_row(lambda _row: True)  # the advisory lock is the truth
        except DatabaseError as exc:
            log.warning("dispatcher lock held, but the lease row was not written: %s", exc)
        self._mark_valid(started)
        return True

    def renew(self) -> bool:
        started = time.monotonic()
        try:
            conn = self._connection()
            held = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted "
                    "AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = :k"
                ),
                {"k": self._key},
            ).scalar()
        except Exception as exc:  # noqa: BLE001 - the lock went with the connection
            log.warning("dispatcher lock lost: PostgreSQL connection failed: %s", exc)
            self._drop_connection()
            self._valid_until = 0.0
            return False
        if not held:
            self._valid_until = 0.0
            return False
        try:
            self._write_row(lambda _row: True)
        except DatabaseError as exc:
            log.warning("dispatcher heartbeat not recorded: %s", exc.user_message)
        self._mark_valid(started)
        return True

    def release(self) -> None:
        self._valid_until = 0.0
        try:
            if self._conn is not None:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
        except Exception:  # noqa: BLE001 - closing the connection releases it anyway
            pass
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
        try:
            self._delete_row()
        except DatabaseError as exc:
            log.warning("could not clear the dispatcher lease row: %s", exc.user_message)


def make_leadership(
    db: Database,
    holder: HolderId,
    ttl_s: float = DEFAULT_LEASE_SECONDS,
    clock: Callable[[], datetime] = utc_now,
) -> Leadership:
    """The lock implementation for the database's backend."""
    if db.is_sqlite:
        return SqliteLease(db, holder, ttl_s, clock)
    return PostgresLease(db, holder, ttl_s, clock)
