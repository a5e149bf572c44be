"""Small builders for notification tests: a queue, customers, tickets, a policy, waiting."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from db.engine import Database
from db.models import (
    Customer,
    Employee,
    Notification,
    NotificationPolicyRow,
    Queue,
    Team,
    Ticket,
    TicketEvent,
)
from db.queries.notification_settings import PolicySettings, parse_settings, settings_to_json
from desktop.core.domain import Channel, Priority, Role, TicketEventKind, TicketStatus

T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 15:00 London, 11:00 New York


def seed_site(db: Database, now: datetime = T0, queue_tz: str = "Europe/London") -> int:
    """A team, a queue and an agent; returns the queue id."""
    with db.write() as s:
        team = Team(name="Support", timezone=queue_tz, created_at=now)
        s.add(team)
        s.flush()
        queue = Queue(name="SMS support", channel=Channel.SMS, team_id=team.id, timezone=queue_tz)
        s.add(queue)
        s.add(
            Employee(
                username="alice",
                full_name="Alice Martin",
                role=Role.AGENT,
                team_id=team.id,
            )
        )
        s.flush()
        return queue.id


def add_customer(
    db: Database,
    phone: str | None,
    name: str = "Jane Doe",
    tz: str | None = None,
    language: str = "en",
    opted_out: bool = False,
    channel: str = "sms",
    now: datetime = T0,
) -> int:
    with db.write() as s:
        customer = Customer(
            name=name,
            phone_e164=phone,
            timezone=tz,
            language=language,
            preferred_channel=channel,
            sms_opt_out=opted_out,
            created_at=now,
        )
        s.add(customer)
        s.flush()
        return customer.id


def add_ticket(
    db: Database,
    queue_id: int,
    customer_id: int,
    created_at: datetime,
    status: TicketStatus = TicketStatus.NEW,
    priority: Priority = Priority.NORMAL,
    last_heard_at: datetime | None = None,
    assignee: str | None = "alice",
) -> int:
    with db.write() as s:
        agent = s.scalar(select(Employee.id).where(Employee.username == assignee))
        ticket = Ticket(
            customer_id=customer_id,
            queue_id=queue_id,
            subject="Help",
            priority=priority,
            status=status,
            assignee_id=agent,
            created_at=created_at,
            updated_at=created_at,
            last_heard_at=last_heard_at,
            first_response_at=last_heard_at,
        )
        s.add(ticket)
        s.flush()
        s.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.CREATED, at=created_at))
        return ticket.id


def many_tickets(
    db: Database, queue_id: int, phones: Sequence[str], created_at: datetime, tz: str | None = None
) -> list[int]:
    """One new ticket per phone number (distinct customers)."""
    return [
        add_ticket(db, queue_id, add_customer(db, phone, f"Customer {i}", tz=tz), created_at)
        for i, phone in enumerate(phones)
    ]


def save_policy(db: Database, **changes: Any) -> PolicySettings:
    """Store the default policy: the defaults with ``changes`` applied (JSON keys)."""
    raw = {**settings_to_json(PolicySettings()), **changes}
    settings = parse_settings(raw)
    with db.write() as s:
        row = s.scalar(
            select(NotificationPolicyRow).where(NotificationPolicyRow.queue_id.is_(None))
        )
        if row is None:
            s.add(NotificationPolicyRow(queue_id=None, settings=raw, updated_at=T0))
        else:
            row.settings = raw
    return settings


def rows(db: Database, **where: Any) -> list[Notification]:
    """Outbox rows (detached ORM objects, fine in tests), oldest id first."""
    with db.read() as s:
        stmt = select(Notification).order_by(Notification.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Notification, key) == value)
        return list(s.scalars(stmt))


def count_by_state(db: Database) -> dict[str, int]:
    with db.read() as s:
        result = s.execute(select(Notification.state, func.count()).group_by(Notification.state))
        return {str(state): n for state, n in result}


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Poll ``condition`` (a loopback server and a background thread are involved)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.02)


def uk_phones(n: int, start: int = 0) -> list[str]:
    """Valid, distinct UK mobile numbers."""
    return [f"+4479{start + i:08d}" for i in range(n)]


def ago(minutes: float, now: datetime = T0) -> datetime:
    return now - timedelta(minutes=minutes)
