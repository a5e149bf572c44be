"""QA results from CSV: one row per review, item columns named by the rubric's labels.

See ``desktop.sources.survey_import`` for the rules shared with the pulse import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import QaReview, QaRubric, Ticket
from desktop.core import metrics
from desktop.core.identity import Actor
from desktop.sources.survey_csv import (
    CsvRow,
    ImportRefused,
    normalise_header,
    parse_int,
    read_rows,
)
from desktop.sources.survey_records import (
    ImportReport,
    People,
    Progress,
    SurveyKind,
    allowed_teams,
    clean_comment,
    columns_of,
    employee_and_time,
    import_rows,
    require_columns,
)

SCORE_TOLERANCE = 0.5  # percentage points between a file's QA score and its items' score

QA = SurveyKind(
    "QA",
    QaReview,
    (
        "employee_id",
        "reviewer_id",
        "rubric_id",
        "ticket_id",
        "reviewed_at",
        "score_pct",
        "comment",
    ),
    "import.qa",
    "the same review appears twice in the file",
)
QA_ALIASES = {
    "external_id": ("external_id", "id", "review_id"),
    "employee": ("employee", "username", "agent", "email"),
    "reviewed_at": ("reviewed_at", "reviewed", "date", "timestamp"),
    "rubric": ("rubric", "form", "scorecard"),
    "reviewer": ("reviewer", "reviewed_by", "evaluator"),
    "ticket": ("ticket", "ticket_id"),
    "score": ("score", "score_pct", "qa_score"),
    "comment": ("comment", "comments", "feedback"),
}


def import_qa(
    db: Database,
    path: Path | str,
    actor: Actor,
    valid_rows: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import QA results: employee, reviewed_at, rubric, one column per rubric item (named by
    its label) and/or score (0-100), and optional reviewer, ticket, comment.

    With item columns the score is computed with ``metrics.qa_score``; a score column given
    as well must agree with it.

    Raises:
        ImportRefused / AccessDenied: as ``import_pulse``.
    """
    path = Path(path)
    now = now or datetime.now(UTC)
    header, rows = read_rows(path)
    columns = columns_of(header, QA_ALIASES)
    require_columns(columns, ("employee", "reviewed_at"), path)
    with db.write() as session:
        allowed = allowed_teams(session, actor, pulse=False)
        people = People.load(session)
        rubrics = _Rubrics.load(session)
        if "rubric" not in columns and len(rubrics.by_name) != 1:
            raise ImportRefused(f"{path.name}: add a rubric column (there are several rubrics)")

        def parse(row: CsvRow, warned: list[int]) -> dict[str, Any]:
            return _qa_row(session, row, columns, header, people, rubrics, allowed, now, warned)

        return import_rows(session, QA, path, rows, parse, actor, valid_rows, progress, now)


@dataclass
class _Rubrics:
    by_name: dict[str, QaRubric] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> _Rubrics:
        found = cls()
        for rubric in session.scalars(select(QaRubric).where(QaRubric.active.is_(True))):
            found.by_name[rubric.name.strip().lower()] = rubric
        return found

    def find(self, name: str | None) -> QaRubric:
        if not name:
            if len(self.by_name) == 1:
                return next(iter(self.by_name.values()))
            raise ValueError("rubric is empty")
        rubric = self.by_name.get(name.strip().lower())
        if rubric is None:
            raise ValueError(f"no active rubric '{name}'")
        return rubric


def _qa_row(
    session: Session,
    row: CsvRow,
    columns: dict[str, str],
    header: list[str],
    people: People,
    rubrics: _Rubrics,
    allowed: set[int] | None,
    now: datetime,
    warned: list[int],
) -> dict[str, Any]:
    employee_id, when = employee_and_time(row, columns, "reviewed_at", people, allowed, now)
    cells = row.cells
    rubric = rubrics.find(cells.get(columns.get("rubric", ""), ""))
    reviewer_text = cells.get(columns.get("reviewer", ""), "")
    reviewer = people.find(reviewer_text) if reviewer_text else None
    ticket_id = _ticket(session, cells.get(columns.get("ticket", ""), ""))
    items: dict[int, int] = {}
    qa_items = []
    active = [i for i in rubric.items if i.active]
    for item in active:
        column = _item_column(item.label, header)
        if column is None:
            continue
        text = cells.get(column, "")
        if not text:
            raise ValueError(f"no score for '{item.label}'")
        chosen = parse_int(text, f"'{item.label}'", item.scale_min, item.scale_max)
        items[item.id] = chosen
        qa_items.append(
            metrics.QaItem(chosen, item.scale_min, item.scale_max, item.weight, item.critical)
        )
    score_text = cells.get(columns.get("score", ""), "")
    given = None
    if score_text:
        try:
            given = float(score_text.rstrip("%").strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"score '{score_text}' is not a number") from None
        if not 0 <= given <= 100:
            raise ValueError(f"score must be 0 to 100, not {score_text}")
    if items:
        if len(items) != len(active):
            missing = [i.label for i in active if i.id not in items]
            raise ValueError(f"no column for {', '.join(repr(m) for m in missing)}")
        score = metrics.qa_score(qa_items, rubric.pass_mark)
        if score is None:
            raise ValueError(f"rubric '{rubric.name}' has no weighted item")
        if given is not None and abs(given - score) > SCORE_TOLERANCE:
            raise ValueError(f"score {given:g} disagrees with the items ({score:.1f} %)")
    elif given is not None:
        score = given
    else:
        raise ValueError("no score: give the item columns or a score column")
    external = cells.get(columns.get("external_id", ""), "") or (
        f"qa:{employee_id}:{when.astimezone(UTC).isoformat()}:{rubric.id}"
    )
    return {
        "external_id": external[:100],
        "employee_id": employee_id,
        "reviewer_id": reviewer,
        "rubric_id": rubric.id,
        "ticket_id": ticket_id,
        "reviewed_at": when.astimezone(UTC),
        "score_pct": score,
        "comment": clean_comment(cells.get(columns.get("comment", ""), ""), warned),
        "_items": items or None,
    }


def _item_column(label: str, header: list[str]) -> str | None:
    name = normalise_header(label)
    for candidate in (name, f"item_{name}"):
        if candidate in header:
            return candidate
    return None


def _ticket(session: Session, text: str) -> int | None:
    if not text:
        return None
    clean = text.lstrip("#").strip()
    found = session.scalar(select(Ticket.id).where(Ticket.external_id == clean))
    if found is None and clean.isdigit():
        found = session.scalar(select(Ticket.id).where(Ticket.id == int(clean)))
    if found is None:
        raise ValueError(f"no ticket '{text}'")
    return int(found)
