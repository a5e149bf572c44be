"""SQLAlchemy 2.x typed models: every table Proximity reads or writes.

Conventions: surrogate integer keys; every timestamp a UTC ``UTCDateTime``; enums stored as
their string values; ``external_id``/``external_sid`` columns hold the id a ticket system or
TaskRouter knows a row by, so imports and syncs are idempotent. Indexes are named for the hot
query they serve.
"""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import StrEnumType, UTCDateTime
from desktop.core.domain import (
    AgentState,
    Channel,
    CoachingStatus,
    NotificationState,
    Priority,
    Role,
    TicketEventKind,
    TicketStatus,
)

# Deterministic constraint names keep Alembic migrations portable between backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OPEN_STATUS_SQL = "status IN ('new', 'open', 'pending', 'on_hold')"


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index over only the rows matching ``where`` (SQLite and PostgreSQL both have them).

    The predicate is kept in ``info["where"]`` and handed to the dialect in use when the index
    is created (:func:`_partial_index_predicates`), not spelled ``sqlite_where=`` and
    ``postgresql_where=`` here: naming a dialect's option makes SQLAlchemy import that dialect,
    and PostgreSQL's (with its system catalogue tables) added ~40 ms to every start on SQLite.
    The migrations spell the options out as usual; a test checks they agree with these.
    """
    return Index(name, *columns, info={"where": where})


class Base(DeclarativeBase):
    """Declarative base with the naming convention and the UTC timestamp type."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime]

    members: Mapped[list["Employee"]] = relationship(
        back_populates="team", foreign_keys="Employee.team_id"
    )


class Employee(Base):
    """Agents, team leads, supervisors and admins."""

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(StrEnumType(Role))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    hire_date: Mapped[date | None] = mapped_column(Date)
    shift_start: Mapped[time | None] = mapped_column(Time)
    shift_end: Mapped[time | None] = mapped_column(Time)
    # ISO weekdays the shift runs, as digits: "12345" is Monday to Friday.
    shift_days: Mapped[str] = mapped_column(String(7), default="12345")
    takes_contacts: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_sid: Mapped[str | None] = mapped_column(String(64), unique=True)

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])


class TeamManager(Base):
    """Which supervisors and team leads are responsible for which teams."""

    __tablename__ = "team_managers"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)


class Queue(Base):
    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    channel: Mapped[Channel] = mapped_column(StrEnumType(Channel))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    sl_target: Mapped[float] = mapped_column(Float, default=0.8)
    sl_threshold_seconds: Mapped[int] = mapped_column(Integer, default=20)
    sl_variant: Mapped[str] = mapped_column(String(32), default="answered_plus_abandoned")
    short_abandon_seconds: Mapped[int] = mapped_column(Integer, default=5)
    daily_reset: Mapped[time] = mapped_column(Time, default=time(0, 0))
    warn_longest_wait_seconds: Mapped[int | None] = mapped_column(Integer)
    warn_waiting_count: Mapped[int | None] = mapped_column(Integer)
    shrinkage: Mapped[float] = mapped_column(Float, default=0.3)
    max_occupancy: Mapped[float] = mapped_column(Float, default=0.85)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_sid: Mapped[str | None] = mapped_column(String(64), unique=True)


