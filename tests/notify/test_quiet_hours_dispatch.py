"""Quiet hours through the whole engine, with the clock moved by time-machine: DST nights,
customers in other zones, numbers spanning several zones, and the check at send time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from db.actions.tickets import TicketRef, queue_status_update
from db.models import Ticket
from desktop.core.domain import NotificationState, Role
from desktop.core.identity import Actor
from desktop.notify.outbox import claim_due
from desktop.notify.scheduler import schedule_pass
from tests.notify.helpers import (
    add_customer,
    add_ticket,
    count_by_state,
    rows,
    save_policy,
    seed_site,
    wait_until,
)

DEFAULT_WINDOW = {"retry_base_seconds": 0.1, "retry_cap_seconds": 0.3}  # 08:00-21:00
ACTOR = Actor(None, "lead", "Team Lead", Role.TEAM_LEAD)


def _now() -> datetime:
    return datetime.now(UTC)


def _ack_for(sqlite_db, phone: str, tz: str | None, created: datetime):  # type: ignore[no-untyped-def]
    queue = seed_site(sqlite_db)
    save_policy(sqlite_db, **DEFAULT_WINDOW)
    ticket = add_ticket(sqlite_db, queue, add_customer(sqlite_db, phone, tz=tz), created)
    schedule_pass(sqlite_db, _now())
    (ack,) = rows(sqlite_db, ticket_id=ticket)
    return ack


def test_new_york_spring_forward_night_defers_to_eight_edt(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    created = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST; at 02:00 clocks jump to 03:00
    with time_machine.travel(created + timedelta(minutes=2), tick=False):
        ack = _ack_for(sqlite_db, "+12125550123", "America/New_York", created)
    assert ack.state == NotificationState.DEFERRED and "quiet hours" in ack.reason
    assert ack.due_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT (UTC-4)
    assert ack.original_due_at == created + timedelta(minutes=1)


def test_london_fall_back_night_defers_to_eight_gmt(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    created = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST; 02:00 BST becomes 01:00
    with time_machine.travel(created + timedelta(minutes=2), tick=False):
        ack = _ack_for(sqlite_db, "+447911123456", "Europe/London", created)
    assert ack.due_at == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 08:00 GMT


def test_customer_zone_wins_over_the_queue_zone(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    created = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)  # 15:00 London queue, 23:00 in Tokyo
    with time_machine.travel(created + timedelta(minutes=2), tick=False):
        ack = _ack_for(sqlite_db, "+447911123456", "Asia/Tokyo", created)
    assert ack.due_at == datetime(2026, 6, 10, 23, 0, tzinfo=UTC)  # 08:00 in Tokyo


def test_a_number_spanning_several_zones_waits_for_the_window_in_all(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    created = datetime(2026, 6, 15, 22, 30, tzinfo=UTC)  # 08:30 in Sydney, 06:30 in Perth
    with time_machine.travel(created + timedelta(minutes=2), tick=False):
        ack = _ack_for(sqlite_db, "+61412345678", None, created)  # no zone on record
    assert ack.due_at == datetime(2026, 6, 16, 1, 30, tzinfo=UTC)  # 08:00 on Cocos Islands
    for zone in ("Australia/Sydney", "Australia/Perth", "Australia/Lord_Howe", "Indian/Cocos"):
        local = ack.due_at.astimezone(ZoneInfo(zone)).time()
        assert time(8) <= local < time(21), zone


def test_a_message_falling_due_at_night_is_held_at_send_time(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    queue = seed_site(sqlite_db)
    save_policy(sqlite_db, **DEFAULT_WINDOW)
    customer = add_customer(sqlite_db, "+12125550123", tz="America/New_York")
    evening = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)  # 23:00 in New York
    ticket = add_ticket(sqlite_db, queue, customer, evening - timedelta(hours=2))
    with time_machine.travel(evening, tick=False):
        with sqlite_db.write() as s:  # "send a status update now", at 23:00 customer time
            version = s.get(Ticket, ticket).version
            queue_status_update(s, ACTOR, TicketRef(ticket, version), now=_now())
        outcome = claim_due(sqlite_db, "test", _now(), 10)
    assert outcome.to_send == [] and outcome.deferred >= 1
    manual = next(r for r in rows(sqlite_db, ticket_id=ticket) if r.kind == "manual_update")
    assert manual.state == NotificationState.DEFERRED and manual.claimed_by is None
    assert manual.due_at == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert "customer time" in manual.reason


def test_the_dispatcher_sends_when_the_window_opens(sqlite_db, fake_twilio, run_dispatcher) -> None:  # type: ignore[no-untyped-def]
    queue = seed_site(sqlite_db)
    save_policy(sqlite_db, **DEFAULT_WINDOW)
    night = datetime(2026, 1, 20, 23, 30, tzinfo=UTC)  # 23:30 in London
    customer = add_customer(sqlite_db, "+447911123456", tz="Europe/London")
    ticket = add_ticket(sqlite_db, queue, customer, night - timedelta(minutes=5))
    with (
        time_machine.travel(night, tick=True) as traveller,
        run_dispatcher(sqlite_db) as dispatcher,
    ):
        wait_until(lambda: count_by_state(sqlite_db).get("deferred", 0) == 1, what="deferred")
        assert fake_twilio.sent_messages() == []
        traveller.move_to(datetime(2026, 1, 21, 8, 0, 1, tzinfo=UTC))  # 08:00 London
        dispatcher.wake()
        wait_until(lambda: len(fake_twilio.sent_messages()) == 1, what="sent at 08:00")
    (ack,) = [r for r in rows(sqlite_db, ticket_id=ticket) if r.kind == "acknowledgement"]
    assert ack.sent_at >= datetime(2026, 1, 21, 8, 0, tzinfo=UTC)
