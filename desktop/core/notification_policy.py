"""Notification policy: which customer SMS a ticket is due, and when.

Pure evaluation over plain facts (timezone-aware UTC datetimes; ``now`` is a parameter).
The dispatcher (desktop/notify/) turns each ``Decision`` into an outbox row and asks
``still_relevant`` at send time. Rules, from issue 5:

- acknowledgement ``ack_minutes`` after creation, unless the customer already heard from us
  or a status-change message is coming (one message, not two, in the first minute);
- a status-change message when the latest change is in the chosen set and newer than the
  last notification;
- still working after ``still_working_hours[priority]`` of silence (since the latest of
  creation, agent reply, notification) while not solved/closed; not scheduled while another
  message is pending, since that message restarts the clock;
- never to opted-out, non-SMS or unreachable customers (``Skip`` with a reason); quiet hours
  defer; at most ``max_per_ticket_per_day`` per local day, the next one moving to the next
  local day's window start.

A ``Skip`` means a rule fired but something stops it. A rule that did not fire (agent
replied first, kind already pending) emits nothing, so re-evaluating every open ticket does
not produce a row per ticket saying "nothing to do".
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from desktop.core.domain import Channel, TicketStatus
from desktop.core.notification_policy_phone import lookup_phone
from desktop.core.quiet_hours import DEFAULT_WINDOW, SendWindow, next_allowed, resolve_zones

_CLOSED_STATUSES = frozenset({TicketStatus.SOLVED.value, TicketStatus.CLOSED.value})
# Timestamps round-trip through the database; tolerate sub-second drift when comparing.
_TOLERANCE = timedelta(seconds=1)
_MAX_DAYS_AHEAD = 8  # bound of the daily-limit search
_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0)


class NotificationKind(StrEnum):
    """What a customer notification is about; values are stored in the outbox."""

    ACKNOWLEDGEMENT = "acknowledgement"
    STATUS_CHANGE = "status_change"
    STILL_WORKING = "still_working"


# Plain module constants: attribute access on an Enum class costs a descriptor call, and
# evaluate runs 100,000 times per scheduling pass.
_ACK = NotificationKind.ACKNOWLEDGEMENT
_STATUS = NotificationKind.STATUS_CHANGE
_STILL = NotificationKind.STILL_WORKING
# (kind, original due, template key, reason)
_Wanted = tuple[NotificationKind, datetime, str, str]


def _default_hours() -> Mapping[str, float]:
    return MappingProxyType({"urgent": 4, "high": 12, "normal": 24, "low": 48})


@dataclass(frozen=True)
class NotificationPolicy:
    """The supervisor-editable policy. Invalid values raise ``ValueError`` on construction.

    Attributes:
        ack_minutes: acknowledgement delay after creation; None disables acknowledgements.
        status_change_statuses: statuses whose change is announced (template "status_<s>").
        still_working_hours: silence allowed per priority; a priority absent here gets none.
        window: quiet hours, in the customer's local time.
        max_per_ticket_per_day: messages per ticket per customer-local day.
        enabled: master switch.

    Not hashable (the mapping field); compare with ``==``.
    """

    ack_minutes: int | None = 1
    status_change_statuses: frozenset[str] = frozenset({"pending", "on_hold", "solved"})
    still_working_hours: Mapping[str, float] = field(default_factory=_default_hours)
    window: SendWindow = DEFAULT_WINDOW
    max_per_ticket_per_day: int = 3
    enabled: bool = True
    _intervals: Mapping[str, timedelta] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.ack_minutes is not None and self.ack_minutes < 0:
            raise ValueError("ack_minutes must be 0 or more (or None to disable)")
        if self.max_per_ticket_per_day < 1:
            raise ValueError("max_per_ticket_per_day must be at least 1")
        if any(hours <= 0 for hours in self.still_working_hours.values()):
            raise ValueError("still_working_hours must all be positive")
        # Copies, so a caller mutating its own dict or set cannot change a frozen policy.
        hours = MappingProxyType(dict(self.still_working_hours))
        object.__setattr__(self, "still_working_hours", hours)
        object.__setattr__(self, "status_change_statuses", frozenset(self.status_change_statuses))
        intervals = {key: timedelta(hours=value) for key, value in hours.items()}
        object.__setattr__(self, "_intervals", MappingProxyType(intervals))

    def still_working_interval(self, priority: str) -> timedelta | None:
        """Allowed silence for a priority, or None when the policy sets none."""
        return self._intervals.get(priority)


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketFacts:
    """What the policy needs to know about one ticket, its customer and its outbox rows.

    Attributes:
        last_notified_at: last customer notification actually sent (any kind).
        last_status_change: (new status, when) of the latest status change.
        phone_e164: the customer's mobile number; None when unknown.
        customer_tz / queue_tz: IANA zone names, used for quiet hours and the local day.
        preferred_channel: "sms", "email", "voice"...; None means no stated preference.
        sent_today_for_ticket: messages sent for this ticket in the customer's local day
            containing ``now``.
        pending_kinds: kinds already scheduled or deferred in the outbox.
    """

    ticket_id: int
    status: str
    priority: str
    created_at: datetime
    first_response_at: datetime | None = None
    last_agent_reply_at: datetime | None = None
    last_notified_at: datetime | None = None
    last_status_change: tuple[str, datetime] | None = None
    phone_e164: str | None = None
    customer_tz: str | None = None
    queue_tz: str | None = None
    language: str = "en"
    preferred_channel: str | None = Channel.SMS.value
    sms_opted_out: bool = False
    sent_today_for_ticket: int = 0
    pending_kinds: frozenset[NotificationKind] = frozenset()

    def __post_init__(self) -> None:
        change = self.last_status_change
        for value in (
            self.created_at,
            self.first_response_at,
            self.last_agent_reply_at,
            self.last_notified_at,
            None if change is None else change[1],
        ):
            if value is not None and value.tzinfo is None:
                raise ValueError(f"TicketFacts datetimes must be timezone-aware, got {value!r}")


@dataclass(frozen=True, slots=True)
class Decision:
    """A message to enqueue.

    Attributes:
        due_at: when to send, after quiet hours and the daily limit (UTC).
        original_due_at: when the rule made it due; the dispatcher passes it back to
            ``still_relevant``.
        template_key: key of the template to render (see ``sms_text.DEFAULT_TEMPLATES``).
        deferred: True when quiet hours or the daily limit moved it.
        reason: human explanation for the outbox view.
    """

    kind: NotificationKind
    due_at: datetime
    original_due_at: datetime
    template_key: str
    deferred: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Skip:
    """A rule fired but no message will be sent, and why."""

    kind: NotificationKind
    reason: str


def template_key_for(kind: NotificationKind, status: str | None = None) -> str:
    """Template key of a notification: "acknowledgement", "status_<status>", "still_working"."""
    if kind is NotificationKind.STATUS_CHANGE:
        return f"status_{status}"
    return kind.value


def _blocked_reason(facts: TicketFacts) -> str | None:
    """Why this customer cannot get an SMS at all, or None."""
    if facts.sms_opted_out:
        return "customer opted out of SMS"
    channel = facts.preferred_channel
    if channel is not None and channel.lower() != Channel.SMS.value:
        return f"customer prefers {channel}, not SMS"
    if not facts.phone_e164:
        return "no phone number for the customer"
    if not lookup_phone(facts.phone_e164).valid:
        return "customer phone number is not a valid number"
    return None


def _silence_start(facts: TicketFacts) -> datetime:
    start = facts.created_at
    for moment in (facts.last_agent_reply_at, facts.last_notified_at):
        if moment is not None and moment > start:
            start = moment
    return start


def _status_message_due(facts: TicketFacts, policy: NotificationPolicy) -> bool:
    """Whether the latest status change still awaits its message."""
    change = facts.last_status_change
    if change is None or change[0] not in policy.status_change_statuses:
        return False
    return facts.last_notified_at is None or change[1] > facts.last_notified_at


@functools.lru_cache(maxsize=64)
def _quiet_note(window: SendWindow) -> str:
    return f"deferred by quiet hours ({window.start:%H:%M}-{window.end:%H:%M} local)"


def _schedule(
    wanted: list[_Wanted],
    facts: TicketFacts,
    policy: NotificationPolicy,
    now: datetime,
) -> list[Decision]:
    """Apply quiet hours, then the daily limit, to the messages the rules want."""
    zones = resolve_zones(facts.customer_tz, facts.phone_e164, facts.queue_tz)
    window = policy.window
    cap = policy.max_per_ticket_per_day
    # The local day is the first zone's: the customer's own zone when it is known.
    day_zone = zones[0]
    used: dict[date, int] = {now.astimezone(day_zone).date(): facts.sent_today_for_ticket}
    if len(wanted) > 1:
        wanted.sort(key=lambda item: item[1])
    decisions: list[Decision] = []
    for kind, original, key, reason in wanted:
        earliest = original if original > now else now  # nothing is sent in the past
        due = next_allowed(earliest, zones, window)
        quiet = due != earliest
        day = due.astimezone(day_zone).date()
        capped = False
        for _ in range(_MAX_DAYS_AHEAD):
            if used.get(day, 0) < cap:
                break
            # Not dropped: moved to the first allowed minute of the next local day.
            midnight = datetime.combine(day + _ONE_DAY, _MIDNIGHT, tzinfo=day_zone)
            due = next_allowed(midnight.astimezone(UTC), zones, window)
            day = due.astimezone(day_zone).date()
            capped = True
        used[day] = used.get(day, 0) + 1
        if quiet and not capped:
            reason = f"{reason}; {_quiet_note(window)}"
        elif capped:
            reason = f"{reason}; daily limit of {cap} reached, moved to the next local day"
        decisions.append(Decision(kind, due, original, key, quiet or capped, reason))
    return decisions


def evaluate(
    facts: TicketFacts, policy: NotificationPolicy, now: datetime
) -> list[Decision | Skip]:
    """Decide which notifications a ticket is due.

    Args:
        facts: the ticket, its customer and its pending outbox kinds.
        policy: the notification policy.
        now: the current instant (timezone-aware); never read from the clock here.

    Returns:
        Decisions (messages to enqueue, possibly due in the future) and Skips (a rule fired
        but a reason stops it). Empty when the policy is disabled or nothing applies.

    Raises:
        ValueError: when ``now`` is naive.
    """
    if not policy.enabled:
        return []
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    pending = facts.pending_kinds
    is_open = facts.status not in _CLOSED_STATUSES
    results: list[Decision | Skip] = []
    wanted: list[_Wanted] = []

    status_coming = _STATUS in pending
    if not status_coming and _status_message_due(facts, policy):
        status, changed_at = facts.last_status_change  # type: ignore[misc]  # checked above
        key = template_key_for(_STATUS, status)
        wanted.append((_STATUS, changed_at, key, f"status changed to {status}"))
        status_coming = True

    ack_coming = _ACK in pending
    if (
        policy.ack_minutes is not None
        and not ack_coming
        and facts.first_response_at is None
        and facts.last_agent_reply_at is None
        and facts.last_notified_at is None
    ):
        if status_coming:
            results.append(Skip(_ACK, "the status-change message acknowledges the ticket"))
        elif not is_open:
            results.append(Skip(_ACK, f"ticket is already {facts.status}"))
        else:
            due = facts.created_at + timedelta(minutes=policy.ack_minutes)
            reason = f"new ticket: acknowledgement {policy.ack_minutes} min after creation"
            wanted.append((_ACK, due, "acknowledgement", reason))
            ack_coming = True

    # Any message restarts the silence clock, so still-working waits for pending ones.
    if is_open and _STILL not in pending and not status_coming and not ack_coming:
        interval = policy.still_working_interval(facts.priority)
        if interval is None:
            reason = f"no still-working interval for priority {facts.priority!r}"
            results.append(Skip(_STILL, reason))
        else:
            hours = interval.total_seconds() / 3600
            reason = f"{hours:g} h of silence ({facts.priority} priority)"
            wanted.append((_STILL, _silence_start(facts) + interval, "still_working", reason))

    if not wanted:
        return results
    blocked = _blocked_reason(facts)
    if blocked is not None:
        results.extend(Skip(kind, blocked) for kind, *_ in wanted)
        return results
    results.extend(_schedule(wanted, facts, policy, now))
    return results


def still_relevant(
    kind: NotificationKind,
    original_due_at: datetime,
    facts: TicketFacts,
    policy: NotificationPolicy,
    now: datetime,
) -> tuple[bool, str]:
    """Whether a queued message should still be sent, judged at send time.

    Obsolete when the policy is off, the customer cannot or will not receive SMS any more,
    the ticket was solved (acknowledgement, still working), the customer heard from us
    since, a newer status change replaced the announced one, or a reply reset the silence.
    Quiet hours and the daily limit are not checked here: they reschedule, they do not
    cancel (use ``quiet_hours.is_allowed`` / ``next_allowed``).

    Args:
        kind: the queued row's kind.
        original_due_at: the row's ``Decision.original_due_at``.
        facts: the ticket's facts now.
        policy: the policy now.
        now: the send time. No rule depends on it yet; it is part of the signature so that
            time-based rules (a maximum lateness) need no change in callers.

    Returns:
        (relevant, reason) with a human reason either way.
    """
    del now  # see the docstring
    if not policy.enabled:
        return False, "notifications are disabled"
    blocked = _blocked_reason(facts)
    if blocked is not None:
        return False, blocked
    kind = NotificationKind(kind)
    is_open = facts.status not in _CLOSED_STATUSES

    if kind is NotificationKind.ACKNOWLEDGEMENT:
        if not is_open:
            return False, f"ticket is {facts.status}"
        if facts.last_agent_reply_at is not None:
            return False, "an agent replied first"
        if facts.last_notified_at is not None or facts.first_response_at is not None:
            return False, "the customer already heard from us"
        if _status_message_due(facts, policy):
            return False, "the status-change message acknowledges it"
        return True, "no response yet"

    if kind is NotificationKind.STATUS_CHANGE:
        change = facts.last_status_change
        if change is None:
            return False, "no status change on record"
        status, changed_at = change
        if changed_at - original_due_at > _TOLERANCE:
            return False, f"a newer status change (to {status}) replaced it"
        if facts.status != status:
            return False, f"ticket status is now {facts.status}"
        if status not in policy.status_change_statuses:
            return False, f"status {status} is no longer announced"
        if facts.last_notified_at is not None and facts.last_notified_at >= changed_at:
            return False, "a message was sent after the status change"
        return True, f"status is still {status}"

    if not is_open:
        return False, f"ticket is {facts.status}"
    interval = policy.still_working_interval(facts.priority)
    if interval is None:
        return False, f"no still-working interval for priority {facts.priority!r}"
    since = _silence_start(facts)
    if since + interval - original_due_at > _TOLERANCE:
        # A reply or message restarted the clock (or the priority now allows longer); the
        # next evaluation schedules a fresh update.
        return False, f"silence now counts from {since:%Y-%m-%d %H:%M} UTC: not due yet"
    if _status_message_due(facts, policy):
        return False, "the status-change message is due instead"
    return True, f"silent since {since:%Y-%m-%d %H:%M} UTC"
