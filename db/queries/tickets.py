"""Ticket reads: the open-ticket board, search, one ticket's detail and timeline, saved filters.

The board snapshot is columnar (one tuple per column) because the board holds every open
ticket, 100,000 at the large scale: a tuple per column costs a fraction of a dataclass per row,
and the GUI turns the numeric columns into arrays it can filter and sort in milliseconds.
Timestamps on the board are epoch seconds computed in SQL, which skips building 400,000
``datetime`` objects per refresh; the detail query returns proper UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Float,
    String,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from db.models import (
    Customer,
    Employee,
    Notification,
    Queue,
    Team,
    Ticket,
)
from db.tables import OPEN_STATUS_SQL
from desktop.core.domain import (
    OPEN_STATUSES,
    PENDING_NOTIFICATION_STATES,
    Role,
)

BOARD_VIEW = "tickets"
_OPEN = tuple(s.value for s in OPEN_STATUSES)
OPEN_STATUS_ORDER = ("new", "open", "pending", "on_hold")
PENDING_STATES = tuple(s.value for s in PENDING_NOTIFICATION_STATES)
PENDING_SQL = "notifications.state IN ({})".format(", ".join(f"'{s}'" for s in PENDING_STATES))
_CHUNK = 500  # values per IN (...): well under every backend's parameter limit


class epoch_seconds(FunctionElement[float]):
    """``epoch_seconds(ts)``: a UTC timestamp column as float seconds since 1970 (NULL stays)."""

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    value = compiler.process(arg, **kw)
    # Stored as naive UTC text; 2440587.5 is the Julian day of the Unix epoch. Rounded to the
    # millisecond: julianday's double loses a few microseconds. A bulk writer that stored
    # epoch numbers instead of text is read as such.
    return (
        f"(CASE WHEN typeof({value}) IN ('integer', 'real') THEN {value} "
        f"ELSE ROUND((julianday({value}) - 2440587.5) * 86400.0, 3) END)"
    )


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    # EXTRACT gives NUMERIC (a Decimal per value in Python); a double is ten times cheaper.
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(arg, **kw)}) AS DOUBLE PRECISION)"


# Board ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueInfo:
    queue_id: int
    name: str
    team_id: int | None


@dataclass(frozen=True)
class AgentInfo:
    """An employee who can hold tickets (active agents and team leads)."""

    employee_id: int
    full_name: str
    team_id: int | None
    role: str


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows. Groups combine with AND; inside a group the ticks combine with OR.

    Who: ``mine`` / ``my_team`` / ``unassigned``. SLA: ``at_risk`` / ``breached``. Then
    silence over ``silent_hours``, one queue, priority and status, and the search text.
    The board applies it in memory as you type; ``board_snapshot`` applies the same filter in
    SQL for the first page, and the tests hold both to the same answer.
    """

    text: str = ""
    mine: bool = False
    my_team: bool = False
    unassigned: bool = False
    at_risk: bool = False
    breached: bool = False
    silent_hours: float | None = None
    queue_id: int | None = None
    priority: str | None = None
    status: str | None = None

    def definition(self) -> dict[str, Any]:
        """A JSON-able dict for the saved_filters table (defaults left out)."""
        default = BoardFilter()
        return {k: v for k, v in asdict(self).items() if v != getattr(default, k)}

    @classmethod
    def from_definition(cls, definition: dict[str, Any]) -> BoardFilter:
        """Read a saved definition; unknown keys (from a newer version) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in definition.items() if k in known})

    @property
    def is_empty(self) -> bool:
        return self == BoardFilter()

    def without_text(self) -> BoardFilter:
        return replace(self, text="")


@dataclass(frozen=True)
class Viewer:
    """Who is looking: decides "mine" and "my team"."""

    employee_id: int | None
    team_ids: tuple[int, ...] = ()


# Sort columns of the board, by name; the first page of the board is sorted in SQL with them.
SORT_COLUMNS = (
    "id",
    "customer",
    "subject",
    "priority",
    "status",
    "queue",
    "assignee",
    "age",
    "first_response",
    "resolution",
    "silence",
    "next_notification",
)


@dataclass(frozen=True)
class BoardPage:
    """Which rows to load: a filter and sort applied in SQL, at most ``limit`` rows."""

    flt: BoardFilter
    viewer: Viewer
    sort: str = "first_response"
    descending: bool = False
    limit: int = 300
    at_risk_fraction: float = 0.8


@dataclass(frozen=True)
class BoardSnapshot:
    """Every open ticket, one tuple per column, all tuples the same length.

    Timestamps are epoch seconds (UTC) or None; targets are seconds or None (no target).
    ``queues``, ``agents`` and ``teams`` resolve the id columns to names.
    """

    at: datetime
    ticket_id: tuple[int, ...] = ()
    version: tuple[int, ...] = ()
    external_id: tuple[str | None, ...] = ()
    customer_id: tuple[int, ...] = ()
    customer_name: tuple[str, ...] = ()
    phone: tuple[str | None, ...] = ()
    subject: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    queue_id: tuple[int, ...] = ()
    assignee_id: tuple[int | None, ...] = ()
    created: tuple[float, ...] = ()
    first_response: tuple[float | None, ...] = ()
    last_heard: tuple[float | None, ...] = ()
    frt_target_s: tuple[float | None, ...] = ()
    resolution_target_s: tuple[float | None, ...] = ()
    next_notification: tuple[float | None, ...] = ()
    queues: tuple[QueueInfo, ...] = ()
    agents: tuple[AgentInfo, ...] = ()
    teams: tuple[tuple[int, str], ...] = ()

    def __len__(self) -> int:
        return len(self.ticket_id)


BOARD_COLUMNS = (
    "ticket_id",
    "version",
    "external_id",
    "customer_id",
    "customer_name",
    "phone",
    "subject",
    "priority",
    "status",
    "queue_id",
    "assignee_id",
    "created",
    "first_response",
    "last_heard",
    "frt_target_s",
    "resolution_target_s",
    "next_notification",
)


def open_filter() -> ColumnElement[bool]:
    """Tickets whose clocks still run (new, open, pending, on hold).

    Written with literal values, exactly as the partial indexes' WHERE clause
    (``OPEN_STATUS_SQL``): SQLite uses a partial index only when it can prove the query's
    condition implies the index's, which it cannot do through bound parameters.
    """
    return text(f"tickets.{OPEN_STATUS_SQL}")


def board_snapshot(
    session: Session,
    now: datetime,
    page: BoardPage | None = None,
    only_ids: Sequence[int] | None = None,
) -> BoardSnapshot:
    """Open tickets with what the board shows and sorts by.

    Args:
        session: a read session.
        now: the instant the snapshot describes; countdowns are computed from it by the GUI.
        page: None loads every open ticket, ordered by id (the board's full index). A page
            loads only the first ``page.limit`` rows of ``page.flt`` in ``page.sort`` order,
            filtered and sorted in SQL: the board paints those while the full index loads.
        only_ids: restrict to these tickets (the incremental refresh re-reads changed ones).

    Returns:
        The columnar snapshot.
    """
    if page is not None:
        from db.queries.ticket_page import page_ids  # it builds on this module's types

        only_ids = page_ids(session, now, page)
    # Tickets alone, in no particular order: the partial index ix_tickets_open_clocks covers
    # every column, so the (large) tickets table is not read. ORDER BY id would make SQLite
    # walk the whole table in id order instead; Python sorts 100,000 tuples in milliseconds.
    stmt = select(
        Ticket.id,
        Ticket.version,
        Ticket.external_id,
        Ticket.customer_id,
        Ticket.subject,
        # Plain strings: the enum conversion per row costs more than the query itself.
        type_coerce(Ticket.priority, String()),
        type_coerce(Ticket.status, String()),
        Ticket.queue_id,
        Ticket.assignee_id,
        epoch_seconds(Ticket.created_at),
        epoch_seconds(Ticket.first_response_at),
        epoch_seconds(Ticket.last_heard_at),
        Ticket.frt_target_minutes * 60.0,
        Ticket.resolution_target_minutes * 60.0,
    ).where(open_filter())
    rows: list[Any] = []
    if only_ids is None:
        rows = list(session.execute(stmt).all())
    else:
        ids = sorted(set(only_ids))
        for start in range(0, len(ids), _CHUNK):
            rows.extend(session.execute(stmt.where(Ticket.id.in_(ids[start : start + _CHUNK]))))
    rows.sort(key=itemgetter(0))
    (tid, version, external, customer_id, subject, priority, status, queue_id, assignee_id,
     created, first, heard, frt, res) = (
        tuple(zip(*rows, strict=True)) if rows else ((),) * 14
    )  # fmt: skip
    customers = _customers(session, customer_id)
    unknown = ("(unknown customer)", None)
    due = _next_notifications(session, tid) if only_ids is not None else _all_next_due(session)
    return BoardSnapshot(
        at=now,
        ticket_id=tid,
        version=version,
        external_id=external,
        customer_id=customer_id,
        customer_name=tuple(customers.get(c, unknown)[0] for c in customer_id),
        phone=tuple(customers.get(c, unknown)[1] for c in customer_id),
        subject=subject,
        priority=priority,
        status=status,
        queue_id=queue_id,
        assignee_id=assignee_id,
        created=created,
        first_response=first,
        last_heard=heard,
        frt_target_s=frt,
        resolution_target_s=res,
        next_notification=tuple(due.get(t) for t in tid) if isinstance(due, dict) else due,
        queues=_queues(session),
        agents=assignable_agents(session),
        teams=tuple(
            (r[0], r[1]) for r in session.execute(select(Team.id, Team.name).order_by(Team.name))
        ),
    )


def _customers(session: Session, customer_ids: Sequence[int]) -> dict[int, tuple[str, Any]]:
    """Name and phone per customer, read in ascending id order.

    Separately and sorted, rather than joined in ticket order: the customers table is the
    biggest there is, and visiting its pages in order is far cheaper than at random.
    """
    ids = sorted(set(customer_ids))
    out: dict[int, tuple[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = session.execute(
            select(Customer.id, Customer.name, Customer.phone_e164).where(Customer.id.in_(chunk))
        )
        out.update((cid, (name, phone)) for cid, name, phone in rows)
    return out


def _all_next_due(session: Session) -> dict[int, float]:
    """Earliest pending notification per ticket, over the whole outbox."""
    due: dict[int, float] = {}
    rows = session.execute(
        select(Notification.ticket_id, epoch_seconds(Notification.due_at)).where(text(PENDING_SQL))
    )
    for ticket_id, at in rows:
        if at is not None and (ticket_id not in due or at < due[ticket_id]):
            due[ticket_id] = at
    return due


def _next_notifications(session: Session, ticket_ids: Sequence[int]) -> tuple[float | None, ...]:
    """Earliest pending notification per ticket, for a few hundred tickets.

    Filtered by state in Python on purpose: with a state condition in SQL, an unanalysed
    SQLite picks the (state, due) index and scans every pending row once per ticket.
    """
    due: dict[int, float] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = list(ticket_ids[start : start + 500])
        rows = session.execute(
            select(
                Notification.ticket_id,
                type_coerce(Notification.state, String()),
                epoch_seconds(Notification.due_at),
            ).where(Notification.ticket_id.in_(chunk))
        )
        for ticket_id, state, at in rows:
            if at is None or state not in PENDING_STATES:
                continue
            if ticket_id not in due or at < due[ticket_id]:
                due[ticket_id] = at
    return tuple(due.get(t) for t in ticket_ids)


def _queues(session: Session) -> tuple[QueueInfo, ...]:
    rows = session.execute(
        select(Queue.id, Queue.name, Queue.team_id)
        .where(Queue.active.is_(True))
        .order_by(Queue.name)
    )
    return tuple(QueueInfo(r[0], r[1], r[2]) for r in rows)


def assignable_agents(session: Session) -> tuple[AgentInfo, ...]:
    """Active employees who can hold tickets, by team then name (for the assign menu)."""
    rows = session.execute(
        select(Employee.id, Employee.full_name, Employee.team_id, Employee.role)
        .where(Employee.active.is_(True), Employee.role.in_([Role.AGENT, Role.TEAM_LEAD]))
        .order_by(Employee.team_id, Employee.full_name)
    )
    return tuple(AgentInfo(r[0], r[1], r[2], str(r[3])) for r in rows)


# Counts for the KPI strip ---------------------------------------------------------------------
def open_counts_by_status(session: Session) -> dict[str, int]:
    """Open tickets per status."""
    rows = session.execute(
        select(type_coerce(Ticket.status, String()), func.count())
        .where(open_filter())
        .group_by(Ticket.status)
    )
    return {str(k): int(v) for k, v in rows}
