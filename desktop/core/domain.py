"""Domain vocabulary shared by every layer: roles, channels, states, priorities.

The values are the strings stored in the database, so they never change meaning; add new
members rather than renaming old ones.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What an employee does in Proximity; it decides what the views offer."""

    AGENT = "agent"
    TEAM_LEAD = "team_lead"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Channel(StrEnum):
    """Contact channel of a queue."""

    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    SMS = "sms"


class AgentState(StrEnum):
    """An agent's presence, as logged in the agent state log."""

    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


class Priority(StrEnum):
    """Ticket priority; the order of members is the order of urgency (lowest first)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Sort key: 0 for low up to 3 for urgent."""
        return list(Priority).index(self)


class TicketStatus(StrEnum):
    """Ticket status; ``OPEN_STATUSES`` are the ones whose clocks still run."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    {TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD}
)

# Allowed status transitions for agents; closing happens from solved only.
ALLOWED_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset(
        {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED}
    ),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.ON_HOLD, TicketStatus.SOLVED}),
    TicketStatus.ON_HOLD: frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED}),
    TicketStatus.SOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


class TicketEventKind(StrEnum):
    """Entries of a ticket's timeline."""

    CREATED = "created"
    CUSTOMER_MESSAGE = "customer_message"
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"
    STATUS_CHANGE = "status_change"
    OWNER_CHANGE = "owner_change"
    PRIORITY_CHANGE = "priority_change"
    NOTIFICATION = "notification"


class NotificationState(StrEnum):
    """Life of an outbox row. ``SENDING`` is the claim: committed before the provider call."""

    SCHEDULED = "scheduled"
    DEFERRED = "deferred"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


PENDING_NOTIFICATION_STATES: frozenset[NotificationState] = frozenset(
    {NotificationState.SCHEDULED, NotificationState.DEFERRED}
)


class CoachingStatus(StrEnum):
    """A coaching session is planned, then held or cancelled."""

    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"
