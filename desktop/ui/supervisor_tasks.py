"""Work the supervisor view runs off the GUI thread: module-level functions that open their
own session, check access with the acting user (in the queries) and return plain data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from db.actions import coaching as coaching_actions
from db.actions import qa as qa_actions
from db.engine import Database
from db.queries import supervisor_agent, supervisor_slots, supervisor_trace
from db.queries.supervisor import SupervisorSnapshot, supervisor_snapshot
from db.queries.supervisor_access import AccessDenied, team_choices
from desktop.core.coaching import CoachingThresholds
from desktop.core.identity import Actor
from desktop.core.periods import Period, PeriodKind, make_period
from desktop.core.scorecard import Metric


@dataclass(frozen=True)
class PeriodChoice:
    """What the period selector says; the period itself depends on ``now`` and the zone."""

    kind: PeriodKind = PeriodKind.LAST_30
    first: date | None = None
    last: date | None = None

    def period(self, now: datetime, tz: str) -> Period:
        return make_period(self.kind, now, tz, self.first, self.last)


@dataclass(frozen=True)
class NoTeams:
    """The actor may open no team: what to tell them instead of figures."""

    at: datetime
    message: str


def load_snapshot(
    db: Database,
    actor: Actor,
    team_ids: Sequence[int] | None,
    choice: PeriodChoice,
    now: Callable[[], datetime],
    thresholds: CoachingThresholds,
) -> SupervisorSnapshot | NoTeams:
    """The view's snapshot, or ``NoTeams`` for someone who supervises and leads nothing."""
    at = now()
    with db.read() as session:
        choices = team_choices(session, actor) if actor.is_known else []
        if not choices:
            return NoTeams(
                at,
                f"The supervisor view shows team figures to team leads, supervisors and admins. "
                f"You are signed in as {actor.label}.",
            )
        wanted = [t for t in (team_ids or []) if t in {c.team_id for c in choices}]
        tz = next((c.timezone for c in choices if c.team_id in wanted), choices[0].timezone)
        period = choice.period(at, tz)
        return supervisor_snapshot(session, actor, wanted or None, period, at, thresholds)


def load_agent_page(
    db: Database,
    actor: Actor,
    employee_id: int,
    period: Period,
    now: datetime,
    thresholds: CoachingThresholds,
) -> supervisor_agent.AgentPage:
    with db.read() as session:
        return supervisor_agent.agent_page(session, actor, employee_id, period, now, thresholds)


def load_trace(
    db: Database,
    actor: Actor,
    metric: Metric,
    start: datetime,
    end: datetime,
    now: datetime,
    team_ids: Sequence[int],
    employee_id: int | None,
    thresholds: CoachingThresholds,
) -> supervisor_trace.TraceTable:
    with db.read() as session:
        return supervisor_trace.rows_behind(
            session, actor, metric, start, end, now, team_ids, employee_id, thresholds
        )


def load_notes(
    db: Database, actor: Actor, employee_id: int
) -> tuple[coaching_actions.SessionNotes, ...]:
    """Coaching notes: an audited read, so it runs in a write transaction."""
    with db.write() as session:
        return coaching_actions.read_notes(session, actor, employee_id)


def log_session(db: Database, actor: Actor, data: coaching_actions.SessionInput) -> int:
    with db.write() as session:
        return coaching_actions.log_session(session, actor, data)


def book_session(
    db: Database,
    actor: Actor,
    employee_id: int,
    start: datetime,
    minutes: int,
    topic: str,
    now: datetime | None = None,
) -> int:
    with db.write() as session:
        return coaching_actions.book_session(
            session, actor, employee_id, start, minutes, topic, now
        )


def edit_notes(
    db: Database,
    actor: Actor,
    session_id: int,
    notes: str,
    goals: str,
    follow_up: date | None,
) -> None:
    with db.write() as session:
        coaching_actions.edit_notes(session, actor, session_id, notes, goals, follow_up)


def mark_follow_up_done(db: Database, actor: Actor, session_id: int) -> None:
    with db.write() as session:
        coaching_actions.mark_follow_up_done(session, actor, session_id)


def load_rubrics(db: Database) -> tuple[qa_actions.RubricRow, ...]:
    with db.read() as session:
        return qa_actions.rubrics(session)


def save_review(
    db: Database,
    actor: Actor,
    employee_id: int,
    rubric_id: int,
    selections: dict[int, int],
    ticket_id: int | None,
    comment: str,
) -> tuple[int, float]:
    with db.write() as session:
        return qa_actions.record_qa_review(
            session, actor, employee_id, rubric_id, selections, ticket_id, comment
        )


def save_rubric(db: Database, actor: Actor, data: qa_actions.RubricInput) -> int:
    with db.write() as session:
        return qa_actions.save_rubric(session, actor, data)


def load_slots(
    db: Database, actor: Actor, employee_id: int, minutes: int, now: datetime
) -> tuple[supervisor_slots.SlotInputs, list]:  # type: ignore[type-arg]
    with db.read() as session:
        return supervisor_slots.find_slots(session, actor, employee_id, minutes, now)


def load_sessions(
    db: Database, actor: Actor, employee_id: int
) -> list[supervisor_agent.SessionRow]:
    with db.read() as session:
        return supervisor_agent.agent_sessions(session, actor, employee_id)


__all__ = ["AccessDenied"]
