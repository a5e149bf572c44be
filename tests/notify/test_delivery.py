"""The delivery-status poller: back-off, final statuses, unknown ones, giving up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.models import Notification
from desktop.core.domain import NotificationState
from desktop.notify.delivery import GIVE_UP_AFTER, next_poll, poll_due
from desktop.notify.twilio_gateway import TwilioGateway
from tests.notify.helpers import add_customer, add_ticket, rows, seed_site


def _sent_row(db, sid: str, sent_at: datetime) -> int:  # type: ignore[no-untyped-def]
    queue = seed_site(db)
    ticket = add_ticket(db, queue, add_customer(db, "+447900000001"), sent_at)
    with db.write() as s:
        row = Notification(
            ticket_id=ticket,
            customer_id=1,
            kind="acknowledgement",
            dedupe_key="k",
            due_at=sent_at,
            original_due_at=sent_at,
            state=NotificationState.SENT,
            provider_sid=sid,
            sent_at=sent_at,
            next_attempt_at=sent_at,
            created_at=sent_at,
            updated_at=sent_at,
        )
        s.add(row)
        s.flush()
        return row.id


def test_polls_back_off_with_the_message_age() -> None:
    sent = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert next_poll(sent, sent) == sent + timedelta(seconds=5)
    assert next_poll(sent, sent + timedelta(minutes=4)) == sent + timedelta(minutes=5)
    late = sent + timedelta(days=1)
    assert next_poll(sent, late) == late + timedelta(minutes=30)


def test_unknown_sid_stops_polling_with_a_reason(sqlite_db, fake_twilio_settings) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    nid = _sent_row(sqlite_db, "SM" + "0" * 32, now - timedelta(minutes=1))
    stats = poll_due(sqlite_db, TwilioGateway(fake_twilio_settings), lambda: now)
    (row,) = rows(sqlite_db, id=nid)
    assert stats.errors == 1 and row.next_attempt_at is None
    assert row.state == NotificationState.SENT and "does not know" in row.reason


def test_gives_up_after_days_without_a_final_status(
    sqlite_db, fake_twilio, fake_twilio_settings
) -> None:  # type: ignore[no-untyped-def]
    gateway = TwilioGateway(fake_twilio_settings)
    phone = "+447900000001"
    fake_twilio.set_delivery(phone, sequence=["queued", "sending"])  # never final
    sid = gateway.send_sms(phone, "hello").sid
    now = datetime.now(UTC)
    nid = _sent_row(sqlite_db, sid, now - GIVE_UP_AFTER - timedelta(hours=1))
    poll_due(sqlite_db, gateway, lambda: now)
    (row,) = rows(sqlite_db, id=nid)
    assert row.next_attempt_at is None and "no final delivery status" in row.reason
    assert row.provider_status == "sending"


def test_provider_down_means_try_later(sqlite_db, fake_twilio, fake_twilio_settings) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    nid = _sent_row(sqlite_db, "SM" + "1" * 32, now - timedelta(minutes=10))
    fake_twilio.fail_next(503, path_contains="/Messages/")
    stats = poll_due(sqlite_db, TwilioGateway(fake_twilio_settings), lambda: now)
    (row,) = rows(sqlite_db, id=nid)
    assert stats.errors == 1 and row.next_attempt_at > now
