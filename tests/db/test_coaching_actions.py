"""Coaching and QA actions on SQLite and PostgreSQL: validation, access, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.actions.coaching import (
    CoachingRefused,
    SessionInput,
    book_session,
    cancel_session,
    edit_notes,
    log_session,
    mark_follow_up_done,
)
from db.actions.qa import RubricInput, RubricItemInput, record_qa_review, save_rubric
from db.engine import Database
from db.models import AuditLog, CoachingSession, QaReview, QaRubricItem
from db.queries.supervisor_access import AccessDenied
from db.queries.supervisor_facts import due_follow_ups
from desktop.core.domain import CoachingStatus
from tests.db import supervisor_data as sd
from tests.db.supervisor_data import NOW, Org


@pytest.fixture
def org(any_db: Database) -> Org:
    return sd.build(any_db)


def _audits(db: Database, action: str) -> list[AuditLog]:
    with db.read() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_booking_refuses_the_past_and_double_bookings(any_db: Database, org: Org) -> None:
    agent = org.agents[0]
    start = NOW + timedelta(days=1)
    with any_db.write() as s:
        booked = book_session(s, org.sup_a, agent, start, 30, "Holds", NOW)
    with pytest.raises(CoachingRefused, match="already started"), any_db.write() as s:
        book_session(s, org.sup_a, agent, NOW - timedelta(minutes=1), 30, "x", NOW)
    with pytest.raises(CoachingRefused, match="already have a session"), any_db.write() as s:
        book_session(s, org.sup_a, org.agents[2], start + timedelta(minutes=15), 30, "x", NOW)
    with pytest.raises(AccessDenied), any_db.write() as s:
        book_session(s, org.lead_a, agent, start + timedelta(hours=3), 30, "x", NOW)
    with any_db.write() as s:
        cancel_session(s, org.sup_a, booked, NOW)
    with any_db.write() as s:  # the slot is free again
        book_session(s, org.sup_a, org.agents[2], start, 30, "x", NOW)
    assert len(_audits(any_db, "coaching.book")) == 2 and _audits(any_db, "coaching.cancel")


def test_logging_completes_a_booking_and_closes_a_follow_up(any_db: Database, org: Org) -> None:
    agent2 = org.agents[1]
    with any_db.write() as s:
        planned = book_session(s, org.sup_a, agent2, NOW + timedelta(hours=2), 30, "Holds", NOW)
    held = SessionInput(
        agent2,
        "Holds follow-up",
        NOW + timedelta(hours=2, minutes=30),
        planned_session_id=planned,
        follows_up_session_id=org.coached_session,
    )
    with any_db.write() as s:
        assert log_session(s, org.sup_a, held, NOW + timedelta(hours=3)) == planned
    with any_db.read() as s:
        row = s.get(CoachingSession, planned)
        first = s.get(CoachingSession, org.coached_session)
        assert row is not None and row.status == CoachingStatus.HELD
        assert first is not None and first.follow_up_done_at is not None
        assert due_follow_ups(s, org.sup_a, NOW.date()) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"topic": "  "}, "topic"),
        ({"held_at": NOW + timedelta(days=2)}, "future"),
        ({"follow_up_date": (NOW - timedelta(days=3)).date()}, "before the session"),
        ({"linked_ticket_ids": (999_999,)}, "No ticket #999999"),
        ({"duration_minutes": 600}, "5 to 480 minutes"),
        ({"notes": "x" * 20_001}, "too long"),
    ],
)
def test_bad_session_entries_are_refused_and_nothing_is_written(
    any_db: Database,
    org: Org,
    change: dict,
    message: str,  # type: ignore[type-arg]
) -> None:
    base = {"employee_id": org.agents[0], "topic": "Empathy", "held_at": NOW}
    with any_db.read() as s:
        before = s.scalar(select(func.count()).select_from(CoachingSession))
    with pytest.raises(CoachingRefused, match=message), any_db.write() as s:
        log_session(s, org.sup_a, SessionInput(**{**base, **change}), NOW)
    with any_db.read() as s:
        assert s.scalar(select(func.count()).select_from(CoachingSession)) == before
    assert _audits(any_db, "coaching.log") == []


def test_follow_up_done_and_note_edits_are_audited_by_fingerprint(
    any_db: Database, org: Org
) -> None:
    with any_db.read() as s:
        assert [f.session_id for f in due_follow_ups(s, org.sup_a, NOW.date())] == [
            org.coached_session
        ]
    with pytest.raises(AccessDenied), any_db.write() as s:
        edit_notes(s, org.lead_a, org.coached_session, "peek", "", None, NOW)
    with any_db.write() as s:
        edit_notes(s, org.sup_a, org.coached_session, "New private words", "Goal", NOW.date(), NOW)
        mark_follow_up_done(s, org.sup_a, org.coached_session, NOW)
    edit = _audits(any_db, "coaching.notes_edited")[0]
    assert "New private words" not in str(edit.after) and edit.after["notes"]["chars"] == 17
    assert org.coached_notes not in str(edit.before)
    assert _audits(any_db, "coaching.follow_up_done")
    with any_db.read() as s:
        assert due_follow_ups(s, org.sup_a, NOW.date()) == []


def test_qa_review_validation_and_score(any_db: Database, org: Org) -> None:
    empathy, accuracy = org.items
    with pytest.raises(CoachingRefused, match="Score the item 'Accuracy'"), any_db.write() as s:
        record_qa_review(s, org.lead_a, org.agents[0], org.rubric, {empathy: 2}, now=NOW)
    with pytest.raises(CoachingRefused, match="takes 0 to 4"), any_db.write() as s:
        record_qa_review(
            s, org.lead_a, org.agents[0], org.rubric, {empathy: 5, accuracy: 4}, now=NOW
        )
    with pytest.raises(CoachingRefused, match="No ticket"), any_db.write() as s:
        record_qa_review(
            s,
            org.lead_a,
            org.agents[0],
            org.rubric,
            {empathy: 2, accuracy: 4},
            ticket_id=10**8,
            now=NOW,
        )
    with pytest.raises(AccessDenied), any_db.write() as s:
        record_qa_review(
            s, org.sup_b, org.agents[0], org.rubric, {empathy: 2, accuracy: 4}, now=NOW
        )
    with any_db.write() as s:
        review_id, score = record_qa_review(
            s,
            org.lead_a,
            org.agents[0],
            org.rubric,
            {empathy: 2, accuracy: 4},
            comment="ok",
            now=NOW,
        )
    assert score == pytest.approx(75.0)
    with any_db.write() as s:
        _, failed = record_qa_review(
            s, org.lead_a, org.agents[0], org.rubric, {empathy: 4, accuracy: 1}, now=NOW
        )
    assert failed == 0.0  # the critical item failed
    with any_db.read() as s:
        assert s.get(QaReview, review_id).score_pct == pytest.approx(75.0)  # type: ignore[union-attr]


def test_rubric_edits_retire_used_items_and_keep_their_scale(any_db: Database, org: Org) -> None:
    empathy, accuracy = org.items
    items = (
        RubricItemInput(accuracy, "Accuracy of the answer", 2.0, 0, 4, True),
        RubricItemInput(None, "Greeting", 1.0, 0, 1, False),
    )
    with pytest.raises(AccessDenied), any_db.write() as s:
        save_rubric(s, org.lead_a, RubricInput(org.rubric, "Calls", 0.5, items), NOW)
    changed_scale = (RubricItemInput(empathy, "Empathy", 1.0, 1, 5, False),)
    with pytest.raises(CoachingRefused, match="scale cannot change"), any_db.write() as s:
        save_rubric(s, org.sup_a, RubricInput(org.rubric, "Calls", 0.5, changed_scale), NOW)
    with any_db.write() as s:
        save_rubric(s, org.sup_a, RubricInput(org.rubric, "Calls", 0.6, items), NOW)
    with any_db.read() as s:
        rows = {
            i.label: i
            for i in s.scalars(select(QaRubricItem).where(QaRubricItem.rubric_id == org.rubric))
        }
    assert not rows["Empathy"].active  # used by reviews: retired, not deleted
    assert rows["Accuracy of the answer"].weight == 2.0 and rows["Greeting"].active
    audit = _audits(any_db, "qa.rubric_edit")[-1]
    assert audit.before["pass_mark"] == 0.5 and audit.after["pass_mark"] == 0.6
    for bad, message in (
        ((), "at least one item"),
        ((RubricItemInput(None, "A", 1, 2, 2, False),), "top of the scale"),
        ((RubricItemInput(None, "A", 1), RubricItemInput(None, "a", 1)), "same label"),
        ((RubricItemInput(None, "A", 0.0),), "weight above 0"),
    ):
        with pytest.raises(CoachingRefused, match=message), any_db.write() as s:
            save_rubric(s, org.sup_a, RubricInput(None, "New", 0.5, bad), NOW)