class QueueMember(Base):
    """Agents skilled for a queue (who can take its contacts)."""

    __tablename__ = "queue_members"

    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    preferred_channel: Mapped[str] = mapped_column(String(16), default="sms")
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_opt_out_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Contact(Base):
    """One interaction offered to a queue: a call, a chat, an e-mail, an SMS."""

    __tablename__ = "contacts"
    __table_args__ = (
        # Covers the queues view's scan of today's contacts (every column it aggregates), so
        # the scan never reads the table: 60,000 contacts a day at the large scale.
        Index(
            "ix_contacts_queue_figures",
            "queue_id",
            "enqueued_at",
            "answered_at",
            "abandoned_at",
            "ended_at",
            "wait_seconds",
            "talk_seconds",
            "hold_seconds",
            "wrap_seconds",
        ),
        # Covers the workload view's contacts handled today and their handle time, per agent.
        Index(
            "ix_contacts_agent_answered",
            "agent_id",
            "answered_at",
            "ended_at",
            "talk_seconds",
            "hold_seconds",
            "wrap_seconds",
        ),
        # The "waiting now" rows: small, so a partial index makes the live query instant.
        partial_index(
            "ix_contacts_waiting",
            "queue_id",
            "enqueued_at",
            where="answered_at IS NULL AND abandoned_at IS NULL",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    enqueued_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    abandoned_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # Seconds from enqueue to answer or abandon; stored so service level aggregates in SQL.
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    wrap_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    external_sid: Mapped[str | None] = mapped_column(String(64), unique=True)


class AgentStateLog(Base):
    """Presence intervals; the row with ``ended_at`` NULL is the agent's current state."""

    __tablename__ = "agent_states"
    __table_args__ = (
        # Covers the workload view's time per state today (no table reads for 2,000 agents).
        Index("ix_agent_states_employee_started", "employee_id", "started_at", "ended_at", "state"),
        # The current state of each agent, read from the index alone (state and since are in
        # it): the queues view reads it for every queue member on every refresh.
        partial_index(
            "ix_agent_states_current",
            "employee_id",
            "state",
            "started_at",
            "ended_at",  # SQLite reads a partial index alone only if it holds its WHERE columns
            where="ended_at IS NULL",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    state: Mapped[AgentState] = mapped_column(StrEnumType(AgentState))
    reason: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        partial_index(
            "ix_tickets_open_assignee",
            "assignee_id",
            "priority",
            where=OPEN_STATUS_SQL,
        ),
        # Workload view: open tickets per agent and priority, and each agent's oldest, read
        # from the index alone (it covers what ix_tickets_open_assignee does, and more).
        partial_index(
            "ix_tickets_open_assignee_load",
            "assignee_id",
            "priority",
            "created_at",
            "status",  # SQLite reads a partial index alone only if it holds its WHERE columns
            where=OPEN_STATUS_SQL,
        ),
        partial_index(
            "ix_tickets_open_queue",
            "queue_id",
            "created_at",
            where=OPEN_STATUS_SQL,
        ),
        # Covers the ticket board (every column it reads of open tickets: the first page's
        # filter and sort, and the full index) so neither reads the tickets table, which holds
        # millions of closed tickets: db/queries/tickets.py and ticket_page.py.
        partial_index(
            "ix_tickets_open_clocks",
            "status",  # first, so "status IN (...)" finds this index, not ix_tickets_status
            "created_at",
            "first_response_at",
            "last_heard_at",
            "frt_target_minutes",
            "resolution_target_minutes",
            "priority",
            "queue_id",
            "assignee_id",
            "version",
            "customer_id",
            "external_id",
            "subject",
            where=OPEN_STATUS_SQL,
        ),
        Index("ix_tickets_status", "status"),
        Index("ix_tickets_created", "created_at"),
        Index("ix_tickets_solved", "solved_at"),
        Index("ix_tickets_assignee_solved", "assignee_id", "solved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    subject: Mapped[str] = mapped_column(String(300))
    priority: Mapped[Priority] = mapped_column(StrEnumType(Priority), default=Priority.NORMAL)
    status: Mapped[TicketStatus] = mapped_column(
        StrEnumType(TicketStatus), default=TicketStatus.NEW
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    # Last time the customer heard from us (public reply or status message): the silence clock.
    last_heard_at: Mapped[datetime | None]
    last_customer_message_at: Mapped[datetime | None]
    longest_silence_seconds: Mapped[float | None] = mapped_column(Float)
    frt_target_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_target_minutes: Mapped[int | None] = mapped_column(Integer)
    contact_count: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class TicketEvent(Base):
    """The ticket timeline: replies, notes, status and owner changes, notifications."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_at", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[TicketEventKind] = mapped_column(StrEnumType(TicketEventKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    at: Mapped[datetime]
    body: Mapped[str | None] = mapped_column(Text)
    old_value: Mapped[str | None] = mapped_column(String(100))
    new_value: Mapped[str | None] = mapped_column(String(100))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))


class NotificationPolicyRow(Base):
    """The notification policy: one default row (queue_id NULL) and optional per-queue ones."""

    __tablename__ = "notification_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"), unique=True)
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class NotificationTemplate(Base):
    __tablename__ = "notification_templates"
    __table_args__ = (UniqueConstraint("event", "language", name="uq_templates_event_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Notification(Base):
    """The outbox: the durable truth about every status message, scheduled to delivered."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_state_due", "state", "due_at"),
        Index("ix_notifications_ticket", "ticket_id", "created_at"),
        Index("ix_notifications_provider_sid", "provider_sid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    # One row per (ticket, event occurrence): the unique key that makes "never twice" hold.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    to_address: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime]
    original_due_at: Mapped[datetime]
    state: Mapped[NotificationState] = mapped_column(StrEnumType(NotificationState))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    provider_status: Mapped[str | None] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class CustomerSurvey(Base):
    __tablename__ = "customer_surveys"
    __table_args__ = (Index("ix_customer_surveys_agent_answered", "agent_id", "answered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    answered_at: Mapped[datetime] = mapped_column(index=True)
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    resolved_first_time: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)


class QaRubric(Base):
    __tablename__ = "qa_rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    pass_mark: Mapped[float] = mapped_column(Float, default=0.5)

    items: Mapped[list["QaRubricItem"]] = relationship(order_by="QaRubricItem.position")


class QaRubricItem(Base):
    __tablename__ = "qa_rubric_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("qa_rubrics.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    scale_min: Mapped[int] = mapped_column(Integer, default=0)
    scale_max: Mapped[int] = mapped_column(Integer, default=4)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    # An item removed from a rubric that reviews already used is retired, not deleted.
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class QaReview(Base):
    __tablename__ = "qa_reviews"
    __table_args__ = (Index("ix_qa_reviews_employee_reviewed", "employee_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    rubric_id: Mapped[int] = mapped_column(ForeignKey("qa_rubrics.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    reviewed_at: Mapped[datetime]
    score_pct: Mapped[float] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class QaReviewItem(Base):
    __tablename__ = "qa_review_items"

    review_id: Mapped[int] = mapped_column(ForeignKey("qa_reviews.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("qa_rubric_items.id"), primary_key=True)
    selected: Mapped[int] = mapped_column(Integer)


class PulseSurvey(Base):
    """Employee pulse answers. Individual rows are confidential (see the supervisor queries)."""

    __tablename__ = "pulse_surveys"
    __table_args__ = (Index("ix_pulse_surveys_employee_answered", "employee_id", "answered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    answered_at: Mapped[datetime]
    esat: Mapped[int | None] = mapped_column(Integer)
    enps: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class CoachingSession(Base):
    __tablename__ = "coaching_sessions"
    __table_args__ = (Index("ix_coaching_employee_at", "employee_id", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    scheduled_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[CoachingStatus] = mapped_column(StrEnumType(CoachingStatus))
    topic: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    goals: Mapped[str | None] = mapped_column(Text)
    follow_up_date: Mapped[date | None] = mapped_column(Date)
    linked_flags: Mapped[list[str] | None] = mapped_column(JSON)
    linked_ticket_ids: Mapped[list[int] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    # Set when the coach marks the follow-up done; open follow-ups remind the coach.
    follow_up_done_at: Mapped[datetime | None]


class AuditLog(Base):
    """Who did what, when, with the row before and after; written in the change's transaction."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    workstation: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class SavedFilter(Base):
    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("employee_id", "view", "name", name="uq_saved_filters"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    view: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]]


class ServiceLease(Base):
    """Who holds a site-wide service (the dispatcher, the TaskRouter sync), for display and
    for SQLite, where the lease row itself is the lock."""

    __tablename__ = "service_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SourceStatus(Base):
    """Health of each data feed, so views can show the age of what they display."""

    __tablename__ = "source_status"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class QueueSourceStats(Base):
    """A queue's figures as an external source reports them (the TaskRouter sync), per window.

    The queues view reads these instead of ``contacts`` for queues a source owns; ``window``
    is "today", "60m" or "30m" (``desktop.core.intraday.TimeWindow``).
    """

    __tablename__ = "queue_source_stats"

    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True)
    window: Mapped[str] = mapped_column(String(8), primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    window_start: Mapped[datetime | None]
    waiting: Mapped[int] = mapped_column(Integer, default=0)
    longest_wait_seconds: Mapped[float | None] = mapped_column(Float)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    handled: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    answered_within: Mapped[int] = mapped_column(Integer, default=0)
    answer_wait_total_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    agents_staffed: Mapped[int] = mapped_column(Integer, default=0)
    agents_available: Mapped[int] = mapped_column(Integer, default=0)
    agents_busy: Mapped[int] = mapped_column(Integer, default=0)
    agents_away: Mapped[int] = mapped_column(Integer, default=0)


class AppMeta(Base):
    """Key/value facts about the database itself (e.g. whether it holds demo data)."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


@event.listens_for(Base.metadata, "before_create")
def _partial_index_predicates(metadata: MetaData, connection: Any, **_kw: Any) -> None:
    """``metadata.create_all`` makes the partial indexes partial on the database in use."""
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return
    for table in metadata.tables.values():
        for index in table.indexes:
            where = index.info.get("where")
            if where is not None:
                index.dialect_kwargs[f"{dialect}_where"] = text(where)
