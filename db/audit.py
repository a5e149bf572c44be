"""The audit log: who did what, when, with the values before and after."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from db.models import AuditLog
from desktop.core.identity import Actor


@cache
def workstation() -> str:
    """This machine's name, recorded with each audited change."""
    return platform.node() or "unknown"


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditLog:
    """Add an audit row to the caller's transaction (it commits or rolls back with the change)."""
    row = AuditLog(
        at=at or datetime.now(UTC),
        actor_id=actor.employee_id if actor else None,
        workstation=workstation(),
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    session.add(row)
    return row


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif hasattr(value, "value") and isinstance(value.value, str):
            out[key] = value.value
        else:
            out[key] = value
    return out
