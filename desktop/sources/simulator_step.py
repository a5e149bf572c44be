"""One tick of the live demo simulator: contacts, agent presence, tickets and surveys.

``simulate_step`` runs inside the caller's write transaction and changes only the
``SimMemory`` it is given (a copy), so when the transaction fails (a locked database) the
caller drops the copy and nothing the database did not keep is remembered.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import (
    AgentStateLog,
    Contact,
    SourceStatus,
)
from desktop.core.domain import (
    AgentState,
    Channel,
)
from desktop.sources.simulator_model import (
    AgentProfile,
    QueueProfile,
    chance,
    lognormal_around,
    patience_seconds,
    pickup_delay_seconds,
    poisson,
)
from desktop.sources.simulator_tickets import TicketWork

SOURCE_NAME = "demo simulator"
MAX_STEP_SECONDS = 120.0  # after a pause (laptop asleep) the demo resumes, it does not flood
TICKET_SHARE = {Channel.EMAIL: 1.0, Channel.SMS: 0.5, Channel.CHAT: 0.2, Channel.VOICE: 0.1}


@dataclass(frozen=True)
class PlannedEnd:
    """A contact in progress: who handles it and how it ends."""

    agent_id: int
    end_at: datetime
    talk_s: float
    hold_s: float
    wrap_s: float


@dataclass
class SimMemory:
    """What the simulator decided but the database cannot hold (patience, planned ends)."""

    give_up: dict[int, datetime | None] = field(default_factory=dict)
    pickup: dict[int, datetime] = field(default_factory=dict)
    ends: dict[int, PlannedEnd] = field(default_factory=dict)
    surveys: dict[int, datetime] = field(default_factory=dict)
    reconciled: bool = False  # presence brought in line with the shifts since the last run

    def copy(self) -> SimMemory:
        return SimMemory(
            dict(self.give_up),
            dict(self.pickup),
            dict(self.ends),
            dict(self.surveys),
            self.reconciled,
        )


@dataclass
class StepReport:
    """What one tick did (for logs and tests)."""

    at: datetime
    arrived: int = 0
    answered: int = 0
    abandoned: int = 0
    ended: int = 0
    state_changes: int = 0
    tickets_created: int = 0
    replies: int = 0
    solved: int = 0
    surveys: int = 0


@dataclass
class _Presence:
    row_id: int
    state: AgentState
    since: datetime


def _current_states(session: Session) -> dict[int, _Presence]:
    out: dict[int, _Presence] = {}
    for row_id, employee_id, state, started in session.execute(
        select(
            AgentStateLog.id,
            AgentStateLog.employee_id,
            AgentStateLog.state,
            AgentStateLog.started_at,
        )
        .where(AgentStateLog.ended_at.is_(None))
        .order_by(AgentStateLog.started_at)
    ):
        out[employee_id] = _Presence(row_id, AgentState(state), started)
    return out


class _Tick(TicketWork):
    """The state of one tick while it runs (keeps the helpers' signatures short)."""

    def __init__(
        self,
        session: Session,
        memory: SimMemory,
        rng: random.Random,
        now: datetime,
        report: StepReport,
    ) -> None:
        self.s = session
        self.memory = memory
        self.rng = rng
        self.now = now
        self.report = report
        self.states = _current_states(session)

    # Presence ------------------------------------------------------------------------------
    def set_state(
        self, employee_id: int, state: AgentState, at: datetime, reason: str | None = None
    ) -> None:
        current = self.states.get(employee_id)
        if current is not None:
            at = max(at, current.since)
            if current.state == state:
                return
            self.s.execute(
                update(AgentStateLog).where(AgentStateLog.id == current.row_id).values(ended_at=at)
            )
        elif state == AgentState.OFFLINE:
            return
        row = AgentStateLog(employee_id=employee_id, state=state, reason=reason, started_at=at)
        self.s.add(row)
        self.s.flush()
        self.states[employee_id] = _Presence(row.id, state, at)
        self.report.state_changes += 1

    def state_of(self, employee_id: int) -> AgentState:
        current = self.states.get(employee_id)
        return current.state if current else AgentState.OFFLINE

    # Contacts ------------------------------------------------------------------------------
    def end_contacts(self, agents: dict[int, AgentProfile]) -> None:
        for contact_id, plan in sorted(self.memory.ends.items(), key=lambda kv: kv[1].end_at):
            if plan.end_at > self.now:
                continue
            self.s.execute(
                update(Contact)
                .where(Contact.id == contact_id)
                .values(
                    ended_at=plan.end_at,
                    talk_seconds=plan.talk_s,
                    hold_seconds=plan.hold_s,
                    wrap_seconds=plan.wrap_s,
                )
            )
            del self.memory.ends[contact_id]
            self.report.ended += 1
            if self.state_of(plan.agent_id) == AgentState.BUSY:
                profile = agents.get(plan.agent_id)
                going_home = profile is not None and not profile.on_shift(plan.end_at)
                if going_home and self.rng.random() < 0.5:
                    self.set_state(plan.agent_id, AgentState.OFFLINE, plan.end_at)
                else:
                    self.set_state(plan.agent_id, AgentState.AVAILABLE, plan.end_at)

    def remember_waiting(self, contact_id: int, enqueued: datetime, profile: QueueProfile) -> None:
        patience = patience_seconds(self.rng, profile)
        self.memory.give_up[contact_id] = (
            enqueued + timedelta(seconds=patience) if patience is not None else None
        )
        delay = pickup_delay_seconds(self.rng, profile)
        self.memory.pickup[contact_id] = enqueued + timedelta(seconds=delay)

    def forget(self, contact_id: int) -> None:
        self.memory.give_up.pop(contact_id, None)
        self.memory.pickup.pop(contact_id, None)

    def waiting(self, queues: dict[int, QueueProfile]) -> list[tuple[int, int, datetime]]:
        rows = self.s.execute(
            select(Contact.id, Contact.queue_id, Contact.enqueued_at)
            .where(Contact.answered_at.is_(None), Contact.abandoned_at.is_(None))
            .order_by(Contact.enqueued_at, Contact.id)
        ).all()
        out = []
        for contact_id, queue_id, enqueued in rows:
            profile = queues.get(queue_id)
            if profile is None:
                continue
            if contact_id not in self.memory.pickup:  # waiting since before this run
                self.remember_waiting(contact_id, enqueued, profile)
            out.append((contact_id, queue_id, enqueued))
        return out

    def abandon(self, waiting: list[tuple[int, int, datetime]]) -> list[tuple[int, int, datetime]]:
        kept = []
        for contact_id, queue_id, enqueued in waiting:
            give_up = self.memory.give_up.get(contact_id)
            if give_up is not None and give_up <= self.now:
                self.s.execute(
                    update(Contact)
                    .where(Contact.id == contact_id)
                    .values(abandoned_at=give_up, wait_seconds=(give_up - enqueued).total_seconds())
                )
                self.forget(contact_id)
                self.report.abandoned += 1
            else:
                kept.append((contact_id, queue_id, enqueued))
        return kept

    def arrive(
        self, queues: Sequence[QueueProfile], since: datetime, dt: float, customers: tuple[int, int]
    ) -> list[tuple[int, int, datetime]]:
        new: list[tuple[Contact, QueueProfile]] = []
        for profile in queues:
            for _ in range(poisson(self.rng, profile.rate_per_second(self.now) * dt)):
                offset = self.rng.uniform(0.0, dt)
                at = min(self.now, since + timedelta(seconds=offset))
                contact = Contact(queue_id=profile.queue_id, enqueued_at=at)
                self.s.add(contact)
                new.append((contact, profile))
        if not new:
            return []
        self.s.flush()
        out = []
        for contact, profile in new:
            self.remember_waiting(contact.id, contact.enqueued_at, profile)
            if self.rng.random() < TICKET_SHARE.get(profile.channel, 0.0):
                contact.customer_id = self.random_customer(customers)
                contact.ticket_id = self.new_ticket(
                    profile, contact.enqueued_at, contact.customer_id
                )
            out.append((contact.id, profile.queue_id, contact.enqueued_at))
            self.report.arrived += 1
        return out

    def answer(
        self, waiting: list[tuple[int, int, datetime]], queues: dict[int, QueueProfile]
    ) -> None:
        engaged = {plan.agent_id for plan in self.memory.ends.values()}
        idle = {
            emp: p.since
            for emp, p in self.states.items()
            if p.state == AgentState.AVAILABLE and emp not in engaged
        }
        for contact_id, queue_id, enqueued in sorted(waiting, key=lambda w: (w[2], w[0])):
            profile = queues[queue_id]
            ready = self.memory.pickup.get(contact_id, enqueued)
            if ready > self.now:
                continue
            candidates = [a for a in profile.members if a in idle]
            if not candidates:
                continue
            agent = min(candidates, key=lambda a: (idle[a], a))  # the longest idle
            answered = min(self.now, max(ready, idle.pop(agent)))
            give_up = self.memory.give_up.get(contact_id)
            if give_up is not None and give_up <= answered:
                continue  # hangs up first; the next tick records the abandon
            talk = lognormal_around(self.rng, profile.talk_s, profile.model.talk_sigma)
            hold = lognormal_around(self.rng, profile.hold_s, 0.8)
            wrap = lognormal_around(self.rng, profile.wrap_s, 0.5)
            self.s.execute(
                update(Contact)
                .where(Contact.id == contact_id)
                .values(
                    answered_at=answered,
                    agent_id=agent,
                    wait_seconds=max(0.0, (answered - enqueued).total_seconds()),
                )
            )
            self.forget(contact_id)
            end = answered + timedelta(seconds=talk + hold + wrap)
            self.memory.ends[contact_id] = PlannedEnd(agent, end, talk, hold, wrap)
            self.set_state(agent, AgentState.BUSY, answered)
            self.report.answered += 1

    # Presence over a shift -------------------------------------------------------------------
    def reconcile(self, agents: Sequence[AgentProfile]) -> None:
        """First tick of a run: the demo (or the last run) stopped hours ago, so log agents
        out at the end of their shift and in at its start, as if the day had gone on."""
        engaged = {plan.agent_id for plan in self.memory.ends.values()}
        for agent in agents:
            current = self.states.get(agent.employee_id)
            if current is None or agent.employee_id in engaged:
                continue
            if agent.on_shift(self.now):
                start = agent.current_shift_start(self.now)
                if current.state == AgentState.OFFLINE and start is not None:
                    late = timedelta(minutes=self.rng.uniform(0, 10))
                    self.set_state(
                        agent.employee_id, AgentState.AVAILABLE, min(self.now, start + late)
                    )
            elif current.state != AgentState.OFFLINE:
                end = agent.last_shift_end(self.now)
                stay = timedelta(minutes=self.rng.uniform(0, 15))  # a little overtime
                at = (
                    min(self.now, end + stay)
                    if end is not None and end > current.since
                    else self.now
                )
                self.set_state(agent.employee_id, AgentState.OFFLINE, at)

    def presence(self, agents: Sequence[AgentProfile], dt: float) -> None:
        engaged = {plan.agent_id for plan in self.memory.ends.values()}
        for agent in agents:
            state = self.state_of(agent.employee_id)
            on_shift = agent.on_shift(self.now)
            if state == AgentState.BUSY and agent.employee_id not in engaged:
                self.set_state(agent.employee_id, AgentState.AVAILABLE, self.now)  # stale row
            elif state == AgentState.OFFLINE and on_shift and chance(self.rng, dt, 240):
                self.set_state(agent.employee_id, AgentState.AVAILABLE, self.now)
            elif state == AgentState.AVAILABLE and not on_shift and chance(self.rng, dt, 600):
                self.set_state(agent.employee_id, AgentState.OFFLINE, self.now)
            elif state == AgentState.AVAILABLE and on_shift and chance(self.rng, dt, 9000):
                reason = "break" if self.rng.random() < 0.8 else "training"
                self.set_state(agent.employee_id, AgentState.AWAY, self.now, reason)
            elif state == AgentState.AWAY and chance(self.rng, dt, 900):
                back = AgentState.AVAILABLE if on_shift else AgentState.OFFLINE
                self.set_state(agent.employee_id, back, self.now)


def simulate_step(
    session: Session,
    queues: Sequence[QueueProfile],
    agents: Sequence[AgentProfile],
    memory: SimMemory,
    rng: random.Random,
    since: datetime,
    now: datetime,
    customers: tuple[int, int],
) -> StepReport:
    """Advance the demo from ``since`` to ``now`` inside the caller's write transaction.

    Args:
        session: a write session (one small transaction per tick).
        queues / agents: the profiles from ``simulator_model``.
        memory: patience and planned ends; changed in place (pass a copy).
        rng: the random source (seeded in tests).
        since / now: the tick's interval.
        customers: (lowest, highest) customer id, for the tickets new contacts open.
    """
    report = StepReport(now)
    tick = _Tick(session, memory, rng, now, report)
    dt = min(MAX_STEP_SECONDS, max(0.0, (now - since).total_seconds()))
    by_id = {q.queue_id: q for q in queues}
    tick.end_contacts({a.employee_id: a for a in agents})
    if not memory.reconciled:
        tick.reconcile(agents)
        memory.reconciled = True
    waiting = tick.abandon(tick.waiting(by_id))
    waiting += tick.arrive(queues, now - timedelta(seconds=dt), dt, customers)
    tick.presence(agents, dt)
    tick.answer(waiting, by_id)
    tick.work_tickets(dt)
    tick.surveys()
    status = session.get(SourceStatus, SOURCE_NAME) or SourceStatus(name=SOURCE_NAME)
    status.last_attempt_at = now
    status.last_success_at = now
    status.last_error = None
    session.add(status)
    return report
