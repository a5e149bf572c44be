"""Notification actions: retry, cancel, send now, saving the policy and templates (audited,
validated, all-or-nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.actions.notifications import (
    ActionRefused,
    SettingsInvalid,
    cancel,
    editor_data,
    retry,
    save_settings,
    send_now,
)
from db.engine import Database
from db.errors import ConcurrentEdit
from db.models import AuditLog, Customer, Notification, NotificationTemplate
from db.queries.notification_settings import load_policy_book
from desktop.core.domain import NotificationState, Role
from desktop.core.identity import Actor
from tests.notify.helpers import add_customer, add_ticket, seed_site

NOW = datetime(2026, 4, 2, 16, 0, tzinfo=UTC)
LEAD = Actor(None, "lead", "Lee Lead", Role.TEAM_LEAD)
S = NotificationState


def _row(db: Database, state: S, key: str, customer: int | None = None) -> int:
    with db.write() as s:
        row = Notification(
            ticket_id=1,
            customer_id=customer or 1,
            kind="still_working",
            dedupe_key=key,
            due_at=NOW + timedelta(hours=3),
            original_due_at=NOW,
            state=state,
            attempts=2,
            error_code="30007" if state == S.FAILED else None,
            body="old text",
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(row)
        s.flush()
        return row.id


@pytest.fixture
def db(any_db: Database) -> Database:
    queue = seed_site(any_db)
    add_ticket(any_db, queue, add_customer(any_db, "+447900000001"), NOW)
    return any_db


def _get(db: Database, nid: int) -> Notification:
    with db.read() as s:
        return s.get(Notification, nid)


def test_retry_requeues_failed_rows_with_a_fresh_text(db: Database) -> None:
    failed = _row(db, S.FAILED, "a")
    queued = _row(db, S.SCHEDULED, "b")
    with db.write() as s:
        result = retry(s, LEAD, [failed, queued], NOW)
    row = _get(db, failed)
    assert result.changed == (failed,) and len(result.refused) == 1
    assert "1 message(s) queued again" in result.message and "left as they were" in result.message
    assert row.state == S.SCHEDULED and row.due_at == NOW and row.body is None
    assert row.error_code is None and row.attempts == 0 and "Lee Lead" in row.reason
    with db.read() as s:
        assert s.scalar(select(AuditLog.action).where(AuditLog.entity_id == failed)) == (
            "notification.retry"
        )


def test_retry_refuses_an_opted_out_customer(db: Database) -> None:
    failed = _row(db, S.FAILED, "a")
    with db.write() as s:
        s.get(Customer, 1).sms_opt_out = True
    with pytest.raises(ActionRefused, match="opted out"), db.write() as s:
        retry(s, LEAD, [failed], NOW)
    assert _get(db, failed).state == S.FAILED


def test_cancel_frees_the_key_and_leaves_a_message_in_flight_alone(db: Database) -> None:
    queued = _row(db, S.DEFERRED, "a")
    sending = _row(db, S.SENDING, "b")
    with db.write() as s:
        result = cancel(s, LEAD, [queued, sending], NOW)
    assert result.changed == (queued,) and "being sent right now" in result.refused[0][1]
    assert _get(db, queued).state == S.CANCELLED and _get(db, queued).dedupe_key == f"a#c{queued}"
    assert _get(db, sending).state == S.SENDING
    with pytest.raises(ActionRefused, match="being sent"), db.write() as s:
        cancel(s, LEAD, [sending], NOW)


def test_a_freed_key_fits_the_column_and_keeps_the_id(db: Database) -> None:
    """Cancelled or skipped rows give their key up as <key>#c<id>, in SQL (the scheduler,
    the dispatcher) or in Python (the cancel action): the same text, never over 120."""
    from sqlalchemy import update

    from db.queries.notification_ids import KEY_LENGTH, freed_key, freed_key_text

    long_key = "still_working:" + "x" * (KEY_LENGTH - len("still_working:"))
    first, second = _row(db, S.SCHEDULED, long_key), _row(db, S.SCHEDULED, "short")
    with db.write() as s:
        s.execute(
            update(Notification)
            .where(Notification.id.in_([first, second]))
            .values(dedupe_key=freed_key(Notification.dedupe_key, Notification.id))
        )
    freed = _get(db, first).dedupe_key
    assert len(freed) == KEY_LENGTH and freed.endswith(f"#c{first}")
    assert freed == freed_key_text(long_key, first)
    assert _get(db, second).dedupe_key == f"short#c{second}" == freed_key_text("short", second)
    third = _row(db, S.DEFERRED, long_key)  # the key is free again; cancelling it fits too
    with db.write() as s:
        cancel(s, LEAD, [third], NOW)
    assert _get(db, third).dedupe_key == freed_key_text(long_key, third)


def test_send_now_makes_a_queued_row_due(db: Database) -> None:
    deferred = _row(db, S.DEFERRED, "a")
    with db.write() as s:
        send_now(s, LEAD, [deferred], NOW)
    row = _get(db, deferred)
    assert row.due_at == NOW and row.state == S.SCHEDULED and "send now" in row.reason


def test_saving_a_valid_policy_and_templates(db: Database) -> None:
    with db.read() as s:
        start = editor_data(s)
    assert start.version is None and start.raw["max_per_ticket_per_day"] == 3
    raw = {**start.raw, "max_per_ticket_per_day": 2, "quiet_start": "09:00", "company": "Acme"}
    templates = {("acknowledgement", "en"): "Hi {customer_first_name}, got #{ticket_id}. {company}"}
    with db.write() as s:
        version = save_settings(s, LEAD, raw, templates, start.version, NOW)
    with db.read() as s:
        book = load_policy_book(s)
        stored = s.scalars(select(NotificationTemplate)).all()
        again = editor_data(s)
    assert book.default.policy.max_per_ticket_per_day == 2 and book.default.company == "Acme"
    assert [(t.event, t.language) for t in stored] == [("acknowledgement", "en")]
    assert again.version == version and again.overrides[("acknowledgement", "en")].startswith("Hi")
    # An empty text removes the override: the built-in message applies again.
    with db.write() as s:
        save_settings(s, LEAD, raw, {("acknowledgement", "en"): "  "}, version, NOW)
    with db.read() as s:
        assert s.scalars(select(NotificationTemplate)).all() == []


def test_invalid_settings_are_all_reported_and_nothing_is_saved(db: Database) -> None:
    with db.read() as s:
        start = editor_data(s)
    raw = {
        **start.raw,
        "quiet_start": "25:99",
        "max_per_ticket_per_day": 0,
        "status_change_statuses": ["pending", "open"],
    }
    templates = {
        ("acknowledgement", "en"): "Hi {first_name}, ticket {ticket_id",
        ("status_pending", "fr"): "Bonjour {customer_first_name}",
    }
    with pytest.raises(SettingsInvalid) as caught, db.write() as s:
        save_settings(s, LEAD, raw, templates, start.version, NOW)
    error = caught.value
    assert any("08:00" in e or "time" in e for e in error.policy_errors)
    assert any("at least 1" in e for e in error.policy_errors)
    assert ("acknowledgement", "en") in error.template_errors
    assert ("status_pending", "fr") not in error.template_errors
    with db.read() as s:
        assert s.scalars(select(NotificationTemplate)).all() == []
        assert editor_data(s).version is None


def test_announcing_a_status_needs_a_message_for_it(db: Database) -> None:
    with db.read() as s:
        start = editor_data(s)
    raw = {**start.raw, "status_change_statuses": ["pending", "open"]}
    with pytest.raises(SettingsInvalid) as caught, db.write() as s:
        save_settings(s, LEAD, raw, {}, start.version, NOW)
    assert "'open' is announced" in caught.value.template_errors[("status_open", "en")][0]
    with db.write() as s:  # with a message for it, it saves
        save_settings(
            s, LEAD, raw, {("status_open", "en"): "#{ticket_id} is open"}, start.version, NOW
        )


def test_a_concurrent_policy_edit_is_refused(db: Database) -> None:
    with db.read() as s:
        start = editor_data(s)
    with db.write() as s:
        save_settings(s, LEAD, start.raw, {}, start.version, NOW)
    with pytest.raises(ConcurrentEdit), db.write() as s:
        save_settings(s, LEAD, start.raw, {}, start.version, NOW)
