"""Saved filters of the ticket board: per employee, named, audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.actions.tickets import ActionRefused
from db.audit import record
from db.models import SavedFilter
from desktop.core.identity import Actor

MAX_FILTER_NAME = 100


def save_filter(
    session: Session,
    actor: Actor,
    name: str,
    definition: dict[str, Any],
    view: str = "tickets",
) -> int:
    """Save (or overwrite) the actor's filter called ``name``; returns its id. Audited."""
    if actor.employee_id is None:
        raise ActionRefused("Saved filters belong to an employee; you are not signed in as one.")
    clean = " ".join(name.split())
    if not clean:
        raise ActionRefused("A saved filter needs a name.")
    if len(clean) > MAX_FILTER_NAME:
        raise ActionRefused(f"A filter name can have at most {MAX_FILTER_NAME} characters.")
    row = session.scalars(
        select(SavedFilter).where(
            SavedFilter.employee_id == actor.employee_id,
            SavedFilter.view == view,
            SavedFilter.name == clean,
        )
    ).first()
    before = dict(row.definition) if row is not None else None
    if row is None:
        row = SavedFilter(
            employee_id=actor.employee_id, view=view, name=clean, definition=dict(definition)
        )
        session.add(row)
    else:
        row.definition = dict(definition)
    session.flush()
    record(session, actor, "saved_filter.save", "saved_filter", row.id, before, definition)
    return row.id


def delete_filter(session: Session, actor: Actor, filter_id: int) -> None:
    """Delete one of the actor's saved filters (someone else's is refused). Audited."""
    row = session.get(SavedFilter, filter_id)
    if row is None:
        return
    if row.employee_id != actor.employee_id:
        raise ActionRefused("You can only delete your own saved filters.")
    record(
        session, actor, "saved_filter.delete", "saved_filter", row.id, dict(row.definition), None
    )
    session.delete(row)
