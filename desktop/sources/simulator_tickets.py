"""The tickets side of the live demo: new tickets from contacts, replies, solves, surveys.

A mixin of the simulator's tick (``simulator_step._Tick``), kept apart so each file holds one
idea; it uses the tick's session, random source, memory and report.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.models import Customer, CustomerSurvey, Ticket, TicketEvent
from db.tables import OPEN_STATUS_SQL
from desktop.core.domain import AgentState, Priority, TicketEventKind, TicketStatus
from desktop.sources.demo_vocab import CUSTOMER_MESSAGES, PUBLIC_REPLIES, SUBJECTS
from desktop.sources.simulator_model import QueueProfile, poisson

if TYPE_CHECKING:
    from desktop.sources.simulator_step import SimMemory, StepReport, _Presence

PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
PRIORITY_WEIGHTS = (0.15, 0.55, 0.22, 0.08)
FRT_MINUTES = {Priority.LOW: 1440, Priority.NORMAL: 480, Priority.HIGH: 240, Priority.URGENT: 60}
RESOLUTION_MINUTES = {
    Priority.LOW: 10080,
    Priority.NORMAL: 4320,
    Priority.HIGH: 1440,
    Priority.URGENT: 480,
}
ALL_SUBJECTS = tuple(s for subjects in SUBJECTS.values() for s in subjects)


class TicketWork:
    """Ticket events of one tick (mixed into the tick, which sets these attributes)."""

    s: Session
    rng: random.Random
    now: datetime
    memory: SimMemory
    report: StepReport
    states: dict[int, _Presence]

    def random_customer(self, customers: tuple[int, int]) -> int | None:
        low, high = customers
        if high < low:
            return None
        pick = self.rng.randint(low, high)
        return self.s.scalar(
            select(Customer.id).where(Customer.id >= pick).order_by(Customer.id).limit(1)
        )

    def new_ticket(
        self, profile: QueueProfile, at: datetime, customer_id: int | None
    ) -> int | None:
        if customer_id is None:
            return None
        priority = self.rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        owner = (
            self.rng.choice(profile.members)
            if profile.members and self.rng.random() < 0.7
            else None
        )
        ticket = Ticket(
            customer_id=customer_id,
            queue_id=profile.queue_id,
            subject=self.rng.choice(ALL_SUBJECTS),
            priority=priority,
            status=TicketStatus.NEW,
            assignee_id=owner,
            created_at=at,
            updated_at=at,
            last_customer_message_at=at,
            frt_target_minutes=FRT_MINUTES[priority],
            resolution_target_minutes=RESOLUTION_MINUTES[priority],
            contact_count=1,
        )
        self.s.add(ticket)
        self.s.flush()
        self.s.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind=TicketEventKind.CREATED,
                at=at,
                body=self.rng.choice(CUSTOMER_MESSAGES),
            )
        )
        self.report.tickets_created += 1
        return ticket.id

    def work_tickets(self, dt: float) -> None:
        working = [e for e, p in self.states.items() if p.state != AgentState.OFFLINE]
        for _ in range(poisson(self.rng, len(working) * dt / 900.0)):
            agent = self.rng.choice(working)
            ids = self.s.scalars(
                select(Ticket.id)
                .where(Ticket.assignee_id == agent, text(f"tickets.{OPEN_STATUS_SQL}"))
                .order_by(func.coalesce(Ticket.last_heard_at, Ticket.created_at))
                .limit(5)
            ).all()
            if ids:
                self.touch_ticket(self.s.get_one(Ticket, self.rng.choice(ids)), agent)

    def touch_ticket(self, ticket: Ticket, agent: int) -> None:
        at = max(self.now, ticket.updated_at)
        if ticket.first_response_at is not None and self.rng.random() < 0.35:
            self.s.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    kind=TicketEventKind.STATUS_CHANGE,
                    actor_id=agent,
                    at=at,
                    old_value=ticket.status.value,
                    new_value=TicketStatus.SOLVED.value,
                )
            )
            ticket.status = TicketStatus.SOLVED
            ticket.solved_at = at
            if self.rng.random() < 0.35:
                self.memory.surveys[ticket.id] = at + timedelta(seconds=self.rng.uniform(120, 1800))
            self.report.solved += 1
        else:
            last = ticket.last_heard_at or ticket.created_at
            gap = max(0.0, (at - last).total_seconds())
            ticket.longest_silence_seconds = max(ticket.longest_silence_seconds or 0.0, gap)
            ticket.last_heard_at = at
            if ticket.first_response_at is None:
                ticket.first_response_at = at
            if ticket.status == TicketStatus.NEW:
                ticket.status = TicketStatus.OPEN
            elif self.rng.random() < 0.3:
                ticket.status = TicketStatus.PENDING
            self.s.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    kind=TicketEventKind.PUBLIC_REPLY,
                    actor_id=agent,
                    at=at,
                    body=self.rng.choice(PUBLIC_REPLIES),
                )
            )
            self.report.replies += 1
        ticket.updated_at = at

    def surveys(self) -> None:
        for ticket_id, due in list(self.memory.surveys.items()):
            if due > self.now:
                continue
            del self.memory.surveys[ticket_id]
            ticket = self.s.get(Ticket, ticket_id)
            if ticket is None:
                continue
            csat = self.rng.choices((1, 2, 3, 4, 5), (0.06, 0.06, 0.12, 0.36, 0.40))[0]
            self.s.add(
                CustomerSurvey(
                    ticket_id=ticket.id,
                    customer_id=ticket.customer_id,
                    agent_id=ticket.assignee_id,
                    answered_at=due,
                    csat=csat,
                    nps=min(10, max(0, round(csat * 2 + self.rng.gauss(0, 1.2)))),
                    resolved_first_time=ticket.contact_count <= 1,
                )
            )
            self.report.surveys += 1
