"""Actions on notifications: retry, cancel, send now; save the policy and the templates.

Each runs in the caller's write transaction and writes an audit row in it. The row actions
act only on rows in a state where they make sense and say plainly why others were left
alone; a message being sent right now is never touched (the dispatcher owns it). Saving
validates everything first and writes nothing when anything is wrong: the errors say which
field or which template and why, so a bad template is an error shown while editing, never a
failed send later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.audit import record
from db.errors import ConcurrentEdit
from db.models import Customer, Notification, NotificationPolicyRow, NotificationTemplate
from db.queries.notification_ids import freed_key_text
from db.queries.notification_settings import PolicySettings, parse_settings, settings_to_json
from db.queries.notification_text import LANGUAGES, TemplateBook, load_templates
from desktop.core.domain import PENDING_NOTIFICATION_STATES, NotificationState
from desktop.core.identity import Actor
from desktop.core.sms_text import DEFAULT_TEMPLATES, validate_template

_RETRYABLE = (NotificationState.FAILED, NotificationState.CANCELLED, NotificationState.SKIPPED)
_PENDING = tuple(PENDING_NOTIFICATION_STATES)
_REASON_MAX = 200


class ActionRefused(ValueError):
    """Nothing could be done; the message says why."""


@dataclass(frozen=True)
class RowActionResult:
    """How many rows an action changed and, for the others, why not."""

    action: str
    changed: tuple[int, ...]
    refused: tuple[tuple[int, str], ...] = ()

    @property
    def message(self) -> str:
        verb = {"retry": "queued again", "cancel": "cancelled", "send_now": "due now"}[self.action]
        text = f"{len(self.changed)} message(s) {verb}."
        if self.refused:
            reasons = sorted({why for _, why in self.refused})
            text += f" {len(self.refused)} left as they were: {'; '.join(reasons)}."
        return text


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _load(session: Session, ids: Sequence[int]) -> list[Notification]:
    if not ids:
        raise ActionRefused("Select at least one message.")
    return list(session.scalars(select(Notification).where(Notification.id.in_(list(ids)))))


def _reason(text: str) -> str:
    return text[:_REASON_MAX]


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    row: Notification,
    before: dict[str, Any],
    after: dict[str, Any],
    at: datetime,
) -> None:
    record(session, actor, f"notification.{action}", "notification", row.id, before, after, at)


def _result(
    action: str, changed: Sequence[int], refused: Sequence[tuple[int, str]]
) -> RowActionResult:
    """The action's result; refused outright when no row could be changed."""
    if not changed and refused:
        raise ActionRefused(refused[0][1].capitalize() + ".")
    return RowActionResult(action, tuple(changed), tuple(refused))


def retry(
    session: Session, actor: Actor, ids: Sequence[int], now: datetime | None = None
) -> RowActionResult:
    """Queue failed, cancelled or skipped messages again, due now, with a fresh text.

    A customer who opted out is refused (clear the opt-out first). The text is rendered
    again at send time, so a template fixed after a carrier filtering goes out corrected.
    """
    at = _now(now)
    changed: list[int] = []
    refused: list[tuple[int, str]] = []
    rows = _load(session, ids)
    opted = {
        cid
        for cid in session.scalars(
            select(Customer.id).where(
                Customer.id.in_({r.customer_id for r in rows}), Customer.sms_opt_out.is_(True)
            )
        )
    }
    for row in rows:
        if row.state not in _RETRYABLE:
            refused.append((row.id, "only failed, cancelled or skipped messages can be retried"))
            continue
        if row.customer_id in opted:
            refused.append((row.id, "the customer has opted out of SMS"))
            continue
        before = {"state": row.state, "error_code": row.error_code}
        row.state = NotificationState.SCHEDULED
        row.due_at = at
        row.next_attempt_at = None
        row.claimed_at = row.claimed_by = None
        row.provider_sid = row.provider_status = None
        row.error_code = row.error_message = None
        row.sent_at = row.delivered_at = None
        row.body = None
        row.attempts = 0
        row.reason = _reason(f"retry requested by {actor.full_name}")
        row.updated_at = at
        _audit(session, actor, "retry", row, before, {"state": row.state}, at)
        changed.append(row.id)
    return _result("retry", changed, refused)


def cancel(
    session: Session, actor: Actor, ids: Sequence[int], now: datetime | None = None
) -> RowActionResult:
    """Cancel queued messages (scheduled or deferred); the policy may queue a new one later."""
    at = _now(now)
    changed: list[int] = []
    refused: list[tuple[int, str]] = []
    for row in _load(session, ids):
        if row.state == NotificationState.SENDING:
            refused.append((row.id, "a message being sent right now cannot be cancelled"))
            continue
        if row.state not in _PENDING:
            refused.append((row.id, "only queued messages can be cancelled"))
            continue
        before = {"state": row.state}
        row.state = NotificationState.CANCELLED
        row.reason = _reason(f"cancelled by {actor.full_name}")
        row.dedupe_key = freed_key_text(row.dedupe_key, row.id)
        row.updated_at = at
        _audit(session, actor, "cancel", row, before, {"state": row.state}, at)
        changed.append(row.id)
    return _result("cancel", changed, refused)


def send_now(
    session: Session, actor: Actor, ids: Sequence[int], now: datetime | None = None
) -> RowActionResult:
    """Make queued messages due now. Quiet hours still apply at send time: a message for a
    customer who is asleep waits for their morning."""
    at = _now(now)
    changed: list[int] = []
    refused: list[tuple[int, str]] = []
    for row in _load(session, ids):
        if row.state not in _PENDING:
            refused.append((row.id, "only queued messages can be sent now"))
            continue
        before = {"due_at": row.due_at, "state": row.state}
        row.due_at = at
        row.state = NotificationState.SCHEDULED
        row.reason = _reason(f"send now requested by {actor.full_name}")
        row.updated_at = at
        _audit(session, actor, "send_now", row, before, {"due_at": at}, at)
        changed.append(row.id)
    return _result("send_now", changed, refused)


