"""The ORM classes: one per table of ``db.tables``, mapped onto it (``__table__``).

The annotations type the attributes; the columns, types, defaults and indexes are the tables'.
Importing this module loads SQLAlchemy's ORM: code on the start-up path uses ``db.tables``.
"""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from db import tables
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


class Base(DeclarativeBase):
    """Declarative base over the Core schema of ``db.tables``."""

    metadata = tables.metadata


class Team(Base):
    __table__ = tables.teams

    id: Mapped[int]
    name: Mapped[str]
    timezone: Mapped[str]
    created_at: Mapped[datetime]

    members: Mapped[list["Employee"]] = relationship(
        back_populates="team", foreign_keys="Employee.team_id"
    )


class Employee(Base):
    """Agents, team leads, supervisors and admins."""

    __table__ = tables.employees

    id: Mapped[int]
    username: Mapped[str]
    full_name: Mapped[str]
    email: Mapped[str | None]
    role: Mapped[Role]
    team_id: Mapped[int | None]
    hire_date: Mapped[date | None]
    shift_start: Mapped[time | None]
    shift_end: Mapped[time | None]
    shift_days: Mapped[str]
    takes_contacts: Mapped[bool]
    active: Mapped[bool]
    external_sid: Mapped[str | None]

    team: Mapped[Team | None] = relationship(
        back_populates="members", foreign_keys=[tables.employees.c.team_id]
    )


class TeamManager(Base):
    """Which supervisors and team leads are responsible for which teams."""

    __table__ = tables.team_managers

    team_id: Mapped[int]
    employee_id: Mapped[int]


class Queue(Base):
    __table__ = tables.queues

    id: Mapped[int]
    name: Mapped[str]
    channel: Mapped[Channel]
    team_id: Mapped[int | None]
    timezone: Mapped[str]
    sl_target: Mapped[float]
    sl_threshold_seconds: Mapped[int]
    sl_variant: Mapped[str]
    short_abandon_seconds: Mapped[int]
    daily_reset: Mapped[time]
    warn_longest_wait_seconds: Mapped[int | None]
    warn_waiting_count: Mapped[int | None]
    shrinkage: Mapped[float]
    max_occupancy: Mapped[float]
    active: Mapped[bool]
    external_sid: Mapped[str | None]


class QueueMember(Base):
    """Agents skilled for a queue (who can take its contacts)."""

    __table__ = tables.queue_members

    queue_id: Mapped[int]
    employee_id: Mapped[int]


class Customer(Base):
    __table__ = tables.customers

    id: Mapped[int]
    external_id: Mapped[str | None]
    name: Mapped[str]
    phone_e164: Mapped[str | None]
    email: Mapped[str | None]
    timezone: Mapped[str | None]
    language: Mapped[str]
    preferred_channel: Mapped[str]
    sms_opt_out: Mapped[bool]
    sms_opt_out_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Contact(Base):
    """One interaction offered to a queue: a call, a chat, an e-mail, an SMS."""

    __table__ = tables.contacts

    id: Mapped[int]
    queue_id: Mapped[int]
    customer_id: Mapped[int | None]
    ticket_id: Mapped[int | None]
    agent_id: Mapped[int | None]
    enqueued_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    abandoned_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wait_seconds: Mapped[float | None]
    talk_seconds: Mapped[float]
    hold_seconds: Mapped[float]
    wrap_seconds: Mapped[float]
    external_sid: Mapped[str | None]


class AgentStateLog(Base):
    """Presence intervals; the row with ``ended_at`` NULL is the agent's current state."""

    __table__ = tables.agent_states

    id: Mapped[int]
    employee_id: Mapped[int]
    state: Mapped[AgentState]
    reason: Mapped[str | None]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Ticket(Base):
    __table__ = tables.tickets

    id: Mapped[int]
    external_id: Mapped[str | None]
    customer_id: Mapped[int]
    queue_id: Mapped[int]
    subject: Mapped[str]
    priority: Mapped[Priority]
    status: Mapped[TicketStatus]
    assignee_id: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    last_heard_at: Mapped[datetime | None]
    last_customer_message_at: Mapped[datetime | None]
    longest_silence_seconds: Mapped[float | None]
    frt_target_minutes: Mapped[int | None]
    resolution_target_minutes: Mapped[int | None]
    contact_count: Mapped[int]
    version: Mapped[int]

    __mapper_args__ = {"version_id_col": __table__.c.version}


class TicketEvent(Base):
    """The ticket timeline: replies, notes, status and owner changes, notifications."""

    __table__ = tables.ticket_events

    id: Mapped[int]
    ticket_id: Mapped[int]
    kind: Mapped[TicketEventKind]
    actor_id: Mapped[int | None]
    at: Mapped[datetime]
    body: Mapped[str | None]
    old_value: Mapped[str | None]
    new_value: Mapped[str | None]
    notification_id: Mapped[int | None]


class NotificationPolicyRow(Base):
    """The notification policy: one default row (queue_id NULL) and optional per-queue ones."""

    __table__ = tables.notification_policies

    id: Mapped[int]
    queue_id: Mapped[int | None]
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None]
    version: Mapped[int]

    __mapper_args__ = {"version_id_col": __table__.c.version}


class NotificationTemplate(Base):
    __table__ = tables.notification_templates

    id: Mapped[int]
    event: Mapped[str]
    language: Mapped[str]
    body: Mapped[str]
    updated_at: Mapped[datetime]


