"""Inputs of "find a slot": the agent's and coach's queues, their intraday arrival curves from
the last 4 same weekdays, handle times, members' shifts, and what is already booked.

The curves are counted in SQL: contacts of the 28 local days before today, grouped by queue,
weekday and 15-minute interval of the local day, divided by 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.actions.coaching import busy_intervals
from db.models import Contact, Employee, Queue, QueueMember, Team
from db.queries.supervisor_access import agent_team, require_individual
from db.queries.supervisor_sql import at, elapsed_units
from desktop.core.coaching_slots import (
    INTERVAL_MINUTES,
    INTERVALS_PER_DAY,
    Participant,
    QueueForecast,
    Shift,
    SlotOption,
    rank_slots,
)
from desktop.core.identity import Actor

HISTORY_DAYS = 28  # exactly 4 of each weekday


@dataclass(frozen=True)
class SlotInputs:
    """Everything ``rank_slots`` needs, read for one agent and coach."""

    agent: Participant
    coach: Participant | None
    queues: tuple[QueueForecast, ...]
    busy: tuple[tuple[datetime, datetime], ...]
    tz: str
    history_from: date
    history_to: date


def _participant(session: Session, employee_id: int) -> Participant:
    emp = session.get(Employee, employee_id)
    if emp is None:
        raise ValueError(f"no employee {employee_id}")
    shift = (
        Shift(emp.shift_start, emp.shift_end, emp.shift_days or "12345")
        if emp.shift_start is not None and emp.shift_end is not None
        else None
    )
    queues = tuple(
        session.scalars(
            select(QueueMember.queue_id).where(QueueMember.employee_id == employee_id)
        ).all()
    )
    return Participant(emp.id, emp.full_name, shift, queues, bool(emp.takes_contacts))


def arrival_curves(
    session: Session, queue_ids: list[int], today: date, tz: str
) -> dict[int, dict[tuple[int, int], float]]:
    """Per queue: (ISO weekday, interval) -> mean contacts over the 4 same weekdays before
    ``today`` (local days in ``tz``)."""
    zone = ZoneInfo(tz)
    anchor = datetime.combine(today - timedelta(days=HISTORY_DAYS), time(0), zone)
    end = datetime.combine(today, time(0), zone)
    interval = elapsed_units(at(anchor), Contact.enqueued_at, INTERVAL_MINUTES * 60)
    day = interval / INTERVALS_PER_DAY
    stmt = (
        select(
            Contact.queue_id,
            (day % 7).label("d"),
            (interval % INTERVALS_PER_DAY).label("i"),
            func.count(),
        )
        .where(
            Contact.queue_id.in_(queue_ids),
            Contact.enqueued_at >= at(anchor),
            Contact.enqueued_at < at(end),
        )
        .group_by(Contact.queue_id, "d", "i")
    )
    first_weekday = anchor.date().isoweekday()
    out: dict[int, dict[tuple[int, int], float]] = {q: {} for q in queue_ids}
    for queue_id, day_mod, slot, count in session.execute(stmt):
        weekday = (first_weekday - 1 + int(day_mod)) % 7 + 1
        out[int(queue_id)][(weekday, int(slot))] = count / (HISTORY_DAYS / 7)
    return out


def handle_times(
    session: Session, queue_ids: list[int], since: datetime, until: datetime
) -> dict[int, float]:
    """Mean handle time per queue of contacts answered in the range."""
    c = Contact
    rows = session.execute(
        select(c.queue_id, func.avg(c.talk_seconds + c.hold_seconds + c.wrap_seconds))
        .where(c.queue_id.in_(queue_ids), c.answered_at >= at(since), c.answered_at < at(until))
        .group_by(c.queue_id)
    )
    # Whole seconds, as the Queues view's what-if takes them, so its figures match ours.
    return {int(q): float(round(v)) for q, v in rows if v is not None}


def slot_inputs(session: Session, actor: Actor, employee_id: int, now: datetime) -> SlotInputs:
    """Read the inputs for coaching ``employee_id`` with the actor as coach.

    Raises:
        AccessDenied: the actor may not coach this agent (supervisors of the team, admins).
    """
    require_individual(session, actor, employee_id)
    tz = session.scalar(select(Team.timezone).where(Team.id == agent_team(session, employee_id)))
    tz = tz or "UTC"
    agent = _participant(session, employee_id)
    coach = _participant(session, actor.employee_id) if actor.employee_id else None
    wanted = set(agent.queue_ids) | (
        set(coach.queue_ids) if coach and coach.takes_contacts else set()
    )
    queue_ids = sorted(wanted)
    today = now.astimezone(ZoneInfo(tz)).date()
    curves = arrival_curves(session, queue_ids, today, tz)
    history_start = datetime.combine(today - timedelta(days=HISTORY_DAYS), time(0), ZoneInfo(tz))
    ahts = handle_times(session, queue_ids, history_start, now)
    members: dict[int, list[tuple[int, Shift | None]]] = {q: [] for q in queue_ids}
    for queue_id, emp_id, start, end, days in session.execute(
        select(
            QueueMember.queue_id,
            Employee.id,
            Employee.shift_start,
            Employee.shift_end,
            Employee.shift_days,
        )
        .join(Employee, Employee.id == QueueMember.employee_id)
        .where(
            QueueMember.queue_id.in_(queue_ids),
            Employee.active.is_(True),
            Employee.takes_contacts.is_(True),
        )
    ):
        shift = Shift(start, end, days or "12345") if start is not None and end else None
        members[int(queue_id)].append((int(emp_id), shift))
    forecasts = []
    for q in session.scalars(select(Queue).where(Queue.id.in_(queue_ids)).order_by(Queue.name)):
        forecasts.append(
            QueueForecast(
                q.id,
                q.name,
                float(q.sl_threshold_seconds),
                ahts.get(q.id),
                float(q.shrinkage),
                curves.get(q.id, {}),
                tuple(members.get(q.id, ())),
                float(q.sl_target),
            )
        )
    people = [employee_id] + ([actor.employee_id] if actor.employee_id else [])
    busy = busy_intervals(session, people, now - timedelta(days=1), now + timedelta(days=14))
    return SlotInputs(
        agent,
        coach,
        tuple(forecasts),
        tuple(busy),
        tz,
        today - timedelta(days=HISTORY_DAYS),
        today - timedelta(days=1),
    )


def find_slots(
    session: Session,
    actor: Actor,
    employee_id: int,
    duration_minutes: int,
    now: datetime,
    working_days_ahead: int = 5,
) -> tuple[SlotInputs, list[SlotOption]]:
    """The inputs and every slot of today and the next working days, cheapest first."""
    inputs = slot_inputs(session, actor, employee_id, now)
    options = rank_slots(
        inputs.agent,
        inputs.coach,
        inputs.queues,
        duration_minutes,
        now,
        inputs.tz,
        working_days_ahead,
        inputs.busy,
    )
    return inputs, options
