"""A small, exactly known organisation for the supervisor query tests.

Two teams: Alpha (UTC) with a supervisor, a team lead and six agents; Beta with its own
supervisor and two agents; one admin. Figures are chosen so every expected value is easy to
state: agent 1 has CSAT 80 % now and 90 % before, AHT 6 minutes, occupancy 90 %, and his eSat
fell from 4.0 to 3.0.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from db import migrate
from db.engine import Database, sqlite_url
from db.models import (
    AgentStateLog,
    CoachingSession,
    Contact,
    Customer,
    CustomerSurvey,
    Employee,
    PulseSurvey,
    QaReview,
    QaReviewItem,
    QaRubric,
    QaRubricItem,
    Queue,
    QueueMember,
    Team,
    TeamManager,
    Ticket,
)
from db.queries.people import actor_for
from db.scratch import scratch_schema
from desktop.core.domain import (
    AgentState,
    Channel,
    CoachingStatus,
    Priority,
    Role,
    TicketStatus,
)
from desktop.core.identity import Actor
from desktop.core.periods import last_days

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday
PERIOD = last_days(30, NOW)


@dataclass(frozen=True)
class Org:
    alpha: int
    beta: int
    admin: Actor
    sup_a: Actor
    lead_a: Actor
    sup_b: Actor
    agent_actor: Actor
    agents: tuple[int, ...]  # Alpha's agents; agents[0] is "agent 1"
    beta_agents: tuple[int, ...]
    queue: int
    rubric: int
    items: tuple[int, int]
    coached_session: int  # agent 2's session, with notes, follow-up due today
    coached_notes: str


def _emp(s, username: str, role: Role, team: int | None, **kw) -> int:  # type: ignore[no-untyped-def]
    e = Employee(
        username=username,
        full_name=username.replace(".", " ").title(),
        role=role,
        team_id=team,
        shift_start=kw.pop("shift_start", time(9)),
        shift_end=kw.pop("shift_end", time(17)),
        shift_days="12345",
        takes_contacts=role == Role.AGENT,
        active=True,
        hire_date=date(2024, 1, 8),
        **kw,
    )
    s.add(e)
    s.flush()
    return e.id


def build(db: Database) -> Org:
    """Fill an empty database with the organisation above."""
    with db.write() as s:
        alpha = Team(name="Alpha", timezone="UTC", created_at=NOW - timedelta(days=900))
        beta = Team(name="Beta", timezone="Europe/Berlin", created_at=NOW - timedelta(days=900))
        s.add_all([alpha, beta])
        s.flush()
        _emp(s, "ada.admin", Role.ADMIN, None)
        sup_a = _emp(s, "sam.super", Role.SUPERVISOR, None)
        lead_a = _emp(s, "lee.lead", Role.TEAM_LEAD, alpha.id)
        sup_b = _emp(s, "bea.super", Role.SUPERVISOR, None)
        s.add_all(
            [
                TeamManager(team_id=alpha.id, employee_id=sup_a),
                TeamManager(team_id=alpha.id, employee_id=lead_a),
                TeamManager(team_id=beta.id, employee_id=sup_b),
            ]
        )
        agents = tuple(_emp(s, f"agent.{i}", Role.AGENT, alpha.id) for i in range(1, 7))
        beta_agents = tuple(_emp(s, f"beta.{i}", Role.AGENT, beta.id) for i in range(1, 3))
        queue = Queue(
            name="Alpha voice",
            channel=Channel.VOICE,
            team_id=alpha.id,
            timezone="UTC",
            sl_threshold_seconds=20,
            sl_target=0.8,
            shrinkage=0.0,
        )
        s.add(queue)
        s.flush()
        s.add_all([QueueMember(queue_id=queue.id, employee_id=a) for a in agents])
        customer = Customer(name="C", created_at=NOW - timedelta(days=400))
        s.add(customer)
        s.flush()
        cur, prev = PERIOD.start, PERIOD.previous_start
        a1 = agents[0]
        # Customer surveys: agent 1, 10 now (8 favourable), 10 before (9 favourable).
        for i in range(10):
            s.add(
                CustomerSurvey(
                    agent_id=a1,
                    answered_at=cur + timedelta(days=i + 1, hours=1),
                    csat=5 if i < 8 else 2,
                    nps=10 if i < 6 else 5,
                )
            )
            s.add(
                CustomerSurvey(
                    agent_id=a1,
                    answered_at=prev + timedelta(days=i + 1),
                    csat=4 if i < 9 else 1,
                    nps=9,
                )
            )
        # Tickets solved by agent 1 now: 10, 7 with one contact, 3 silent for 30 h (normal).
        for i in range(10):
            created = cur + timedelta(days=i + 1)
            s.add(
                Ticket(
                    customer_id=customer.id,
                    queue_id=queue.id,
                    subject=f"T{i}",
                    priority=Priority.NORMAL,
                    status=TicketStatus.SOLVED,
                    assignee_id=a1,
                    created_at=created,
                    updated_at=created + timedelta(hours=2),
                    first_response_at=created + timedelta(minutes=30),
                    solved_at=created + timedelta(hours=2),
                    contact_count=1 if i < 7 else 2,
                    longest_silence_seconds=30 * 3600.0 if i < 3 else 600.0,
                )
            )
        # Contacts: agent 1 handled 20 (6 minutes each).
        for i in range(20):
            t0 = cur + timedelta(days=1 + i // 2, hours=10, minutes=i)
            s.add(
                Contact(
                    queue_id=queue.id,
                    agent_id=a1,
                    enqueued_at=t0,
                    answered_at=t0 + timedelta(seconds=10),
                    ended_at=t0 + timedelta(seconds=370),
                    wait_seconds=10.0,
                    talk_seconds=300.0,
                    hold_seconds=0.0,
                    wrap_seconds=60.0,
                )
            )
        # States: agent 1, each of the last 5 weeks on Monday to Friday (two Mondays in
        # the newest partial week): busy 9 h, available 1 h, 09:00 to 19:00; overtime 2 h/day.
        for day in range(1, 35):
            d = (NOW - timedelta(days=day)).date()
            if d.isoweekday() > 5:
                continue
            start = datetime.combine(d, time(9), UTC)
            s.add(
                AgentStateLog(
                    employee_id=a1,
                    state=AgentState.BUSY,
                    started_at=start,
                    ended_at=start + timedelta(hours=9),
                )
            )
            s.add(
                AgentStateLog(
                    employee_id=a1,
                    state=AgentState.AVAILABLE,
                    started_at=start + timedelta(hours=9),
                    ended_at=start + timedelta(hours=10),
                )
            )
        # Pulse: every Alpha agent answers once a week; agent 1 fell from 4 to 3.
        for week in range(9):
            at = NOW - timedelta(days=7 * week + 3)
            for n, a in enumerate(agents):
                score = (3 if week < 4 else 4) if a == a1 else 4 + (n % 2)
                s.add(PulseSurvey(employee_id=a, answered_at=at, esat=score, enps=8))
        s.add(
            PulseSurvey(
                employee_id=a1, answered_at=NOW - timedelta(days=29, hours=12), esat=3, enps=6
            )
        )
        s.add(
            PulseSurvey(
                employee_id=a1, answered_at=NOW - timedelta(days=59, hours=12), esat=4, enps=6
            )
        )
        # Beta: two agents, 4 pulse answers in total (below the minimum).
        for n in range(4):
            s.add(
                PulseSurvey(
                    employee_id=beta_agents[n % 2], answered_at=NOW - timedelta(days=3 + n), esat=2
                )
            )
        # QA: a two-item rubric; agent 1 scored low on "Empathy" three times.
        rubric = QaRubric(name="Calls", pass_mark=0.5, active=True)
        s.add(rubric)
        s.flush()
        empathy = QaRubricItem(
            rubric_id=rubric.id,
            position=1,
            label="Empathy",
            weight=1.0,
            scale_min=0,
            scale_max=4,
            critical=False,
        )
        accuracy = QaRubricItem(
            rubric_id=rubric.id,
            position=2,
            label="Accuracy",
            weight=1.0,
            scale_min=0,
            scale_max=4,
            critical=True,
        )
        s.add_all([empathy, accuracy])
        s.flush()
        for i in range(3):
            r = QaReview(
                employee_id=a1,
                reviewer_id=lead_a,
                rubric_id=rubric.id,
                reviewed_at=cur + timedelta(days=5 + i),
                score_pct=62.5,
            )
            s.add(r)
            s.flush()
            s.add_all(
                [
                    QaReviewItem(review_id=r.id, item_id=empathy.id, selected=1),
                    QaReviewItem(review_id=r.id, item_id=accuracy.id, selected=4),
                ]
            )
        # Coaching: agent 2 coached 10 days ago by the supervisor; follow-up due today.
        notes = "Talked about a family matter; keep this private."
        session = CoachingSession(
            employee_id=agents[1],
            coach_id=sup_a,
            scheduled_at=NOW - timedelta(days=10),
            duration_minutes=30,
            status=CoachingStatus.HELD,
            topic="Call control",
            notes=notes,
            goals="Shorter holds",
            follow_up_date=NOW.date(),
            created_at=NOW - timedelta(days=10),
        )
        s.add(session)
        s.flush()
        coached = session.id
        ids = (alpha.id, beta.id, queue.id, rubric.id, empathy.id, accuracy.id)
    with db.read() as s:
        actors = {
            u: actor_for(s, u)
            for u in ("ada.admin", "sam.super", "lee.lead", "bea.super", "agent.1")
        }
    assert all(actors.values())
    return Org(
        ids[0],
        ids[1],
        actors["ada.admin"],
        actors["sam.super"],
        actors["lee.lead"],  # type: ignore[arg-type]
        actors["bea.super"],
        actors["agent.1"],
        agents,
        beta_agents,
        ids[2],
        ids[3],  # type: ignore[arg-type]
        (ids[4], ids[5]),
        coached,
        notes,
    )


@contextmanager
def database(kind: str, folder: Path) -> Iterator[Database]:
    """A migrated empty database of ``kind`` ("sqlite" or "postgres") for a module's tests.

    The same set-up as the ``sqlite_db`` and ``postgres_db`` fixtures, for module scope.
    """
    import os

    if kind == "sqlite":
        db = Database(sqlite_url(folder / "supervisor.db"))
        migrate.upgrade(db.engine)
        try:
            yield db
        finally:
            db.dispose()
        return
    base = os.environ.get("PROXIMITY_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("PostgreSQL tests need PROXIMITY_TEST_POSTGRES_URL (CI sets it)")
    with scratch_schema(base) as db:
        migrate.upgrade(db.engine)
        yield db
