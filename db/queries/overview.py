"""First-cut snapshots for each view: real figures, aggregated in SQL, as plain dataclasses.

Each function takes a session and ``now`` and returns an immutable snapshot; the GUI thread
only ever sees these dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, literal, select
from sqlalchemy.orm import Session, aliased

from db.models import (
    AgentStateLog,
    Contact,
    Customer,
    CustomerSurvey,
    Employee,
    Notification,
    PulseSurvey,
    Queue,
    QueueMember,
    Team,
    Ticket,
)
from db.queries.sqltime import count_where, seconds_between
from db.types import UTCDateTime
from desktop.core.domain import OPEN_STATUSES, AgentState, Role

MIN_AGGREGATE_ANSWERS = 5  # no aggregate over fewer answers is shown (confidentiality)


@dataclass(frozen=True)
class QueueRow:
    queue_id: int
    name: str
    channel: str
    waiting: int
    longest_wait_s: float | None
    offered: int
    handled: int
    abandoned: int
    sl_pct: float | None
    sl_target_pct: float
    agents_available: int
    agents_staffed: int


@dataclass(frozen=True)
class QueuesSnapshot:
    at: datetime
    rows: tuple[QueueRow, ...]


def queues_overview(session: Session, now: datetime) -> QueuesSnapshot:
    """Per queue: waiting now, longest wait, today's offered/handled/abandoned and SL.

    "Today" here is the last 24 hours; the queues view refines it to each queue's reset time.
    """
    since = now - timedelta(days=1)
    now_lit = literal(now, UTCDateTime())
    waiting = (
        select(
            Contact.queue_id,
            func.count().label("waiting"),
            func.min(Contact.enqueued_at).label("oldest"),
        )
        .where(Contact.answered_at.is_(None), Contact.abandoned_at.is_(None))
        .group_by(Contact.queue_id)
        .subquery()
    )
    short = Contact.wait_seconds < Queue.short_abandon_seconds
    today = (
        select(
            Contact.queue_id,
            count_where(~(Contact.abandoned_at.is_not(None) & short)).label("offered"),
            count_where(Contact.answered_at.is_not(None)).label("handled"),
            count_where(Contact.abandoned_at.is_not(None) & ~short).label("abandoned"),
            count_where(
                Contact.answered_at.is_not(None)
                & (Contact.wait_seconds <= Queue.sl_threshold_seconds)
            ).label("in_sl"),
        )
        .join(Queue, Queue.id == Contact.queue_id)
        .where(Contact.enqueued_at >= since)
        .group_by(Contact.queue_id)
        .subquery()
    )
    current_state = (
        select(QueueMember.queue_id, AgentStateLog.state, func.count().label("n"))
        .join(AgentStateLog, AgentStateLog.employee_id == QueueMember.employee_id)
        .where(AgentStateLog.ended_at.is_(None))
        .group_by(QueueMember.queue_id, AgentStateLog.state)
    )
    states: dict[int, dict[str, int]] = {}
    for queue_id, state, n in session.execute(current_state):
        states.setdefault(queue_id, {})[str(state)] = n
    rows = []
    stmt = (
        select(
            Queue,
            func.coalesce(waiting.c.waiting, 0),
            seconds_between(waiting.c.oldest, now_lit),
            today.c.offered,
            today.c.handled,
            today.c.abandoned,
            today.c.in_sl,
        )
        .outerjoin(waiting, waiting.c.queue_id == Queue.id)
        .outerjoin(today, today.c.queue_id == Queue.id)
        .where(Queue.active.is_(True))
        .order_by(Queue.channel, Queue.name)
    )
    for q, n_wait, longest, offered, handled, abandoned, in_sl in session.execute(stmt):
        denominator = (handled or 0) + (abandoned or 0)
        per_state = states.get(q.id, {})
        staffed = sum(v for k, v in per_state.items() if k != AgentState.OFFLINE)
        rows.append(
            QueueRow(
                q.id,
                q.name,
                str(q.channel),
                int(n_wait),
                float(longest) if longest is not None else None,
                int(offered or 0),
                int(handled or 0),
                int(abandoned or 0),
                100.0 * in_sl / denominator if denominator else None,
                100.0 * q.sl_target,
                per_state.get(AgentState.AVAILABLE, 0),
                staffed,
            )
        )
    return QueuesSnapshot(now, tuple(rows))


@dataclass(frozen=True)
class TicketRow:
    ticket_id: int
    subject: str
    customer: str
    priority: str
    status: str
    assignee: str | None
    created_at: datetime
    last_heard_at: datetime | None


@dataclass(frozen=True)
class TicketsSnapshot:
    at: datetime
    open_by_status: dict[str, int]
    rows: tuple[TicketRow, ...]


def tickets_overview(session: Session, now: datetime, limit: int = 500) -> TicketsSnapshot:
    """Open tickets by status, and the longest-silent open tickets."""
    open_filter = Ticket.status.in_([s.value for s in OPEN_STATUSES])
    counts = dict(
        session.execute(
            select(Ticket.status, func.count()).where(open_filter).group_by(Ticket.status)
        ).all()
    )
    assignee = aliased(Employee)
    stmt = (
        select(
            Ticket.id,
            Ticket.subject,
            Customer.name,
            Ticket.priority,
            Ticket.status,
            assignee.full_name,
            Ticket.created_at,
            Ticket.last_heard_at,
        )
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .where(open_filter)
        .order_by(func.coalesce(Ticket.last_heard_at, Ticket.created_at))
        .limit(limit)
    )
    rows = tuple(
        TicketRow(r[0], r[1], r[2], str(r[3]), str(r[4]), r[5], r[6], r[7])
        for r in session.execute(stmt)
    )
    return TicketsSnapshot(now, {str(k): v for k, v in counts.items()}, rows)


@dataclass(frozen=True)
class AgentRow:
    employee_id: int
    name: str
    team: str | None
    state: str
    state_since: datetime | None
    open_tickets: int


@dataclass(frozen=True)
class WorkloadSnapshot:
    at: datetime
    rows: tuple[AgentRow, ...]


def workload_overview(
    session: Session, now: datetime, team_ids: tuple[int, ...] = ()
) -> WorkloadSnapshot:
    """Per agent: current state and open tickets held."""
    open_count = (
        select(Ticket.assignee_id, func.count().label("n"))
        .where(Ticket.status.in_([s.value for s in OPEN_STATUSES]))
        .group_by(Ticket.assignee_id)
        .subquery()
    )
    stmt = (
        select(
            Employee.id,
            Employee.full_name,
            Team.name,
            AgentStateLog.state,
            AgentStateLog.started_at,
            func.coalesce(open_count.c.n, 0),
        )
        .outerjoin(Team, Team.id == Employee.team_id)
        .outerjoin(
            AgentStateLog,
            and_(AgentStateLog.employee_id == Employee.id, AgentStateLog.ended_at.is_(None)),
        )
        .outerjoin(open_count, open_count.c.assignee_id == Employee.id)
        .where(Employee.role == Role.AGENT, Employee.active.is_(True))
        .order_by(Team.name, Employee.full_name)
    )
    if team_ids:
        stmt = stmt.where(Employee.team_id.in_(team_ids))
    rows = tuple(
        AgentRow(r[0], r[1], r[2], str(r[3] or AgentState.OFFLINE), r[4], int(r[5]))
        for r in session.execute(stmt)
    )
    return WorkloadSnapshot(now, rows)


@dataclass(frozen=True)
class NotificationRow:
    notification_id: int
    ticket_id: int
    kind: str
    state: str
    due_at: datetime
    error_code: str | None


@dataclass(frozen=True)
class NotificationsSnapshot:
    at: datetime
    by_state: dict[str, int]
    rows: tuple[NotificationRow, ...]


def notifications_overview(
    session: Session, now: datetime, limit: int = 300
) -> NotificationsSnapshot:
    """Outbox counts by state and the rows due soonest or changed last."""
    counts = dict(
        session.execute(select(Notification.state, func.count()).group_by(Notification.state)).all()
    )
    stmt = (
        select(
            Notification.id,
            Notification.ticket_id,
            Notification.kind,
            Notification.state,
            Notification.due_at,
            Notification.error_code,
        )
        .order_by(Notification.due_at.desc())
        .limit(limit)
    )
    rows = tuple(
        NotificationRow(r[0], r[1], r[2], str(r[3]), r[4], r[5]) for r in session.execute(stmt)
    )
    return NotificationsSnapshot(now, {str(k): v for k, v in counts.items()}, rows)


@dataclass(frozen=True)
class TeamRow:
    team_id: int
    team: str
    csat_pct: float | None
    csat_answers: int
    esat_mean: float | None
    esat_answers: int


@dataclass(frozen=True)
class SupervisorSnapshot:
    at: datetime
    days: int
    rows: tuple[TeamRow, ...]


def supervisor_overview(session: Session, now: datetime, days: int = 30) -> SupervisorSnapshot:
    """Per team, last ``days`` days: CSAT beside eSat (aggregates of >= 5 answers only)."""
    since = now - timedelta(days=days)
    csat = dict(
        (team_id, (n_fav, n))
        for team_id, n_fav, n in session.execute(
            select(
                Employee.team_id,
                count_where(CustomerSurvey.csat >= 4),
                func.count(CustomerSurvey.csat),
            )
            .join(Employee, Employee.id == CustomerSurvey.agent_id)
            .where(CustomerSurvey.answered_at >= since, CustomerSurvey.csat.is_not(None))
            .group_by(Employee.team_id)
        )
    )
    esat = dict(
        (team_id, (mean, n))
        for team_id, mean, n in session.execute(
            select(Employee.team_id, func.avg(PulseSurvey.esat), func.count(PulseSurvey.esat))
            .join(Employee, Employee.id == PulseSurvey.employee_id)
            .where(PulseSurvey.answered_at >= since, PulseSurvey.esat.is_not(None))
            .group_by(Employee.team_id)
        )
    )
    rows = []
    for team_id, name in session.execute(select(Team.id, Team.name).order_by(Team.name)):
        fav, n_c = csat.get(team_id, (0, 0))
        mean, n_e = esat.get(team_id, (None, 0))
        rows.append(
            TeamRow(
                team_id,
                name,
                100.0 * fav / n_c if n_c >= MIN_AGGREGATE_ANSWERS else None,
                int(n_c),
                float(mean) if mean is not None and n_e >= MIN_AGGREGATE_ANSWERS else None,
                int(n_e),
            )
        )
    return SupervisorSnapshot(now, days, tuple(rows))
