"""Coaching actions: log and book sessions, follow-ups, notes (read and edit), all audited.

Each function runs in the caller's write transaction and checks access with the acting user
first: only supervisors of the agent's team and admins may log, book, read or edit coaching
sessions. Notes are confidential, so the audit rows record their length and a fingerprint,
never their text. QA reviews and the rubric are in ``db.actions.qa``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from db.audit import record
from db.errors import DatabaseError
from db.models import CoachingSession, Employee, Ticket
from db.queries.supervisor_access import require_individual
from desktop.core.domain import CoachingStatus
from desktop.core.identity import Actor

MAX_TOPIC = 200
MAX_TEXT = 20_000


class CoachingRefused(DatabaseError):
    """The entry cannot be saved as it is; ``user_message`` says what to fix."""


@dataclass(frozen=True)
class SessionInput:
    """A coaching session as the coach enters it.

    Attributes:
        held_at: when it took place (timezone-aware).
        planned_session_id: the booked session this one completes, if any.
        follows_up_session_id: an earlier session whose follow-up this one is.
    """

    employee_id: int
    topic: str
    held_at: datetime
    duration_minutes: int = 30
    notes: str = ""
    goals: str = ""
    follow_up_date: date | None = None
    linked_flags: tuple[str, ...] = ()
    linked_ticket_ids: tuple[int, ...] = ()
    planned_session_id: int | None = None
    follows_up_session_id: int | None = None


@dataclass(frozen=True)
class SessionNotes:
    """The confidential part of a session."""

    session_id: int
    scheduled_at: datetime
    topic: str
    notes: str | None
    goals: str | None
    linked_flags: tuple[str, ...] = field(default_factory=tuple)


def fingerprint(text: str | None) -> dict[str, object]:
    """What the audit log keeps of a confidential text: its length and a short hash."""
    body = text or ""
    return {"chars": len(body), "sha256": hashlib.sha256(body.encode()).hexdigest()[:12]}


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _check_text(name: str, value: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise CoachingRefused(f"The {name} is too long ({len(value):,} characters; max {limit:,}).")
    return value


def _check_duration(minutes: int) -> None:
    if not 5 <= minutes <= 480:
        raise CoachingRefused(f"A session lasts 5 to 480 minutes, not {minutes}.")


def _check_tickets(session: Session, ticket_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(ticket_ids))
    if not wanted:
        return []
    found = set(session.scalars(select(Ticket.id).where(Ticket.id.in_(wanted))).all())
    missing = [t for t in wanted if t not in found]
    if missing:
        shown = ", ".join(f"#{t}" for t in missing)
        raise CoachingRefused(f"No ticket {shown}: check the linked ticket numbers.")
    return wanted


def _own_session(session: Session, session_id: int, employee_id: int | None = None):  # type: ignore[no-untyped-def]
    row = session.get(CoachingSession, session_id)
    if row is None:
        raise CoachingRefused(f"Coaching session #{session_id} no longer exists.")
    if employee_id is not None and row.employee_id != employee_id:
        raise CoachingRefused(f"Coaching session #{session_id} is about someone else.")
    return row


def log_session(
    session: Session, actor: Actor, data: SessionInput, now: datetime | None = None
) -> int:
    """Record a held session (or complete a booked one); returns its id.

    Raises:
        AccessDenied: the actor is not a supervisor of the agent's team nor an admin.
        CoachingRefused: missing topic, a future date, a follow-up before the session,
            unknown tickets, a booked session that is not this agent's or not planned.
    """
    at = _now(now)
    require_individual(session, actor, data.employee_id)
    topic = _check_text("topic", data.topic, MAX_TOPIC)
    if not topic:
        raise CoachingRefused("Give the session a topic.")
    notes = _check_text("notes", data.notes, MAX_TEXT)
    goals = _check_text("goals", data.goals, MAX_TEXT)
    _check_duration(data.duration_minutes)
    if data.held_at.tzinfo is None:
        raise CoachingRefused("The session time has no time zone.")
    if data.held_at > at + timedelta(minutes=5):
        raise CoachingRefused("A held session cannot be in the future; book it instead.")
    if data.follow_up_date is not None and data.follow_up_date < data.held_at.date():
        raise CoachingRefused("The follow-up date is before the session.")
    tickets = _check_tickets(session, data.linked_ticket_ids)
    if data.planned_session_id is not None:
        row = _own_session(session, data.planned_session_id, data.employee_id)
        if row.status != CoachingStatus.PLANNED:
            raise CoachingRefused("That booked session was already held or cancelled.")
        row.status = CoachingStatus.HELD
        row.coach_id = actor.employee_id
    else:
        row = CoachingSession(
            employee_id=data.employee_id,
            coach_id=actor.employee_id,
            status=CoachingStatus.HELD,
            created_at=at,
        )
        session.add(row)
    row.scheduled_at = data.held_at
    row.duration_minutes = data.duration_minutes
    row.topic = topic
    row.notes = notes or None
    row.goals = goals or None
    row.follow_up_date = data.follow_up_date
    row.linked_flags = list(data.linked_flags) or None
    row.linked_ticket_ids = tickets or None
    if data.follows_up_session_id is not None:
        earlier = _own_session(session, data.follows_up_session_id, data.employee_id)
        earlier.follow_up_done_at = at
    session.flush()
    record(
        session,
        actor,
        "coaching.log",
        "coaching_session",
        row.id,
        None,
        {
            "employee_id": data.employee_id,
            "topic": topic,
            "held_at": data.held_at,
            "follow_up_date": str(data.follow_up_date) if data.follow_up_date else None,
            "notes": fingerprint(notes),
            "goals": fingerprint(goals),
            "linked_flags": list(data.linked_flags),
            "linked_ticket_ids": tickets,
            "completes": data.planned_session_id,
            "follows_up": data.follows_up_session_id,
        },
        at,
    )
    return row.id


def book_session(
    session: Session,
    actor: Actor,
    employee_id: int,
    start: datetime,
    duration_minutes: int,
    topic: str,
    now: datetime | None = None,
) -> int:
    """Book a planned session for the agent with the actor as coach; returns its id.

    Raises:
        AccessDenied: as ``log_session``.
        CoachingRefused: a start in the past, or the agent or the coach already booked then.
    """
    at = _now(now)
    require_individual(session, actor, employee_id)
    _check_duration(duration_minutes)
    topic = _check_text("topic", topic, MAX_TOPIC) or "Coaching session"
    if start <= at:
        raise CoachingRefused("That slot has already started; pick a later one.")
    end = start + timedelta(minutes=duration_minutes)
    people = [employee_id] + ([actor.employee_id] if actor.employee_id else [])
    clash = busy_intervals(session, people, start - timedelta(hours=8), end)
    for other_start, other_end in clash:
        if other_start < end and start < other_end:
            raise CoachingRefused(
                "The agent or you already have a session booked at that time; "
                "the list has been refreshed."
            )
    row = CoachingSession(
        employee_id=employee_id,
        coach_id=actor.employee_id,
        scheduled_at=start,
        duration_minutes=duration_minutes,
        status=CoachingStatus.PLANNED,
        topic=topic,
        created_at=at,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "coaching.book",
        "coaching_session",
        row.id,
        None,
        {"employee_id": employee_id, "scheduled_at": start, "duration": duration_minutes},
        at,
    )
    return row.id


def busy_intervals(
    session: Session, people: Sequence[int], since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """Planned sessions of any of ``people`` (as agent or coach) starting in the range."""
    cs = CoachingSession
    rows = session.execute(
        select(cs.scheduled_at, cs.duration_minutes).where(
            or_(cs.employee_id.in_(people), cs.coach_id.in_(people)),
            cs.status == CoachingStatus.PLANNED.value,
            and_(cs.scheduled_at >= since, cs.scheduled_at < until),
        )
    ).all()
    return [(s, s + timedelta(minutes=d)) for s, d in rows]


def cancel_session(
    session: Session, actor: Actor, session_id: int, now: datetime | None = None
) -> None:
    """Cancel a booked session."""
    row = _own_session(session, session_id)
    require_individual(session, actor, row.employee_id)
    if row.status != CoachingStatus.PLANNED:
        raise CoachingRefused("Only a booked (planned) session can be cancelled.")
    row.status = CoachingStatus.CANCELLED
    record(
        session,
        actor,
        "coaching.cancel",
        "coaching_session",
        row.id,
        {"status": "planned"},
        {"status": "cancelled"},
        _now(now),
    )


def mark_follow_up_done(
    session: Session, actor: Actor, session_id: int, now: datetime | None = None
) -> None:
    """Mark a session's follow-up done, which ends its reminders."""
    at = _now(now)
    row = _own_session(session, session_id)
    require_individual(session, actor, row.employee_id)
    if row.follow_up_date is None:
        raise CoachingRefused("That session has no follow-up.")
    row.follow_up_done_at = at
    record(
        session,
        actor,
        "coaching.follow_up_done",
        "coaching_session",
        row.id,
        {"follow_up_done_at": None},
        {"follow_up_done_at": at},
        at,
    )


