"""What failures mean and when sending pauses: the retry rules and the stored pause.

The rules come from the policy settings (a table an operator may edit): how many attempts,
the back-off, and which Twilio code means what. A pause (daily limit reached, credentials
refused) is stored in ``app_meta`` so that a restarted dispatcher, or the one that takes
over, respects it too, and the notifications view can say why nothing is sent.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from db.models import AppMeta
from db.queries.notification_settings import PolicySettings
from desktop.notify.twilio_errors import DEFAULT_ERROR_TABLE, ErrorClass, ErrorTable
from desktop.notify.twilio_gateway import SendResult

PAUSE_UNTIL_KEY = "notifications.paused_until"
PAUSE_REASON_KEY = "notifications.pause_reason"
MODE_KEY = "notifications.mode"


@dataclass(frozen=True)
class RetryRules:
    """How failures turn into retries and pauses (from the policy settings)."""

    max_attempts: int = 5
    base_s: float = 30.0
    cap_s: float = 3600.0
    error_table: ErrorTable = DEFAULT_ERROR_TABLE
    reconcile_after_s: float = 1.0  # the floor; 3x the HTTP timeout applies (Dispatcher._grace)
    first_poll_s: float = 5.0
    credentials_pause_s: float = 900.0
    rand: Callable[[], float] = field(default=random.random)

    def classify(self, result: SendResult) -> ErrorClass:
        """The settings' class for a failed send (an override by code wins)."""
        if result.error_code is not None and result.error_code in self.error_table.codes:
            return self.error_table.codes[result.error_code]
        return result.error_class or ErrorClass.UNKNOWN


def rules_from_settings(settings: PolicySettings, base: RetryRules) -> RetryRules:
    """``base`` with the policy's attempt limit, back-off and error-class overrides.

    Raises:
        ValueError: an override names no valid code or class (the caller keeps ``base``'s
            table then and says so).
    """
    return replace(
        base,
        max_attempts=settings.max_attempts,
        base_s=settings.retry_base_s,
        cap_s=settings.retry_cap_s,
        error_table=DEFAULT_ERROR_TABLE.with_overrides(settings.error_classes),
    )


@dataclass(frozen=True)
class Pause:
    """All sending stops until ``until``; ``reason`` is shown to the user."""

    until: datetime
    reason: str


def next_utc_midnight(now: datetime) -> datetime:
    """When an account's daily message limit resets (00:00 UTC), plus a minute of margin."""
    tomorrow = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 1), tzinfo=UTC)


def set_meta(session: Session, key: str, value: str | None) -> None:
    """Write (or with None, delete) an ``app_meta`` entry, in one statement.

    Two dispatchers that take over at the same moment both write the mode: a read-then-insert
    let the second fail on the primary key. ``INSERT ... ON CONFLICT DO UPDATE`` (SQLite and
    PostgreSQL both have it) cannot.
    """
    table = AppMeta.__table__
    if value is None:
        session.execute(delete(table).where(table.c.key == key))
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(key=key, value=value)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.key], set_={"value": stmt.excluded.value}
        )
    )


def save_pause(session: Session, pause: Pause | None) -> None:
    """Persist a pause so that a restarted or another dispatcher respects it too."""
    set_meta(session, PAUSE_UNTIL_KEY, pause.until.isoformat() if pause else None)
    set_meta(session, PAUSE_REASON_KEY, pause.reason if pause else None)


def load_pause(session: Session) -> Pause | None:
    """The stored pause, if any (expired ones included: the caller compares with now)."""
    until = session.get(AppMeta, PAUSE_UNTIL_KEY)
    if until is None:
        return None
    reason = session.get(AppMeta, PAUSE_REASON_KEY)
    try:
        moment = datetime.fromisoformat(until.value)
    except ValueError:
        return None
    return Pause(moment.astimezone(UTC), reason.value if reason else "sending paused")
