"""Notification policy: each rule on both sides of its threshold, quiet hours, daily limit."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine

from desktop.core.notification_policy import (
    Decision,
    NotificationKind,
    NotificationPolicy,
    Skip,
    TicketFacts,
    evaluate,
    still_relevant,
    template_key_for,
)
from desktop.core.quiet_hours import SendWindow
from desktop.core.sms_text import DEFAULT_TEMPLATES

ACK = NotificationKind.ACKNOWLEDGEMENT
STATUS = NotificationKind.STATUS_CHANGE
STILL = NotificationKind.STILL_WORKING
POLICY = NotificationPolicy()
T0 = datetime(2024, 6, 12, 14, 0, tzinfo=UTC)  # 10:00 in New York
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def facts(**changes: Any) -> TicketFacts:
    values: dict[str, Any] = {
        "ticket_id": 1,
        "status": "open",
        "priority": "normal",
        "created_at": T0,
        "phone_e164": "+12125550123",  # New York
    }
    values.update(changes)
    return TicketFacts(**values)


def decisions(results: list[Decision | Skip]) -> dict[NotificationKind, Decision]:
    return {r.kind: r for r in results if isinstance(r, Decision)}


def skips(results: list[Decision | Skip]) -> dict[NotificationKind, str]:
    return {r.kind: r.reason for r in results if isinstance(r, Skip)}


# ------------------------------------------------------------------------ policy object


def test_policy_defaults() -> None:
    assert POLICY.ack_minutes == 1
    assert POLICY.status_change_statuses == {"pending", "on_hold", "solved"}
    assert dict(POLICY.still_working_hours) == {"urgent": 4, "high": 12, "normal": 24, "low": 48}
    assert POLICY.max_per_ticket_per_day == 3 and POLICY.enabled
    assert POLICY.still_working_interval("urgent") == timedelta(hours=4)
    assert POLICY.still_working_interval("unknown") is None


@pytest.mark.parametrize(
    "changes",
    [{"ack_minutes": -1}, {"max_per_ticket_per_day": 0}, {"still_working_hours": {"low": 0}}],
)
def test_policy_rejects_bad_values(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        NotificationPolicy(**changes)


def test_policy_is_immune_to_later_mutation_of_its_inputs() -> None:
    hours = {"normal": 2.0}
    policy = NotificationPolicy(still_working_hours=hours)
    hours["normal"] = 100
    assert policy.still_working_interval("normal") == timedelta(hours=2)


def test_facts_reject_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        facts(created_at=datetime(2024, 1, 1))


# ------------------------------------------------------------------------ acknowledgement


def test_acknowledgement_due_one_minute_after_creation() -> None:
    [decision] = evaluate(facts(), POLICY, T0)
    assert decision == Decision(
        ACK, T0 + MINUTE, T0 + MINUTE, "acknowledgement", False, decision.reason
    )
    assert "1 min" in decision.reason


def test_acknowledgement_delay_follows_the_policy() -> None:
    result = decisions(evaluate(facts(), NotificationPolicy(ack_minutes=5), T0))
    assert result[ACK].due_at == T0 + 5 * MINUTE


def test_no_acknowledgement_when_an_agent_replied_first() -> None:
    replied = facts(last_agent_reply_at=T0 + 30 * timedelta(seconds=1))
    result = evaluate(replied, POLICY, T0 + 2 * MINUTE)
    assert ACK not in decisions(result) and ACK not in skips(result)
    assert decisions(result)[STILL].original_due_at == T0 + 30 * timedelta(seconds=1) + 24 * HOUR


def test_no_acknowledgement_when_one_was_sent_or_is_pending() -> None:
    sent = facts(last_notified_at=T0 + MINUTE, first_response_at=T0 + MINUTE)
    assert ACK not in decisions(evaluate(sent, POLICY, T0 + 2 * MINUTE))
    pending = facts(pending_kinds=frozenset({ACK}))
    assert evaluate(pending, POLICY, T0) == []  # and no still-working before the ack goes


def test_acknowledgement_disabled() -> None:
    result = decisions(evaluate(facts(), NotificationPolicy(ack_minutes=None), T0))
    assert set(result) == {STILL}


def test_acknowledgement_of_a_solved_ticket_is_skipped() -> None:
    result = evaluate(facts(status="solved"), NotificationPolicy(status_change_statuses=set()), T0)
    assert "already solved" in skips(result)[ACK]


# ------------------------------------------------------------------------ status change


def test_status_change_newer_than_last_notification_is_announced() -> None:
    changed = facts(last_notified_at=T0 + MINUTE, last_status_change=("pending", T0 + HOUR))
    decision = decisions(evaluate(changed, POLICY, T0 + HOUR))[STATUS]
    assert decision.due_at == T0 + HOUR and decision.template_key == "status_pending"


def test_status_change_older_than_last_notification_is_not() -> None:
    changed = facts(last_notified_at=T0 + 2 * HOUR, last_status_change=("pending", T0 + HOUR))
    assert STATUS not in decisions(evaluate(changed, POLICY, T0 + 3 * HOUR))


def test_status_outside_the_chosen_set_is_not_announced() -> None:
    changed = facts(last_notified_at=T0 + MINUTE, last_status_change=("open", T0 + HOUR))
    assert STATUS not in decisions(evaluate(changed, POLICY, T0 + HOUR))
    only_solved = NotificationPolicy(status_change_statuses=frozenset({"solved"}))
    pending = facts(last_notified_at=T0 + MINUTE, last_status_change=("pending", T0 + HOUR))
    assert STATUS not in decisions(evaluate(pending, only_solved, T0 + HOUR))


def test_status_message_replaces_the_acknowledgement_and_the_still_working_update() -> None:
    quick = facts(status="pending", last_status_change=("pending", T0 + 20 * timedelta(seconds=1)))
    result = evaluate(quick, POLICY, T0 + 30 * timedelta(seconds=1))
    assert set(decisions(result)) == {STATUS}
    assert "status-change message" in skips(result)[ACK]


def test_solved_message_for_a_solved_ticket() -> None:
    solved = facts(
        status="solved", last_agent_reply_at=T0 + HOUR, last_status_change=("solved", T0 + HOUR)
    )
    result = evaluate(solved, POLICY, T0 + HOUR)
    assert set(decisions(result)) == {STATUS} and not skips(result)


@pytest.mark.parametrize("status", sorted(POLICY.status_change_statuses))
def test_every_default_status_has_a_default_template(status: str) -> None:
    assert template_key_for(STATUS, status) in DEFAULT_TEMPLATES
    assert template_key_for(ACK) in DEFAULT_TEMPLATES
    assert template_key_for(STILL) in DEFAULT_TEMPLATES


# ------------------------------------------------------------------------ still working


@pytest.mark.parametrize(("priority", "hours"), [("urgent", 4), ("high", 12), ("low", 48)])
def test_still_working_after_the_priority_silence(priority: str, hours: int) -> None:
    replied = facts(priority=priority, last_agent_reply_at=T0 + HOUR, last_notified_at=T0 + MINUTE)
    due = T0 + HOUR + hours * HOUR
    around_the_clock = NotificationPolicy(window=SendWindow(time(0), time(0)))
    before = decisions(evaluate(replied, around_the_clock, due - MINUTE))[STILL]
    assert before.due_at == due and not before.deferred  # scheduled ahead, not sent early
    after = decisions(evaluate(replied, around_the_clock, due + MINUTE))[STILL]
    assert after.due_at == due + MINUTE and after.original_due_at == due  # late: send now


def test_silence_counts_from_the_latest_contact() -> None:
    base = {"last_agent_reply_at": T0 + HOUR, "last_notified_at": T0 + 3 * HOUR}
    result = decisions(evaluate(facts(**base), POLICY, T0 + 4 * HOUR))
    assert result[STILL].original_due_at == T0 + 3 * HOUR + 24 * HOUR


def test_no_still_working_for_closed_tickets_or_when_pending() -> None:
    closed = facts(status="closed", last_agent_reply_at=T0 + HOUR)
    assert evaluate(closed, POLICY, T0 + 30 * HOUR) == []
    pending = facts(last_agent_reply_at=T0 + HOUR, pending_kinds=frozenset({STILL}))
    assert evaluate(pending, POLICY, T0 + 30 * HOUR) == []


def test_priority_without_an_interval_is_skipped() -> None:
    result = evaluate(facts(priority="vip", last_agent_reply_at=T0), POLICY, T0)
    assert "priority 'vip'" in skips(result)[STILL]


# ------------------------------------------------------------------------ who may receive


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"sms_opted_out": True}, "opted out"),
        ({"preferred_channel": "email"}, "prefers email"),
        ({"phone_e164": None}, "no phone"),
        ({"phone_e164": "+1212"}, "not a valid"),
    ],
)
def test_unreachable_customers_are_skipped_with_a_reason(
    changes: dict[str, Any], fragment: str
) -> None:
    result = evaluate(facts(**changes), POLICY, T0)
    assert not decisions(result)
    assert fragment in skips(result)[ACK]


def test_no_preference_and_uppercase_sms_are_fine() -> None:
    assert decisions(evaluate(facts(preferred_channel=None), POLICY, T0))
    assert decisions(evaluate(facts(preferred_channel="SMS"), POLICY, T0))


def test_disabled_policy_does_nothing() -> None:
    assert evaluate(facts(), NotificationPolicy(enabled=False), T0) == []


# ------------------------------------------------------------------------ quiet hours


def test_due_in_quiet_hours_is_deferred_to_the_next_allowed_minute() -> None:
    night = datetime(2024, 6, 12, 2, 0, tzinfo=UTC)  # 22:00 in New York
    [decision] = evaluate(facts(created_at=night), POLICY, night)
    assert decision.original_due_at == night + MINUTE
    assert decision.due_at == datetime(2024, 6, 12, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert decision.deferred and "quiet hours" in decision.reason


def test_customer_zone_beats_the_phone_zone() -> None:
    night = datetime(2024, 6, 12, 2, 0, tzinfo=UTC)  # 04:00 in Paris
    [decision] = evaluate(facts(created_at=night, customer_tz="Europe/Paris"), POLICY, night)
    assert decision.due_at == datetime(2024, 6, 12, 6, 0, tzinfo=UTC)  # 08:00 CEST


def test_multi_zone_number_waits_for_every_zone() -> None:
    at = datetime(2024, 1, 15, 0, 0, tzinfo=UTC)  # 11:00 Sydney, 06:30 Cocos Islands
    [decision] = evaluate(facts(created_at=at, phone_e164="+61412345678"), POLICY, at)
    assert decision.due_at == datetime(2024, 1, 15, 1, 30, tzinfo=UTC)


def test_deferral_across_the_spring_forward_night() -> None:
    at = datetime(2024, 3, 10, 3, 0, tzinfo=UTC)  # 22:00 EST on 9 March
    [decision] = evaluate(facts(created_at=at), POLICY, at)
    assert decision.due_at == datetime(2024, 3, 10, 12, 0, tzinfo=UTC)  # 08:00 EDT


def test_past_due_in_allowed_hours_is_sent_now_not_deferred() -> None:
    now = T0 + 2 * HOUR
    [decision] = evaluate(facts(), POLICY, now)
    assert decision.due_at == now and not decision.deferred


# ------------------------------------------------------------------------ daily limit


def test_daily_limit_moves_the_next_message_to_the_next_local_morning() -> None:
    changed = facts(last_notified_at=T0, last_status_change=("on_hold", T0 + HOUR))
    under = decisions(
        evaluate(dataclasses.replace(changed, sent_today_for_ticket=2), POLICY, T0 + HOUR)
    )
    assert under[STATUS].due_at == T0 + HOUR and not under[STATUS].deferred
    capped = dataclasses.replace(changed, sent_today_for_ticket=3)
    over = decisions(evaluate(capped, POLICY, T0 + HOUR))[STATUS]
    assert over.due_at == datetime(2024, 6, 13, 12, 0, tzinfo=UTC)  # 08:00 EDT next day
    assert over.deferred and "daily limit" in over.reason


def test_daily_limit_counts_the_customer_local_day() -> None:
    # 23:00 in New York on 12 June: three sent "today", but quiet hours already move the
    # message to 13 June, a new local day, so the limit does not push it further.
    late = datetime(2024, 6, 13, 3, 0, tzinfo=UTC)
    changed = facts(
        last_notified_at=T0, last_status_change=("pending", late), sent_today_for_ticket=3
    )
    decision = decisions(evaluate(changed, POLICY, late))[STATUS]
    assert decision.due_at == datetime(2024, 6, 13, 12, 0, tzinfo=UTC)
    assert "daily limit" not in decision.reason


# ------------------------------------------------------------------------ still_relevant


def test_acknowledgement_relevance() -> None:
    due = T0 + MINUTE
    assert still_relevant(ACK, due, facts(), POLICY, due) == (True, "no response yet")
    replied = facts(last_agent_reply_at=T0 + 30 * timedelta(seconds=1))
    assert not still_relevant(ACK, due, replied, POLICY, due)[0]
    assert not still_relevant(ACK, due, facts(status="solved"), POLICY, due)[0]
    ok, reason = still_relevant(ACK, due, facts(sms_opted_out=True), POLICY, due)
    assert not ok and "opted out" in reason
    changed = facts(last_status_change=("on_hold", T0 + 30 * timedelta(seconds=1)))
    assert not still_relevant(ACK, due, changed, POLICY, due)[0]


def test_status_change_relevance() -> None:
    at = T0 + HOUR
    changed = facts(status="pending", last_notified_at=T0, last_status_change=("pending", at))
    assert still_relevant(STATUS, at, changed, POLICY, at)[0]
    newer = dataclasses.replace(changed, status="solved", last_status_change=("solved", at + HOUR))
    ok, reason = still_relevant(STATUS, at, newer, POLICY, at + HOUR)
    assert not ok and "newer status change" in reason
    notified = dataclasses.replace(changed, last_notified_at=at + MINUTE)
    assert not still_relevant(STATUS, at, notified, POLICY, at + HOUR)[0]


def test_still_working_relevance() -> None:
    replied = facts(last_agent_reply_at=T0 + HOUR, last_notified_at=T0 + MINUTE)
    due = T0 + HOUR + 24 * HOUR
    assert still_relevant(STILL, due, replied, POLICY, due)[0]
    reset = dataclasses.replace(replied, last_agent_reply_at=due - HOUR)
    ok, reason = still_relevant(STILL, due, reset, POLICY, due)
    assert not ok and "silence" in reason
    solved = dataclasses.replace(replied, status="solved")
    assert not still_relevant(STILL, due, solved, POLICY, due)[0]
    assert not still_relevant(STILL, due, replied, NotificationPolicy(enabled=False), due)[0]


def test_relevance_accepts_stored_kind_strings() -> None:
    stored: Any = "acknowledgement"  # as read back from the outbox table
    assert still_relevant(stored, T0 + MINUTE, facts(), POLICY, T0)[0]


# ------------------------------------------------------------------------ purity


def test_evaluate_never_reads_the_clock() -> None:
    expected = evaluate(facts(), POLICY, T0)
    with time_machine.travel(datetime(1999, 12, 31, 23, 59, tzinfo=UTC), tick=False):
        assert evaluate(facts(), POLICY, T0) == expected
    with pytest.raises(ValueError, match="aware"):
        evaluate(facts(), POLICY, datetime(2024, 6, 12, 14, 0))
