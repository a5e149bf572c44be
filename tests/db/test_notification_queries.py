"""Notification read queries on SQLite and PostgreSQL: outbox filters and search, today's
figures, silence against the limit, dispatcher status, previews."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db.engine import Database
from db.models import AppMeta, Customer, Notification, ServiceLease, Ticket
from db.queries.notification_settings import PolicySettings
from db.queries.notifications import (
    OutboxFilter,
    dispatcher_status,
    message_preview,
    outbox_rows,
    silence_vs_limit,
    ticket_notifications,
    today_figures,
)
from desktop.core.domain import NotificationState, Priority, TicketStatus
from desktop.core.notification_policy import NotificationPolicy
from tests.notify.helpers import add_customer, add_ticket, seed_site

NOW = datetime(2026, 4, 2, 16, 0, tzinfo=UTC)
DAY = datetime(2026, 4, 2, 0, 0, tzinfo=UTC)
S = NotificationState


@pytest.fixture
def outbox(any_db: Database) -> Database:
    """Two customers, three tickets, a row in every state."""
    queue = seed_site(any_db)
    ann = add_customer(any_db, "+447900000111", "Ann Lee")
    bob = add_customer(any_db, "+33612345678", "Bob Martin", language="fr")
    t1 = add_ticket(
        any_db,
        queue,
        ann,
        NOW - timedelta(hours=30),
        TicketStatus.OPEN,
        last_heard_at=NOW - timedelta(hours=20),
    )
    t2 = add_ticket(
        any_db,
        queue,
        bob,
        NOW - timedelta(hours=3),
        TicketStatus.OPEN,
        Priority.URGENT,
        last_heard_at=NOW - timedelta(hours=5),
    )
    t3 = add_ticket(any_db, queue, ann, NOW - timedelta(minutes=5))
    specs = [
        (t1, "still_working", S.SCHEDULED, NOW + timedelta(hours=4), None, None, None),
        (t2, "still_working", S.DEFERRED, NOW + timedelta(hours=9), None, None, None),
        (t3, "acknowledgement", S.SENDING, NOW, None, None, None),
        (
            t1,
            "acknowledgement",
            S.DELIVERED,
            NOW - timedelta(hours=2),
            NOW - timedelta(hours=2),
            None,
            "Hi Ann, we have received your request",
        ),
        (
            t2,
            "acknowledgement",
            S.FAILED,
            NOW - timedelta(hours=1),
            NOW - timedelta(hours=1),
            "30007",
            "Bonjour Bob",
        ),
        (t2, "status_change", S.FAILED, NOW - timedelta(minutes=30), None, "21610", None),
        (
            t1,
            "status_change",
            S.SENT,
            NOW - timedelta(minutes=10),
            NOW - timedelta(minutes=10),
            None,
            "your request is on hold",
        ),
        (t3, "manual_update", S.CANCELLED, NOW - timedelta(days=2), None, None, None),
    ]
    with any_db.write() as s:
        for i, (ticket, kind, state, due, sent, code, body) in enumerate(specs):
            customer = s.get(Ticket, ticket).customer_id
            s.add(
                Notification(
                    ticket_id=ticket,
                    customer_id=customer,
                    kind=kind,
                    dedupe_key=f"k{i}",
                    to_address=s.get(Customer, customer).phone_e164,
                    body=body,
                    due_at=due,
                    original_due_at=due,
                    state=state,
                    sent_at=sent,
                    error_code=code,
                    delivered_at=sent if state == S.DELIVERED else None,
                    reason="carrier filtered" if code == "30007" else None,
                    created_at=due,
                    updated_at=sent or due,
                )
            )
        s.get(Customer, bob).sms_opt_out = True
        s.get(Customer, bob).sms_opt_out_at = NOW - timedelta(minutes=30)
    return any_db


def test_queued_first_soonest_first_then_history_newest_first(outbox: Database) -> None:
    with outbox.read() as s:
        result = outbox_rows(s, OutboxFilter())
    states = [r.state for r in result]
    assert states[:3] == ["sending", "scheduled", "deferred"]
    history = [r.notification_id for r in result[3:]]
    assert history == sorted(history, reverse=True)
    assert all("*" in r.phone_masked for r in result)  # never a full number


def test_state_filter_and_search(outbox: Database) -> None:
    with outbox.read() as s:
        failed = outbox_rows(s, OutboxFilter(states=("failed",)))
        by_name = outbox_rows(s, OutboxFilter(search="bob"))
        by_ticket = outbox_rows(s, OutboxFilter(search="#3"))
        by_phone = outbox_rows(s, OutboxFilter(search="0111"))
        by_text = outbox_rows(s, OutboxFilter(search="on hold"))
        none = outbox_rows(s, OutboxFilter(search="nobody-at-all"))
    assert {r.state for r in failed} == {"failed"} and len(failed) == 2
    assert {r.customer_name for r in by_name} == {"Bob Martin"} and len(by_name) == 3
    assert {r.ticket_id for r in by_ticket} == {3}
    assert {r.customer_name for r in by_phone} == {"Ann Lee"}
    assert [r.kind for r in by_text] == ["status_change"]
    assert none == ()


def test_todays_figures(outbox: Database) -> None:
    with outbox.read() as s:
        figures = today_figures(s, DAY, NOW)
    assert (figures.sent, figures.delivered, figures.in_transit) == (3, 1, 1)
    assert figures.delivered_ratio == pytest.approx(1 / 2)  # of the two with a final status
    assert figures.failed == 2
    assert dict(figures.failed_by_reason) == {"carrier filtered": 1, "unsubscribed (STOP)": 1}
    assert figures.opt_outs == 1
    assert (figures.queued, figures.deferred, figures.sending) == (1, 1, 1)


def test_silence_against_the_policy_limit(outbox: Database) -> None:
    policy = NotificationPolicy(still_working_hours={"normal": 24, "urgent": 4})
    with outbox.read() as s:
        dist = silence_vs_limit(s, NOW, policy)
    # t1: 20 h of 24 (75-100 %); t2: 5 h of 4 (over); t3: new, 5 min of 24 h (< 25 %).
    assert dist.totals == (1, 0, 0, 1, 1)
    assert dist.counts[4] == {"urgent": 1} and dist.counts[3] == {"normal": 1}
    no_urgent = NotificationPolicy(still_working_hours={"normal": 24})
    with outbox.read() as s:
        assert silence_vs_limit(s, NOW, no_urgent).no_limit == 1


def test_dispatcher_status_says_who_and_how(outbox: Database) -> None:
    with outbox.read() as s:
        nobody = dispatcher_status(s, NOW)
    assert nobody.holder is None and not nobody.alive
    with outbox.write() as s:
        s.add(
            ServiceLease(
                name="notifications.dispatcher",
                holder="notifier on srv (pid 7) #ab",
                acquired_at=NOW - timedelta(hours=1),
                heartbeat_at=NOW,
                expires_at=NOW + timedelta(seconds=20),
            )
        )
        s.add(AppMeta(key="notifications.mode", value="record_only: Twilio is not configured"))
        s.add(
            AppMeta(key="notifications.paused_until", value=(NOW + timedelta(hours=8)).isoformat())
        )
        s.add(AppMeta(key="notifications.pause_reason", value="daily message limit reached"))
    with outbox.read() as s:
        status = dispatcher_status(s, NOW)
        later = dispatcher_status(s, NOW + timedelta(minutes=5))
    assert status.holder == "notifier on srv (pid 7)" and status.alive
    assert status.record_only and status.mode_detail == "Twilio is not configured"
    assert status.paused_until == NOW + timedelta(hours=8) and "daily" in status.pause_reason
    assert not later.alive  # no heartbeat for 5 minutes: the holder is gone


def test_preview_shows_the_sent_text_or_renders_the_queued_one(outbox: Database) -> None:
    with outbox.read() as s:
        ids = {(r.kind, r.state): r.notification_id for r in outbox_rows(s, OutboxFilter())}
        sent = message_preview(s, ids[("status_change", "sent")])
        queued = message_preview(s, ids[("still_working", "deferred")])
    assert sent.text == "your request is on hold" and not sent.rendered_now
    assert queued.rendered_now and queued.text.startswith("Bonjour Bob")  # French customer
    assert "#2" in queued.text and queued.segments.encoding == "GSM-7"


def test_a_tickets_history(outbox: Database) -> None:
    with outbox.read() as s:
        history = ticket_notifications(s, 1)
    assert [r.kind for r in history] == ["acknowledgement", "status_change", "still_working"]


def test_policy_defaults_shape() -> None:
    assert PolicySettings().policy.max_per_ticket_per_day == 3