# ---------------------------------------------------------------------- policy and templates
class SettingsInvalid(ValueError):
    """The policy or some templates do not validate; nothing was saved.

    Attributes:
        policy_errors: problems with the policy fields.
        template_errors: (template key, language) -> problems with that template.
    """

    def __init__(
        self,
        policy_errors: Sequence[str] = (),
        template_errors: Mapping[tuple[str, str], Sequence[str]] | None = None,
    ) -> None:
        self.policy_errors = list(policy_errors)
        self.template_errors = {k: list(v) for k, v in (template_errors or {}).items()}
        count = len(self.policy_errors) + sum(len(v) for v in self.template_errors.values())
        super().__init__(f"{count} problem(s) found; nothing was saved")


@dataclass(frozen=True)
class EditorData:
    """What the policy editor starts from."""

    settings: PolicySettings
    raw: dict[str, Any]
    version: int | None
    overrides: dict[tuple[str, str], str] = field(default_factory=dict)
    languages: tuple[str, ...] = LANGUAGES


def editor_data(session: Session) -> EditorData:
    """The stored default policy (or the defaults) and the template overrides."""
    row = session.scalar(
        select(NotificationPolicyRow).where(NotificationPolicyRow.queue_id.is_(None))
    )
    from db.queries.notification_settings import read_settings

    settings = read_settings(row.settings if row else None)
    book = load_templates(session)
    languages = [*LANGUAGES, *sorted({lang for _, lang in book.overrides} - set(LANGUAGES))]
    return EditorData(
        settings,
        settings_to_json(settings),
        row.version if row else None,
        dict(book.overrides),
        tuple(languages),
    )


def _check_templates(
    templates: Mapping[tuple[str, str], str], settings: PolicySettings, stored: TemplateBook
) -> dict[tuple[str, str], list[str]]:
    errors: dict[tuple[str, str], list[str]] = {}
    for (key, language), body in templates.items():
        if not body.strip():
            if key not in DEFAULT_TEMPLATES:
                errors[(key, language)] = ["This message has no built-in text: write one."]
            continue  # empty = back to the built-in text
        problems = validate_template(body)
        if problems:
            errors[(key, language)] = problems
    merged = TemplateBook({**stored.overrides, **{k: v for k, v in templates.items() if v.strip()}})
    for status in sorted(settings.policy.status_change_statuses):
        key = f"status_{status}"
        if merged.text(key, "en") is None:
            errors.setdefault((key, "en"), []).append(
                f"Status '{status.replace('_', ' ')}' is announced but has no message: write "
                "one, or stop announcing it."
            )
    return errors


def save_settings(
    session: Session,
    actor: Actor,
    raw: Mapping[str, Any],
    templates: Mapping[tuple[str, str], str],
    expected_version: int | None,
    now: datetime | None = None,
) -> int:
    """Validate and save the default policy and template edits together; returns the version.

    Args:
        raw: the policy as JSON (see ``notification_settings.settings_to_json``).
        templates: (template key, language) -> text; an empty text removes the override
            (the built-in text applies again).
        expected_version: the policy version the editor loaded (None for none stored).

    Raises:
        SettingsInvalid: with every problem found; nothing is written.
        ConcurrentEdit: someone saved the policy meanwhile.
    """
    at = _now(now)
    try:
        settings = parse_settings(raw)
        policy_errors: list[str] = []
    except ValueError as exc:
        settings = PolicySettings()
        policy_errors = [part.strip() for part in str(exc).split(";") if part.strip()]
    stored = load_templates(session)
    template_errors = _check_templates(templates, settings, stored)
    if policy_errors or template_errors:
        raise SettingsInvalid(policy_errors, template_errors)
    row = session.scalar(
        select(NotificationPolicyRow).where(NotificationPolicyRow.queue_id.is_(None))
    )
    current = row.version if row else None
    if current != expected_version:
        raise ConcurrentEdit(
            "Someone else saved the notification policy meanwhile; it has been reloaded."
        )
    data = settings_to_json(settings)
    if row is None:
        row = NotificationPolicyRow(
            queue_id=None, settings=data, updated_at=at, updated_by=actor.employee_id
        )
        session.add(row)
        before = None
    else:
        before = dict(row.settings or {})
        row.settings = data
        row.updated_at = at
        row.updated_by = actor.employee_id
    session.flush()
    record(session, actor, "notification.policy", "notification_policy", row.id, before, data, at)
    for (key, language), body in templates.items():
        _save_template(session, actor, key, language, body, at)
    session.flush()
    return row.version


def _save_template(
    session: Session, actor: Actor, key: str, language: str, body: str, at: datetime
) -> None:
    existing = session.scalar(
        select(NotificationTemplate).where(
            NotificationTemplate.event == key,
            NotificationTemplate.language == language,
        )
    )
    text = body.strip()
    if existing is not None and existing.body == text:
        return
    if not text:
        if existing is not None:
            record(
                session,
                actor,
                "notification.template",
                "notification_template",
                existing.id,
                {"body": existing.body},
                None,
                at,
            )
            session.delete(existing)
        return
    if existing is None:
        existing = NotificationTemplate(event=key, language=language, body=text, updated_at=at)
        session.add(existing)
        session.flush()
        before = None
    else:
        before = {"body": existing.body}
        existing.body = text
        existing.updated_at = at
    record(
        session,
        actor,
        "notification.template",
        "notification_template",
        existing.id,
        before,
        {"event": key, "language": language, "body": text},
        at,
    )
