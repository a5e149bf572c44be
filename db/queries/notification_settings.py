"""The notification policy as stored: JSON in ``notification_policies.settings`` <-> objects.

One row with ``queue_id`` NULL is the site default; a row per queue may override it. The JSON
holds what a supervisor edits (rules, quiet hours, limits, company name) and what an operator
tunes (the error-class table, retry limits), so every dispatcher of the site reads the same
values. Reading is forgiving: a stored value that no longer validates falls back to the
default and the problem is reported in ``PolicySettings.problems``, so a bad edit made by an
older version never stops the dispatcher. Saving is strict (``parse_settings`` raises).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import NotificationPolicyRow
from desktop.core.domain import Priority, TicketStatus
from desktop.core.notification_policy import NotificationPolicy
from desktop.core.quiet_hours import SendWindow

log = logging.getLogger(__name__)

DEFAULT_COMPANY = "Proximity Support"
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_BASE_S = 30.0
DEFAULT_RETRY_CAP_S = 3600.0
#: Error classes an operator may assign to a Twilio code (see desktop/notify/twilio_errors).
ERROR_CLASS_NAMES = (
    "retryable",
    "daily_limit_pause",
    "permanent",
    "opted_out",
    "carrier_filtered",
    "configuration",
    "unknown",
)


@dataclass(frozen=True)
class PolicySettings:
    """Everything the notification engine reads from one policy row.

    Attributes:
        policy: the pure rules (desktop/core/notification_policy.py).
        company: value of the ``{company}`` placeholder.
        error_classes: Twilio code -> error class name overrides.
        max_attempts: sends tried before a retryable failure becomes final.
        retry_base_s / retry_cap_s: full-jitter back-off after a failed send.
        problems: stored values that were invalid and replaced by defaults.
    """

    policy: NotificationPolicy = field(default_factory=NotificationPolicy)
    company: str = DEFAULT_COMPANY
    error_classes: Mapping[str, str] = field(default_factory=dict)
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_base_s: float = DEFAULT_RETRY_BASE_S
    retry_cap_s: float = DEFAULT_RETRY_CAP_S
    problems: tuple[str, ...] = ()


def _time(value: Any, name: str) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    try:
        hours, minutes = str(value).strip().split(":")[:2]
        return time(int(hours), int(minutes))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a time such as 08:00, not {value!r}") from exc


def _number(value: Any, name: str, low: float, integer: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number, not {value!r}") from exc
    if number < low or number != number:  # NaN fails both
        raise ValueError(f"{name} must be at least {low:g}, not {value!r}")
    if integer and number != int(number):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    return number


def parse_settings(raw: Mapping[str, Any]) -> PolicySettings:
    """Validate stored or edited JSON; missing keys take their defaults.

    Raises:
        ValueError: with one message listing every invalid value.
    """
    errors: list[str] = []
    default = NotificationPolicy()
    kwargs: dict[str, Any] = {}

    def attempt(fn: Any) -> None:
        try:
            fn()
        except ValueError as exc:
            errors.append(str(exc))

    def ack() -> None:
        value = raw.get("ack_minutes", default.ack_minutes)
        kwargs["ack_minutes"] = (
            None if value is None else int(_number(value, "Acknowledgement delay", 0, True))
        )

    def statuses() -> None:
        value = raw.get("status_change_statuses", sorted(default.status_change_statuses))
        known = {s.value for s in TicketStatus}
        chosen = {str(s) for s in value}
        unknown = sorted(chosen - known)
        if unknown:
            raise ValueError(f"Unknown ticket status {', '.join(unknown)} in announced statuses")
        kwargs["status_change_statuses"] = frozenset(chosen)

    def hours() -> None:
        value = raw.get("still_working_hours", dict(default.still_working_hours))
        known = {p.value for p in Priority}
        table: dict[str, float] = {}
        for key, amount in dict(value).items():
            if key not in known:
                raise ValueError(f"Unknown priority {key!r} in still-working intervals")
            table[key] = _number(amount, f"Still-working interval for {key}", 0.05)
        kwargs["still_working_hours"] = table

    def window() -> None:
        start = _time(raw.get("quiet_start", default.window.start), "Quiet hours end (first send)")
        end = _time(raw.get("quiet_end", default.window.end), "Quiet hours start (last send)")
        kwargs["window"] = SendWindow(start, end)

    def cap() -> None:
        value = raw.get("max_per_ticket_per_day", default.max_per_ticket_per_day)
        kwargs["max_per_ticket_per_day"] = int(
            _number(value, "Messages per ticket per day", 1, True)
        )

    for step in (ack, statuses, hours, window, cap):
        attempt(step)
    kwargs["enabled"] = bool(raw.get("enabled", True))

    extra: dict[str, Any] = {}

    def company() -> None:
        value = str(raw.get("company", DEFAULT_COMPANY)).strip()
        if len(value) > 60:
            raise ValueError("Company name must be 60 characters or fewer")
        extra["company"] = value

    def error_classes() -> None:
        table = {
            str(k).strip(): str(v).strip().lower() for k, v in raw.get("error_classes", {}).items()
        }
        for code, name in table.items():
            if not code.isdigit():
                raise ValueError(f"Error class override: {code!r} is not a Twilio error code")
            if name not in ERROR_CLASS_NAMES:
                raise ValueError(
                    f"Error class override {code}: {name!r} is not one of "
                    f"{', '.join(ERROR_CLASS_NAMES)}"
                )
        extra["error_classes"] = table

    def retries() -> None:
        extra["max_attempts"] = int(
            _number(raw.get("max_attempts", DEFAULT_MAX_ATTEMPTS), "Maximum attempts", 1, True)
        )
        extra["retry_base_s"] = _number(
            raw.get("retry_base_seconds", DEFAULT_RETRY_BASE_S), "Retry delay", 0.1
        )
        extra["retry_cap_s"] = _number(
            raw.get("retry_cap_seconds", DEFAULT_RETRY_CAP_S), "Longest retry delay", 0.1
        )

    for step in (company, error_classes, retries):
        attempt(step)
    if errors:
        raise ValueError("; ".join(errors))
    try:
        policy = NotificationPolicy(**kwargs)
    except ValueError as exc:
        raise ValueError(str(exc)) from exc
    return PolicySettings(policy=policy, **extra)


def settings_to_json(settings: PolicySettings) -> dict[str, Any]:
    """The JSON stored for ``settings`` (round-trips through ``parse_settings``)."""
    policy = settings.policy
    return {
        "enabled": policy.enabled,
        "ack_minutes": policy.ack_minutes,
        "status_change_statuses": sorted(policy.status_change_statuses),
        "still_working_hours": dict(policy.still_working_hours),
        "quiet_start": policy.window.start.strftime("%H:%M"),
        "quiet_end": policy.window.end.strftime("%H:%M"),
        "max_per_ticket_per_day": policy.max_per_ticket_per_day,
        "company": settings.company,
        "error_classes": dict(settings.error_classes),
        "max_attempts": settings.max_attempts,
        "retry_base_seconds": settings.retry_base_s,
        "retry_cap_seconds": settings.retry_cap_s,
    }


def read_settings(raw: Mapping[str, Any] | None, where: str = "policy") -> PolicySettings:
    """Forgiving read: invalid stored values fall back to the defaults, with the reason kept."""
    if not raw:
        return PolicySettings()
    try:
        return parse_settings(raw)
    except (ValueError, TypeError, AttributeError) as exc:
        problem = f"{where}: stored settings are invalid ({exc}); using the defaults"
        log.error("%s", problem)
        return PolicySettings(problems=(problem,))


@dataclass(frozen=True)
class PolicyBook:
    """The site default and the per-queue policies, as one lookup."""

    default: PolicySettings
    by_queue: Mapping[int, PolicySettings] = field(default_factory=dict)
    default_version: int | None = None
    updated_at: datetime | None = None  # the latest save of any policy row

    def for_queue(self, queue_id: int | None) -> PolicySettings:
        """The queue's own policy, else the site default."""
        if queue_id is None:
            return self.default
        return self.by_queue.get(queue_id, self.default)


def load_policy_book(session: Session) -> PolicyBook:
    """Read every policy row (a handful) into a ``PolicyBook``."""
    default = PolicySettings()
    version: int | None = None
    by_queue: dict[int, PolicySettings] = {}
    rows = session.execute(
        select(
            NotificationPolicyRow.queue_id,
            NotificationPolicyRow.settings,
            NotificationPolicyRow.version,
            NotificationPolicyRow.updated_at,
        )
    ).all()
    updated = max((row[3] for row in rows), default=None)
    for queue_id, raw, row_version, _ in rows:
        if queue_id is None:
            default = read_settings(raw, "default policy")
            version = row_version
    for queue_id, raw, _, _ in rows:
        if queue_id is not None:
            merged = {**settings_to_json(default), **(raw or {})}
            by_queue[queue_id] = read_settings(merged, f"policy of queue {queue_id}")
    return PolicyBook(default, by_queue, version, updated)
