"""Rebalancing operations: reassign tickets (and undo), run on a worker, one transaction each.

``db.actions.tickets.assign`` checks the version each ticket had on screen (optimistic
locking) and writes the audit row in the same transaction; a ticket changed on another
workstation meanwhile raises ``ConcurrentEdit`` and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from db.actions.tickets import ActionRefused, ActionResult, TicketRef, assign, undo
from db.engine import Database
from desktop.core.identity import Actor

MIME_TICKETS = "application/x-proximity-tickets"


@dataclass(frozen=True)
class Outcome:
    """What a rebalancing operation did: the result, or the reason it was refused.

    Attributes:
        result: the action's result (for undo), None when refused.
        refused: why the action was not allowed (a rule, not a conflict).
        moved: how many tickets changed hands.
        to_name: who received them (for the message).
    """

    result: ActionResult | None
    refused: str | None = None
    moved: int = 0
    to_name: str = ""


def reassign(
    db: Database,
    actor: Actor,
    refs: Sequence[TicketRef],
    assignee_id: int,
    assignee_name: str,
    now: datetime,
) -> Outcome:
    """Worker function: give the tickets to ``assignee_id`` in one audited transaction.

    Raises:
        ConcurrentEdit: a ticket changed since it was shown (nothing was saved).
    """
    if not actor.is_known:
        return Outcome(None, "Sign in as an employee to reassign tickets.")
    try:
        with db.write() as session:
            result = assign(session, actor, list(refs), assignee_id, now)
    except ActionRefused as exc:
        return Outcome(None, str(exc))
    moved = sum(1 for r in refs if result.previous.get(r.ticket_id) != str(assignee_id))
    return Outcome(result, None, moved, assignee_name)


def undo_reassign(db: Database, actor: Actor, result: ActionResult, now: datetime) -> Outcome:
    """Worker function: put the tickets back, if nobody touched them since."""
    try:
        with db.write() as session:
            undone = undo(session, actor, result, now)
    except ActionRefused as exc:
        return Outcome(None, str(exc))
    return Outcome(undone, None, len(undone.refs), "their previous owners")