class Notification(Base):
    """The outbox: the durable truth about every status message, scheduled to delivered."""

    __table__ = tables.notifications

    id: Mapped[int]
    ticket_id: Mapped[int]
    customer_id: Mapped[int]
    kind: Mapped[str]
    channel: Mapped[str]
    dedupe_key: Mapped[str]
    to_address: Mapped[str | None]
    body: Mapped[str | None]
    due_at: Mapped[datetime]
    original_due_at: Mapped[datetime]
    state: Mapped[NotificationState]
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None]
    provider_sid: Mapped[str | None]
    provider_status: Mapped[str | None]
    error_code: Mapped[str | None]
    error_message: Mapped[str | None]
    reason: Mapped[str | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class CustomerSurvey(Base):
    __table__ = tables.customer_surveys

    id: Mapped[int]
    ticket_id: Mapped[int | None]
    customer_id: Mapped[int | None]
    agent_id: Mapped[int | None]
    answered_at: Mapped[datetime]
    csat: Mapped[int | None]
    nps: Mapped[int | None]
    resolved_first_time: Mapped[bool | None]
    comment: Mapped[str | None]


class QaRubric(Base):
    __table__ = tables.qa_rubrics

    id: Mapped[int]
    name: Mapped[str]
    active: Mapped[bool]
    pass_mark: Mapped[float]

    items: Mapped[list["QaRubricItem"]] = relationship(order_by="QaRubricItem.position")


class QaRubricItem(Base):
    __table__ = tables.qa_rubric_items

    id: Mapped[int]
    rubric_id: Mapped[int]
    position: Mapped[int]
    label: Mapped[str]
    weight: Mapped[float]
    scale_min: Mapped[int]
    scale_max: Mapped[int]
    critical: Mapped[bool]
    active: Mapped[bool]


class QaReview(Base):
    __table__ = tables.qa_reviews

    id: Mapped[int]
    employee_id: Mapped[int]
    reviewer_id: Mapped[int | None]
    rubric_id: Mapped[int]
    ticket_id: Mapped[int | None]
    reviewed_at: Mapped[datetime]
    score_pct: Mapped[float]
    comment: Mapped[str | None]
    external_id: Mapped[str | None]


class QaReviewItem(Base):
    __table__ = tables.qa_review_items

    review_id: Mapped[int]
    item_id: Mapped[int]
    selected: Mapped[int]


class PulseSurvey(Base):
    """Employee pulse answers. Individual rows are confidential (see the supervisor queries)."""

    __table__ = tables.pulse_surveys

    id: Mapped[int]
    employee_id: Mapped[int]
    answered_at: Mapped[datetime]
    esat: Mapped[int | None]
    enps: Mapped[int | None]
    comment: Mapped[str | None]
    external_id: Mapped[str | None]


class CoachingSession(Base):
    __table__ = tables.coaching_sessions

    id: Mapped[int]
    employee_id: Mapped[int]
    coach_id: Mapped[int | None]
    scheduled_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    status: Mapped[CoachingStatus]
    topic: Mapped[str]
    notes: Mapped[str | None]
    goals: Mapped[str | None]
    follow_up_date: Mapped[date | None]
    linked_flags: Mapped[list[str] | None]
    linked_ticket_ids: Mapped[list[int] | None]
    created_at: Mapped[datetime]
    follow_up_done_at: Mapped[datetime | None]


class AuditLog(Base):
    """Who did what, when, with the row before and after; written in the change's transaction."""

    __table__ = tables.audit_log

    id: Mapped[int]
    at: Mapped[datetime]
    actor_id: Mapped[int | None]
    workstation: Mapped[str | None]
    action: Mapped[str]
    entity: Mapped[str]
    entity_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class SavedFilter(Base):
    __table__ = tables.saved_filters

    id: Mapped[int]
    employee_id: Mapped[int]
    view: Mapped[str]
    name: Mapped[str]
    definition: Mapped[dict[str, Any]]


class ServiceLease(Base):
    """Who holds a site-wide service (the dispatcher, the TaskRouter sync), for display and
    for SQLite, where the lease row itself is the lock."""

    __table__ = tables.service_leases

    name: Mapped[str]
    holder: Mapped[str]
    acquired_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SourceStatus(Base):
    """Health of each data feed, so views can show the age of what they display."""

    __table__ = tables.source_status

    name: Mapped[str]
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None]


class QueueSourceStats(Base):
    """A queue's figures as an external source reports them (the TaskRouter sync), per window.

    The queues view reads these instead of ``contacts`` for queues a source owns; ``window``
    is "today", "60m" or "30m" (``desktop.core.intraday.TimeWindow``).
    """

    __table__ = tables.queue_source_stats

    queue_id: Mapped[int]
    window: Mapped[str]
    source: Mapped[str]
    at: Mapped[datetime]
    window_start: Mapped[datetime | None]
    waiting: Mapped[int]
    longest_wait_seconds: Mapped[float | None]
    offered: Mapped[int]
    handled: Mapped[int]
    abandoned: Mapped[int]
    answered_within: Mapped[int]
    answer_wait_total_seconds: Mapped[float]
    agents_staffed: Mapped[int]
    agents_available: Mapped[int]
    agents_busy: Mapped[int]
    agents_away: Mapped[int]


class AppMeta(Base):
    """Key/value facts about the database itself (e.g. whether it holds demo data)."""

    __table__ = tables.app_meta

    key: Mapped[str]
    value: Mapped[str]