def edit_notes(
    session: Session,
    actor: Actor,
    session_id: int,
    notes: str,
    goals: str,
    follow_up_date: date | None,
    now: datetime | None = None,
) -> None:
    """Change a session's notes, goals and follow-up date (audited by fingerprint)."""
    row = _own_session(session, session_id)
    require_individual(session, actor, row.employee_id)
    notes = _check_text("notes", notes, MAX_TEXT)
    goals = _check_text("goals", goals, MAX_TEXT)
    if follow_up_date is not None and follow_up_date < row.scheduled_at.date():
        raise CoachingRefused("The follow-up date is before the session.")
    before = {
        "notes": fingerprint(row.notes),
        "goals": fingerprint(row.goals),
        "follow_up_date": str(row.follow_up_date) if row.follow_up_date else None,
    }
    row.notes, row.goals, row.follow_up_date = notes or None, goals or None, follow_up_date
    after = {
        "notes": fingerprint(row.notes),
        "goals": fingerprint(row.goals),
        "follow_up_date": str(follow_up_date) if follow_up_date else None,
    }
    record(
        session,
        actor,
        "coaching.notes_edited",
        "coaching_session",
        row.id,
        before,
        after,
        _now(now),
    )


def read_notes(
    session: Session, actor: Actor, employee_id: int, now: datetime | None = None
) -> tuple[SessionNotes, ...]:
    """The agent's coaching notes and goals, newest first; the reading itself is audited.

    Run it in a write transaction: the audit row commits with the read.

    Raises:
        AccessDenied: the actor is not a supervisor of the agent's team nor an admin.
    """
    require_individual(session, actor, employee_id)
    cs = CoachingSession
    rows = session.execute(
        select(cs.id, cs.scheduled_at, cs.topic, cs.notes, cs.goals, cs.linked_flags)
        .where(cs.employee_id == employee_id, cs.status != CoachingStatus.CANCELLED.value)
        .order_by(cs.scheduled_at.desc())
    ).all()
    name = session.scalar(select(Employee.full_name).where(Employee.id == employee_id))
    record(
        session,
        actor,
        "coaching.notes_viewed",
        "employee",
        employee_id,
        None,
        {"employee": name, "sessions": [int(r[0]) for r in rows]},
        _now(now),
    )
    return tuple(
        SessionNotes(int(i), at, topic, notes, goals, tuple(flags or ()))
        for i, at, topic, notes, goals, flags in rows
    )
