"""The schema as SQLAlchemy Core tables: every table Proximity reads or writes.

The ORM classes in ``db.models`` map onto these tables (``__table__``). Code on the start-up
path (opening the database, the first view's figures) reads the tables directly with Core
statements, so the first figures do not wait for the ORM to load and map the classes: about a
fifth of the start-up's work.

Conventions: surrogate integer keys; every timestamp a UTC ``UTCDateTime``; enums stored as
their string values; ``external_id``/``external_sid`` columns hold the id a ticket system or
TaskRouter knows a row by, so imports and syncs are idempotent. Indexes are named for the hot
query they serve.
"""

from datetime import time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    event,
    text,
)

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

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index over only the rows matching ``where`` (SQLite and PostgreSQL both have them).

    The predicate is kept in ``info["where"]`` and handed to the dialect in use when the index
    is created (:func:`_partial_index_predicates`), not spelled ``sqlite_where=`` and
    ``postgresql_where=`` here: naming a dialect's option makes SQLAlchemy import that dialect,
    and PostgreSQL's (with its system catalogue tables) added ~40 ms to every start on SQLite.
    The migrations spell the options out as usual; a test checks they agree with these.
    """
    return Index(name, *columns, info={"where": where})


@event.listens_for(metadata, "before_create")
def _partial_index_predicates(schema: MetaData, connection: Any, **_kw: Any) -> None:
    """``metadata.create_all`` makes the partial indexes partial on the database in use."""
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return
    for table in schema.tables.values():
        for index in table.indexes:
            where = index.info.get("where")
            if where is not None:
                index.dialect_kwargs[f"{dialect}_where"] = text(where)


teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("created_at", UTCDateTime(), nullable=False),
)


# Agents, team leads, supervisors and admins.
employees = Table(
    "employees",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("email", String(200), nullable=True),
    Column("role", StrEnumType(Role), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=True, index=True),
    Column("hire_date", Date, nullable=True),
    Column("shift_start", Time, nullable=True),
    Column("shift_end", Time, nullable=True),
    # ISO weekdays the shift runs, as digits: "12345" is Monday to Friday.
    Column("shift_days", String(7), nullable=False, default="12345"),
    Column("takes_contacts", Boolean, nullable=False, default=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("external_sid", String(64), nullable=True, unique=True),
)


# Which supervisors and team leads are responsible for which teams.
team_managers = Table(
    "team_managers",
    metadata,
    Column("team_id", Integer, ForeignKey("teams.id"), primary_key=True),
    Column("employee_id", Integer, ForeignKey("employees.id"), primary_key=True),
)


queues = Table(
    "queues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("channel", StrEnumType(Channel), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=True),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("sl_target", Float, nullable=False, default=0.8),
    Column("sl_threshold_seconds", Integer, nullable=False, default=20),
    Column("sl_variant", String(32), nullable=False, default="answered_plus_abandoned"),
    Column("short_abandon_seconds", Integer, nullable=False, default=5),
    Column("daily_reset", Time, nullable=False, default=time(0, 0)),
    Column("warn_longest_wait_seconds", Integer, nullable=True),
    Column("warn_waiting_count", Integer, nullable=True),
    Column("shrinkage", Float, nullable=False, default=0.3),
    Column("max_occupancy", Float, nullable=False, default=0.85),
    Column("active", Boolean, nullable=False, default=True),
    Column("external_sid", String(64), nullable=True, unique=True),
)


# Agents skilled for a queue (who can take its contacts).
queue_members = Table(
    "queue_members",
    metadata,
    Column("queue_id", Integer, ForeignKey("queues.id"), primary_key=True),
    Column("employee_id", Integer, ForeignKey("employees.id"), primary_key=True),
)


customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(100), nullable=True, unique=True),
    Column("name", String(200), nullable=False),
    Column("phone_e164", String(20), nullable=True, index=True),
    Column("email", String(200), nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("language", String(8), nullable=False, default="en"),
    Column("preferred_channel", String(16), nullable=False, default="sms"),
    Column("sms_opt_out", Boolean, nullable=False, default=False),
    Column("sms_opt_out_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)


# One interaction offered to a queue: a call, a chat, an e-mail, an SMS.
contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("queue_id", Integer, ForeignKey("queues.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=True, index=True),
    Column("agent_id", Integer, ForeignKey("employees.id"), nullable=True),
    Column("enqueued_at", UTCDateTime(), nullable=False),
    Column("answered_at", UTCDateTime(), nullable=True),
    Column("abandoned_at", UTCDateTime(), nullable=True),
    Column("ended_at", UTCDateTime(), nullable=True),
    # Seconds from enqueue to answer or abandon; stored so service level aggregates in SQL.
    Column("wait_seconds", Float, nullable=True),
    Column("talk_seconds", Float, nullable=False, default=0.0),
    Column("hold_seconds", Float, nullable=False, default=0.0),
    Column("wrap_seconds", Float, nullable=False, default=0.0),
    Column("external_sid", String(64), nullable=True, unique=True),
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


# Presence intervals; the row with ``ended_at`` NULL is the agent's current state.
agent_states = Table(
    "agent_states",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("employee_id", Integer, ForeignKey("employees.id"), nullable=False),
    Column("state", StrEnumType(AgentState), nullable=False),
    Column("reason", String(40), nullable=True),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
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


tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(100), nullable=True, unique=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("queue_id", Integer, ForeignKey("queues.id"), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("priority", StrEnumType(Priority), nullable=False, default=Priority.NORMAL),
    Column("status", StrEnumType(TicketStatus), nullable=False, default=TicketStatus.NEW),
    Column("assignee_id", Integer, ForeignKey("employees.id"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("first_response_at", UTCDateTime(), nullable=True),
    Column("solved_at", UTCDateTime(), nullable=True),
    # Last time the customer heard from us (public reply or status message): the silence clock.
    Column("last_heard_at", UTCDateTime(), nullable=True),
    Column("last_customer_message_at", UTCDateTime(), nullable=True),
    Column("longest_silence_seconds", Float, nullable=True),
    Column("frt_target_minutes", Integer, nullable=True),
    Column("resolution_target_minutes", Integer, nullable=True),
    Column("contact_count", Integer, nullable=False, default=1),
    Column("version", Integer, nullable=False, default=1),
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


# The ticket timeline: replies, notes, status and owner changes, notifications.
ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("kind", StrEnumType(TicketEventKind), nullable=False),
    Column("actor_id", Integer, ForeignKey("employees.id"), nullable=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("body", Text, nullable=True),
    Column("old_value", String(100), nullable=True),
    Column("new_value", String(100), nullable=True),
    Column("notification_id", Integer, ForeignKey("notifications.id"), nullable=True),
    Index("ix_ticket_events_ticket_at", "ticket_id", "at"),
)


# The notification policy: one default row (queue_id NULL) and optional per-queue ones.
notification_policies = Table(
    "notification_policies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("queue_id", Integer, ForeignKey("queues.id"), nullable=True, unique=True),
    Column("settings", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", Integer, ForeignKey("employees.id"), nullable=True),
    Column("version", Integer, nullable=False, default=1),
)


notification_templates = Table(
    "notification_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event", String(40), nullable=False),
    Column("language", String(8), nullable=False),
    Column("body", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("event", "language", name="uq_templates_event_language"),
)


# The outbox: the durable truth about every status message, scheduled to delivered.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("channel", String(16), nullable=False, default="sms"),
    # One row per (ticket, event occurrence): the unique key that makes "never twice" hold.
    Column("dedupe_key", String(120), nullable=False, unique=True),
    Column("to_address", String(200), nullable=True),
    Column("body", Text, nullable=True),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("original_due_at", UTCDateTime(), nullable=False),
    Column("state", StrEnumType(NotificationState), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("claimed_at", UTCDateTime(), nullable=True),
    Column("claimed_by", String(120), nullable=True),
    Column("provider_sid", String(64), nullable=True),
    Column("provider_status", String(24), nullable=True),
    Column("error_code", String(16), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("reason", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("delivered_at", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_notifications_state_due", "state", "due_at"),
    Index("ix_notifications_ticket", "ticket_id", "created_at"),
    Index("ix_notifications_provider_sid", "provider_sid"),
)


customer_surveys = Table(
    "customer_surveys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=True, index=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=True),
    Column("agent_id", Integer, ForeignKey("employees.id"), nullable=True),
    Column("answered_at", UTCDateTime(), nullable=False, index=True),
    Column("csat", Integer, nullable=True),
    Column("nps", Integer, nullable=True),
    Column("resolved_first_time", Boolean, nullable=True),
    Column("comment", Text, nullable=True),
    Index("ix_customer_surveys_agent_answered", "agent_id", "answered_at"),
)


qa_rubrics = Table(
    "qa_rubrics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("pass_mark", Float, nullable=False, default=0.5),
)


qa_rubric_items = Table(
    "qa_rubric_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rubric_id", Integer, ForeignKey("qa_rubrics.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("weight", Float, nullable=False, default=1.0),
    Column("scale_min", Integer, nullable=False, default=0),
    Column("scale_max", Integer, nullable=False, default=4),
    Column("critical", Boolean, nullable=False, default=False),
    # An item removed from a rubric that reviews already used is retired, not deleted.
    Column("active", Boolean, nullable=False, default=True),
)


qa_reviews = Table(
    "qa_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("employee_id", Integer, ForeignKey("employees.id"), nullable=False),
    Column("reviewer_id", Integer, ForeignKey("employees.id"), nullable=True),
    Column("rubric_id", Integer, ForeignKey("qa_rubrics.id"), nullable=False),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=True),
    Column("reviewed_at", UTCDateTime(), nullable=False),
    Column("score_pct", Float, nullable=False),
    Column("comment", Text, nullable=True),
    Column("external_id", String(100), nullable=True, unique=True),
    Index("ix_qa_reviews_employee_reviewed", "employee_id", "reviewed_at"),
)


qa_review_items = Table(
    "qa_review_items",
    metadata,
    Column("review_id", Integer, ForeignKey("qa_reviews.id"), primary_key=True),
    Column("item_id", Integer, ForeignKey("qa_rubric_items.id"), primary_key=True),
    Column("selected", Integer, nullable=False),
)


# Employee pulse answers. Individual rows are confidential (see the supervisor queries).
pulse_surveys = Table(
    "pulse_surveys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("employee_id", Integer, ForeignKey("employees.id"), nullable=False),
    Column("answered_at", UTCDateTime(), nullable=False),
    Column("esat", Integer, nullable=True),
    Column("enps", Integer, nullable=True),
    Column("comment", Text, nullable=True),
    Column("external_id", String(100), nullable=True, unique=True),
    Index("ix_pulse_surveys_employee_answered", "employee_id", "answered_at"),
)


coaching_sessions = Table(
    "coaching_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("employee_id", Integer, ForeignKey("employees.id"), nullable=False),
    Column("coach_id", Integer, ForeignKey("employees.id"), nullable=True),
    Column("scheduled_at", UTCDateTime(), nullable=False),
    Column("duration_minutes", Integer, nullable=False, default=30),
    Column("status", StrEnumType(CoachingStatus), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("notes", Text, nullable=True),
    Column("goals", Text, nullable=True),
    Column("follow_up_date", Date, nullable=True),
    Column("linked_flags", JSON, nullable=True),
    Column("linked_ticket_ids", JSON, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    # Set when the coach marks the follow-up done; open follow-ups remind the coach.
    Column("follow_up_done_at", UTCDateTime(), nullable=True),
    Index("ix_coaching_employee_at", "employee_id", "scheduled_at"),
)


# Who did what, when, with the row before and after; written in the change's transaction.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
    Column("actor_id", Integer, ForeignKey("employees.id"), nullable=True),
    Column("workstation", String(120), nullable=True),
    Column("action", String(60), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("entity_id", Integer, nullable=True),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Index("ix_audit_entity", "entity", "entity_id"),
)


saved_filters = Table(
    "saved_filters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("employee_id", Integer, ForeignKey("employees.id"), nullable=False),
    Column("view", String(40), nullable=False),
    Column("name", String(100), nullable=False),
    Column("definition", JSON, nullable=False),
    UniqueConstraint("employee_id", "view", "name", name="uq_saved_filters"),
)


# Who holds a site-wide service (the dispatcher, the TaskRouter sync), for display and
# for SQLite, where the lease row itself is the lock.
service_leases = Table(
    "service_leases",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UTCDateTime(), nullable=False),
    Column("heartbeat_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)


# Health of each data feed, so views can show the age of what they display.
source_status = Table(
    "source_status",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("last_attempt_at", UTCDateTime(), nullable=True),
    Column("last_success_at", UTCDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
)


# A queue's figures as an external source reports them (the TaskRouter sync), per window.
#
# The queues view reads these instead of ``contacts`` for queues a source owns; ``window``
# is "today", "60m" or "30m" (``desktop.core.intraday.TimeWindow``).
queue_source_stats = Table(
    "queue_source_stats",
    metadata,
    Column("queue_id", Integer, ForeignKey("queues.id"), primary_key=True),
    Column("window", String(8), primary_key=True),
    Column("source", String(40), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("window_start", UTCDateTime(), nullable=True),
    Column("waiting", Integer, nullable=False, default=0),
    Column("longest_wait_seconds", Float, nullable=True),
    Column("offered", Integer, nullable=False, default=0),
    Column("handled", Integer, nullable=False, default=0),
    Column("abandoned", Integer, nullable=False, default=0),
    Column("answered_within", Integer, nullable=False, default=0),
    Column("answer_wait_total_seconds", Float, nullable=False, default=0.0),
    Column("agents_staffed", Integer, nullable=False, default=0),
    Column("agents_available", Integer, nullable=False, default=0),
    Column("agents_busy", Integer, nullable=False, default=0),
    Column("agents_away", Integer, nullable=False, default=0),
)


# Key/value facts about the database itself (e.g. whether it holds demo data).
app_meta = Table(
    "app_meta",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)
