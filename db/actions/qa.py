"""QA actions: enter a review against a rubric, and edit a rubric; both audited.

Anyone who may see the agent's team (its team leads, supervisors, admins) may review an
agent; only supervisors and admins may change a rubric, since it is shared by every team.
A review's score is computed here with ``metrics.qa_score`` and stored with the review, so
later rubric edits never change a past score. An item that reviews already used is retired
(hidden from new reviews), not deleted, and its scale cannot change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.actions.coaching import CoachingRefused
from db.audit import record
from db.models import Employee, QaReview, QaReviewItem, QaRubric, QaRubricItem, Ticket
from db.queries.supervisor_access import AccessDenied, agent_access
from desktop.core import metrics
from desktop.core.domain import Role
from desktop.core.identity import Actor


@dataclass(frozen=True)
class RubricItemInput:
    """One item as the rubric editor shows it; ``item_id`` None for a new item."""

    item_id: int | None
    label: str
    weight: float = 1.0
    scale_min: int = 0
    scale_max: int = 4
    critical: bool = False


@dataclass(frozen=True)
class RubricInput:
    """A rubric as edited; ``rubric_id`` None creates one."""

    rubric_id: int | None
    name: str
    pass_mark: float
    items: tuple[RubricItemInput, ...]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def record_qa_review(
    session: Session,
    actor: Actor,
    employee_id: int,
    rubric_id: int,
    selections: Mapping[int, int],
    ticket_id: int | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> tuple[int, float]:
    """Save a review; returns (review id, score in %).

    Args:
        selections: the chosen score of every active item of the rubric, by item id.

    Raises:
        AccessDenied: the actor may not see the agent's team.
        CoachingRefused: an unknown or inactive rubric, an item left out or out of its scale,
            an unknown ticket.
    """
    at = _now(now)
    agent_access(session, actor, employee_id)
    rubric = session.get(QaRubric, rubric_id)
    if rubric is None or not rubric.active:
        raise CoachingRefused("That rubric no longer exists or was retired; reopen the form.")
    items = [i for i in rubric.items if i.active]
    if not items:
        raise CoachingRefused("That rubric has no items to score.")
    qa_items = []
    for item in items:
        if item.id not in selections:
            raise CoachingRefused(f"Score the item '{item.label}'.")
        chosen = selections[item.id]
        if not item.scale_min <= chosen <= item.scale_max:
            raise CoachingRefused(
                f"'{item.label}' takes {item.scale_min} to {item.scale_max}, not {chosen}."
            )
        qa_items.append(
            metrics.QaItem(chosen, item.scale_min, item.scale_max, item.weight, item.critical)
        )
    extra = set(selections) - {i.id for i in items}
    if extra:
        raise CoachingRefused("The rubric changed while you were scoring; reopen the form.")
    if ticket_id is not None and session.get(Ticket, ticket_id) is None:
        raise CoachingRefused(f"No ticket #{ticket_id}.")
    score = metrics.qa_score(qa_items, rubric.pass_mark)
    if score is None:
        raise CoachingRefused("Every item of that rubric has weight 0; fix the rubric first.")
    review = QaReview(
        employee_id=employee_id,
        reviewer_id=actor.employee_id,
        rubric_id=rubric.id,
        ticket_id=ticket_id,
        reviewed_at=at,
        score_pct=score,
        comment=comment.strip() or None,
    )
    session.add(review)
    session.flush()
    for item in items:
        session.add(
            QaReviewItem(review_id=review.id, item_id=item.id, selected=selections[item.id])
        )
    record(
        session,
        actor,
        "qa.review",
        "qa_review",
        review.id,
        None,
        {
            "employee_id": employee_id,
            "rubric": rubric.name,
            "score_pct": round(score, 2),
            "ticket_id": ticket_id,
            "items": {str(i.id): selections[i.id] for i in items},
        },
        at,
    )
    return review.id, score


def _validate(data: RubricInput) -> None:
    if not data.name.strip():
        raise CoachingRefused("Give the rubric a name.")
    if not 0 <= data.pass_mark <= 1:
        raise CoachingRefused("The pass mark of critical items is between 0 and 100 %.")
    if not data.items:
        raise CoachingRefused("A rubric needs at least one item.")
    labels = [i.label.strip().lower() for i in data.items]
    if any(not label for label in labels):
        raise CoachingRefused("Every item needs a label.")
    if len(set(labels)) != len(labels):
        raise CoachingRefused("Two items have the same label.")
    for item in data.items:
        if item.scale_max <= item.scale_min:
            raise CoachingRefused(f"'{item.label}': the top of the scale must exceed the bottom.")
        if item.weight < 0:
            raise CoachingRefused(f"'{item.label}': the weight cannot be negative.")
    if sum(i.weight for i in data.items) <= 0:
        raise CoachingRefused("At least one item needs a weight above 0.")


def _item_dict(item: QaRubricItem) -> dict[str, object]:
    return {
        "id": item.id,
        "label": item.label,
        "weight": item.weight,
        "scale": [item.scale_min, item.scale_max],
        "critical": item.critical,
        "active": item.active,
    }


def save_rubric(
    session: Session, actor: Actor, data: RubricInput, now: datetime | None = None
) -> int:
    """Create or change a rubric; returns its id.

    Raises:
        AccessDenied: the actor is not a supervisor or an admin.
        CoachingRefused: invalid items, a duplicate name, or a scale change of an item that
            reviews already used.
    """
    at = _now(now)
    role = session.scalar(select(Employee.role).where(Employee.id == actor.employee_id))
    if role not in (Role.SUPERVISOR, Role.ADMIN):
        raise AccessDenied("Only supervisors and admins can change a QA rubric.")
    _validate(data)
    name = data.name.strip()
    clash = session.scalar(select(QaRubric.id).where(func.lower(QaRubric.name) == name.lower()))
    if clash is not None and clash != data.rubric_id:
        raise CoachingRefused(f"Another rubric is already called '{name}'.")
    if data.rubric_id is None:
        rubric = QaRubric(name=name, pass_mark=data.pass_mark, active=True)
        session.add(rubric)
        session.flush()
        before = None
    else:
        found = session.get(QaRubric, data.rubric_id)
        if found is None:
            raise CoachingRefused("That rubric no longer exists.")
        rubric = found
        before = {
            "name": rubric.name,
            "pass_mark": rubric.pass_mark,
            "items": [_item_dict(i) for i in rubric.items],
        }
        rubric.name, rubric.pass_mark = name, data.pass_mark
    existing = {
        i.id: i
        for i in session.scalars(select(QaRubricItem).where(QaRubricItem.rubric_id == rubric.id))
    }
    used = (
        set(
            session.scalars(
                select(QaReviewItem.item_id)
                .where(QaReviewItem.item_id.in_(list(existing)))
                .distinct()
            ).all()
        )
        if existing
        else set()
    )
    kept: set[int] = set()
    for position, spec in enumerate(data.items, start=1):
        if spec.item_id is not None and spec.item_id in existing:
            item = existing[spec.item_id]
            scale_changed = (item.scale_min, item.scale_max) != (spec.scale_min, spec.scale_max)
            if scale_changed and item.id in used:
                raise CoachingRefused(
                    f"'{item.label}' was used in reviews, so its scale cannot change; remove it "
                    "and add a new item instead."
                )
            kept.add(item.id)
        else:
            item = QaRubricItem(rubric_id=rubric.id)
            session.add(item)
        item.position, item.label, item.weight = position, spec.label.strip(), spec.weight
        item.scale_min, item.scale_max = spec.scale_min, spec.scale_max
        item.critical, item.active = spec.critical, True
    for item_id, item in existing.items():
        if item_id in kept:
            continue
        if item_id in used:
            item.active = False  # past reviews still show it
        else:
            session.delete(item)
    session.flush()
    session.expire(rubric, ["items"])
    after = {
        "name": rubric.name,
        "pass_mark": rubric.pass_mark,
        "items": [_item_dict(i) for i in rubric.items],
    }
    record(session, actor, "qa.rubric_edit", "qa_rubric", rubric.id, before, after, at)
    return rubric.id


@dataclass(frozen=True)
class RubricItemRow:
    item_id: int
    label: str
    weight: float
    scale_min: int
    scale_max: int
    critical: bool


@dataclass(frozen=True)
class RubricRow:
    """A rubric and its active items, for the review form and the editor."""

    rubric_id: int
    name: str
    pass_mark: float
    items: tuple[RubricItemRow, ...]


def rubrics(session: Session) -> tuple[RubricRow, ...]:
    """Active rubrics with their active items, in position order."""
    out = []
    for rubric in session.scalars(
        select(QaRubric).where(QaRubric.active.is_(True)).order_by(QaRubric.name)
    ):
        items = tuple(
            RubricItemRow(i.id, i.label, i.weight, i.scale_min, i.scale_max, i.critical)
            for i in rubric.items
            if i.active
        )
        out.append(RubricRow(rubric.id, rubric.name, rubric.pass_mark, items))
    return tuple(out)


def rubric_inputs(row: RubricRow) -> Sequence[RubricItemInput]:
    """The editor's starting point for a rubric."""
    return [
        RubricItemInput(i.item_id, i.label, i.weight, i.scale_min, i.scale_max, i.critical)
        for i in row.items
    ]
