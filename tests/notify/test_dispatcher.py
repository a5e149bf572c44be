"""The dispatcher against the loopback Twilio on a real SQLite file: sends and every fault."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.engine import Database
from db.models import AppMeta, AuditLog, Customer, Ticket, TicketEvent
from desktop.core.domain import NotificationState, TicketEventKind
from desktop.notify.rules import MODE_KEY, PAUSE_REASON_KEY, PAUSE_UNTIL_KEY
from desktop.notify.scheduler import schedule_pass
from desktop.notify.twilio_gateway import TwilioSettings
from tests.fakes.twilio_server import FakeTwilio
from tests.notify.conftest import FAST, OPEN_POLICY
from tests.notify.helpers import (
    add_customer,
    add_ticket,
    count_by_state,
    many_tickets,
    rows,
    save_policy,
    seed_site,
    uk_phones,
    wait_until,
)

SENT_OR_DELIVERED = ("sent", "delivered")
FAST_NO_SCHEDULER = dataclasses.replace(FAST, run_scheduler=False)


def _now() -> datetime:
    return datetime.now(UTC)


def _acks(db) -> list:  # type: ignore[no-untyped-def]
    return [r for r in rows(db) if r.kind == "acknowledgement"]


def _all_acks_in(db, states: tuple[str, ...], n: int) -> bool:  # type: ignore[no-untyped-def]
    acks = _acks(db)
    return len(acks) == n and all(str(r.state) in states for r in acks)


def _bodies(fake: FakeTwilio) -> Counter[str]:
    return Counter(f"{m['to']}|{m['body']}" for m in fake.sent_messages())


def test_sends_acknowledgements_then_follows_delivery(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    tickets = many_tickets(db, queue, uk_phones(3), _now() - timedelta(minutes=5))
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, ("delivered",), 3), what="3 delivered acks")
    assert len(fake_twilio.sent_messages()) == 3
    assert max(_bodies(fake_twilio).values()) == 1
    with db.read() as s:
        ticket = s.get(Ticket, tickets[0])
        events = s.scalars(
            select(TicketEvent).where(
                TicketEvent.ticket_id == tickets[0],
                TicketEvent.kind == TicketEventKind.NOTIFICATION,
            )
        ).all()
    ack = _acks(db)[0]
    assert ack.provider_sid and ack.provider_sid.startswith("SM") and ack.body
    assert "#1" in ack.body and "Customer" in ack.body  # rendered: {ticket_id}, first name
    # The customer heard from us: the silence clock restarts and the timeline says so.
    assert ticket.last_heard_at == ack.sent_at and ticket.first_response_at == ack.sent_at
    assert [e.notification_id for e in events] == [ack.id] and events[0].body == ack.body
    # The next message is already queued, for when the silence would reach the limit.
    still = [r for r in rows(db, ticket_id=tickets[0]) if r.kind == "still_working"]
    assert len(still) == 1 and still[0].state == NotificationState.SCHEDULED
    assert still[0].due_at - ack.sent_at == timedelta(hours=24)


def test_429_backs_off_and_sends_each_message_once(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    many_tickets(db, queue, uk_phones(3), _now() - timedelta(minutes=5))
    fake_twilio.fail_next(429, times=2, path_contains="/Messages", method="POST")
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, SENT_OR_DELIVERED, 3), what="acks sent after 429s")
    assert sorted(_bodies(fake_twilio).values()) == [1, 1, 1]
    posts = [r for r in fake_twilio.requests("/Messages.json") if r.method == "POST"]
    assert len(posts) == 5  # two refused, three accepted
    assert sum(r.attempts for r in _acks(db)) == 5, [(r.attempts, r.reason) for r in _acks(db)]


def test_500_is_checked_with_twilio_before_any_resend(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    many_tickets(db, queue, uk_phones(1), _now() - timedelta(minutes=5))
    fake_twilio.fail_next(500, path_contains="/Messages", method="POST")
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, SENT_OR_DELIVERED, 1), what="ack sent after a 500")
    # The 500 might have been sent: the message list was read before the second POST.
    log = [(r.method, r.status) for r in fake_twilio.requests("/Messages.json")]
    assert log[0] == ("POST", 500) and ("GET", 200) in log[1:-1] and log[-1] == ("POST", 201)
    assert list(_bodies(fake_twilio).values()) == [1]


def test_answer_lost_after_accept_is_reconciled_not_resent(
    site, fake_twilio, run_dispatcher
) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    many_tickets(db, queue, uk_phones(2), _now() - timedelta(minutes=5))
    fake_twilio.accept_then_drop_next()  # Twilio has it; we never hear so
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, SENT_OR_DELIVERED, 2), what="both acks settled")
    assert sorted(_bodies(fake_twilio).values()) == [1, 1]
    sids = {m["sid"] for m in fake_twilio.sent_messages()}
    assert {r.provider_sid for r in _acks(db)} == sids


def test_slow_answer_times_out_and_is_reconciled(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    many_tickets(db, queue, uk_phones(2), _now() - timedelta(minutes=5))
    # Longer than the 0.5 s client timeout: the fake still creates the message afterwards.
    fake_twilio.delay_next(1.0, path_contains="/Messages", method="POST")
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, SENT_OR_DELIVERED, 2), 15, "acks after a timeout")
    assert sorted(_bodies(fake_twilio).values()) == [1, 1]


def test_dropped_connection_then_resent_once(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    many_tickets(db, queue, uk_phones(1), _now() - timedelta(minutes=5))
    fake_twilio.drop_next(path_contains="/Messages", method="POST")  # nothing was created
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, SENT_OR_DELIVERED, 1), what="ack after a drop")
    assert list(_bodies(fake_twilio).values()) == [1]
    (ack,) = _acks(db)
    assert ack.attempts == 2


def test_21610_marks_the_customer_opted_out_and_cancels_the_rest(
    site, fake_twilio, run_dispatcher
) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    phone = uk_phones(1)[0]
    customer = add_customer(db, phone, "Sam Stop")
    first = add_ticket(db, queue, customer, _now() - timedelta(minutes=5))
    second = add_ticket(db, queue, customer, _now() - timedelta(minutes=5))
    schedule_pass(db, _now())
    with db.write() as s:  # the second ticket's message is not due yet
        for row in rows(db, ticket_id=second):
            s.get(type(row), row.id).due_at = _now() + timedelta(hours=1)
    fake_twilio.reject_to(phone, 21610)
    with run_dispatcher(db):
        wait_until(lambda: str(rows(db, ticket_id=first)[0].state) == "failed", what="21610")
        wait_until(lambda: all(str(r.state) == "cancelled" for r in rows(db, ticket_id=second)))
    failed = rows(db, ticket_id=first)[0]
    assert failed.error_code == "21610" and "opted out" in failed.reason
    with db.read() as s:
        c = s.get(Customer, customer)
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "customer.sms_opt_out")).all()
    assert c.sms_opt_out and c.sms_opt_out_at is not None and len(audit) == 1
    assert fake_twilio.sent_messages() == []
    assert {r.attempts for r in rows(db, ticket_id=first)} == {1}  # never retried


def test_invalid_number_fails_permanently_without_retry(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    phone = uk_phones(1)[0]
    many_tickets(db, queue, [phone], _now() - timedelta(minutes=5))
    fake_twilio.reject_to(phone, 21614)
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, ("failed",), 1), what="21614 failed")
    (ack,) = _acks(db)
    assert ack.attempts == 1 and ack.error_code == "21614" and "permanent" in ack.reason


def test_carrier_filtering_is_reported_as_needing_new_wording(
    site, fake_twilio, run_dispatcher
) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    phone = uk_phones(1)[0]
    many_tickets(db, queue, [phone], _now() - timedelta(minutes=5))
    fake_twilio.set_delivery(phone, "undelivered", error_code=30007)
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, ("failed",), 1), what="30007 undelivered")
    (ack,) = _acks(db)
    assert ack.provider_status == "undelivered" and ack.error_code == "30007"
    assert "change the wording" in ack.reason
    assert len(fake_twilio.sent_messages()) == 1


def test_unknown_future_status_is_kept_and_polled(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    phone = uk_phones(1)[0]
    many_tickets(db, queue, [phone], _now() - timedelta(minutes=5))
    fake_twilio.set_delivery(phone, sequence=["queued", "teleported", "delivered"])
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, ("delivered",), 1), what="through 'teleported'")
    statuses = [r for r in fake_twilio.requests("/Messages/") if r.method == "GET"]
    assert len(statuses) >= 2


def test_daily_limit_pauses_all_sending_until_the_window_resets(
    site, fake_twilio, run_dispatcher
) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    phones = uk_phones(4)
    many_tickets(db, queue, phones, _now() - timedelta(minutes=5))
    schedule_pass(db, _now())
    first = min(rows(db, kind="acknowledgement"), key=lambda r: (r.due_at, r.id))
    fake_twilio.reject_to(first.to_address, 63038, times=1)
    with run_dispatcher(db) as dispatcher:
        wait_until(lambda: dispatcher.pause is not None, what="the pause")
        wait_until(lambda: count_by_state(db).get("scheduled", 0) >= 4, what="claims given back")
        with db.read() as s:
            until = s.get(AppMeta, PAUSE_UNTIL_KEY)
            reason = s.get(AppMeta, PAUSE_REASON_KEY)
        assert until is not None and "daily message limit" in reason.value
        resume = datetime.fromisoformat(until.value)
        assert resume.hour == 0 and resume > _now()
        assert fake_twilio.sent_messages() == []  # nothing else went out
        assert count_by_state(db).get("scheduled", 0) >= 4
        # The window resets: the pause ends and every message goes, the refused one too.
        dispatcher.pause = type(dispatcher.pause)(_now() - timedelta(seconds=1), "test")
        dispatcher.wake()
        wait_until(lambda: _all_acks_in(db, SENT_OR_DELIVERED, 4), what="sending resumed")
    assert sorted(_bodies(fake_twilio).values()) == [1, 1, 1, 1]
    with db.read() as s:
        assert s.get(AppMeta, PAUSE_UNTIL_KEY) is None


def test_wrong_credentials_pause_and_say_so(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    many_tickets(db, queue, uk_phones(2), _now() - timedelta(minutes=5))
    bad = TwilioSettings(
        fake_twilio.account_sid,
        "not-the-token",
        from_number="+15005550006",
        api_base=fake_twilio.base_url,
        timeout_seconds=0.5,
    )
    with run_dispatcher(db, settings=bad) as dispatcher:
        wait_until(lambda: dispatcher.pause is not None, what="credentials pause")
    assert "credentials" in dispatcher.pause.reason
    posts = [r for r in fake_twilio.requests("/Messages.json") if r.method == "POST"]
    assert len(posts) == 1  # one refusal, then nothing until the settings are fixed
    assert {str(r.state) for r in _acks(db)} == {"scheduled"}


def test_record_only_mode_does_everything_but_send(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    many_tickets(db, queue, uk_phones(2), _now() - timedelta(minutes=5))
    with run_dispatcher(db, record_only=True):
        wait_until(lambda: _all_acks_in(db, ("skipped",), 2), what="record-only rows")
        with db.read() as s:
            mode = s.get(AppMeta, MODE_KEY)
    assert mode.value.startswith("record_only")
    assert all("record only" in r.reason and r.body for r in _acks(db))
    assert fake_twilio.sent_messages() == [] and fake_twilio.requests() == []
    with db.read() as s:  # the customer did not hear from us: silence is not reset
        assert all(t.last_heard_at is None for t in s.scalars(select(Ticket)))


def test_restart_sends_overdue_rows_still_relevant_and_skips_the_rest(
    site, fake_twilio, run_dispatcher
) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    two_hours_ago = _now() - timedelta(hours=2)
    keep, solved = many_tickets(db, queue, uk_phones(2), two_hours_ago)
    schedule_pass(db, two_hours_ago + timedelta(minutes=1))  # nothing ran since
    with db.write() as s:
        s.get(Ticket, solved).status = "solved"
        s.get(Ticket, solved).solved_at = _now() - timedelta(minutes=30)
    with run_dispatcher(db, config=FAST_NO_SCHEDULER):
        wait_until(lambda: str(rows(db, ticket_id=keep)[0].state) in SENT_OR_DELIVERED)
        wait_until(lambda: str(rows(db, ticket_id=solved)[0].state) == "skipped")
    skipped = rows(db, ticket_id=solved)[0]
    assert skipped.reason == "not sent: ticket is solved"
    assert len(fake_twilio.sent_messages()) == 1


def test_survives_database_is_locked(sqlite_db, fake_twilio, run_dispatcher, caplog) -> None:  # type: ignore[no-untyped-def]
    queue = seed_site(sqlite_db)
    save_policy(sqlite_db, **OPEN_POLICY)
    impatient = Database(sqlite_db.url, busy_timeout_ms=50)  # errors surface at once
    blocker = sqlite_db.engine.raw_connection()
    try:
        with run_dispatcher(impatient) as dispatcher:
            wait_until(lambda: dispatcher.is_leader, what="leadership")
            blocker.execute("BEGIN EXCLUSIVE")  # another program holds the whole file
            wait_until(lambda: "database is busy" in caplog.text, what="a locked error")
            wait_until(lambda: caplog.text.count("database is busy") >= 3, what="more ticks")
            blocker.rollback()
            many_tickets(sqlite_db, queue, uk_phones(2), _now() - timedelta(minutes=5))
            wait_until(lambda: _all_acks_in(sqlite_db, SENT_OR_DELIVERED, 2), 15, "after unlock")
            assert dispatcher._scheduler.running
    finally:
        blocker.close()
        impatient.dispose()
    assert sorted(_bodies(fake_twilio).values()) == [1, 1]


def test_the_error_table_is_a_setting(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    db, queue = site
    phone = uk_phones(1)[0]
    many_tickets(db, queue, [phone], _now() - timedelta(minutes=5))
    # This site's carrier reports 21614 for numbers that are only briefly unreachable.
    save_policy(db, **OPEN_POLICY, error_classes={"21614": "retryable"})
    fake_twilio.reject_to(phone, 21614, times=1)
    with run_dispatcher(db):
        wait_until(lambda: _all_acks_in(db, SENT_OR_DELIVERED, 1), what="retried, then sent")
    (ack,) = _acks(db)
    assert ack.attempts == 2 and len(fake_twilio.sent_messages()) == 1


def test_stop_gives_back_the_batch_claimed_ahead_too(site, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    """The next batch is claimed while one is sent; a stop gives both unsent parts back."""
    db, queue = site
    many_tickets(db, queue, uk_phones(9), _now() - timedelta(minutes=5))
    schedule_pass(db, _now())
    fake_twilio.delay_next(0.3, times=10_000, path_contains="/Messages.json", method="POST")
    config = dataclasses.replace(FAST_NO_SCHEDULER, batch_size=3)
    with run_dispatcher(db, config) as dispatcher:
        wait_until(lambda: len(fake_twilio.sent_messages()) >= 1, what="the first send")
        wait_until(
            lambda: count_by_state(db).get("sending", 0) > 3, what="the next batch claimed ahead"
        )
        dispatcher.stop()
    accepted = len(fake_twilio.sent_messages())
    states = count_by_state(db)
    assert "sending" not in states, states
    assert states.get("scheduled", 0) == 9 - accepted
    assert sum(states.get(s, 0) for s in SENT_OR_DELIVERED) == accepted
    assert sorted(_bodies(fake_twilio).values()) == [1] * accepted
