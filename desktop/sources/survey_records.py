"""The shared parts of the survey imports: the report, employee lookup, access, upserts.

See ``desktop.sources.survey_import`` for the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.audit import record
from db.models import Employee, QaReviewItem, Team
from db.queries.supervisor_access import AccessDenied, team_choices
from desktop.core.identity import Actor
from desktop.sources.survey_csv import CsvRow, ImportRefused, neutralise, parse_when

MAX_COMMENT = 5000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowProblem:
    """A rejected row: its line in the file and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did.

    Attributes:
        rows: data rows read.
        inserted / updated / unchanged: rows written new, rows that changed an earlier
            import, rows already there as they are.
        rejected: every invalid row with its reason.
        written: False when nothing was written (errors without ``valid_rows``).
        warnings: things changed on the way in (neutralised formulas).
    """

    kind: str
    path: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: tuple[RowProblem, ...]
    written: bool
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        """One paragraph for a dialog or the terminal."""
        head = f"{self.kind} import of {Path(self.path).name}: {self.rows:,} rows; "
        if not self.written:
            return head + (
                f"{len(self.rejected):,} rejected, so nothing was written. Fix the rows or "
                "import the valid rows only."
            )
        return head + (
            f"{self.inserted:,} added, {self.updated:,} updated, {self.unchanged:,} already "
            f"there, {len(self.rejected):,} rejected."
        )


@dataclass
class People:
    """Employees by username, e-mail and external SID, with their team and its zone."""

    by_key: dict[str, int] = field(default_factory=dict)
    team_of: dict[int, int | None] = field(default_factory=dict)
    tz_of: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> People:
        people = cls()
        zones = dict(session.execute(select(Team.id, Team.timezone)).all())
        for emp_id, username, email, sid, team in session.execute(
            select(
                Employee.id,
                Employee.username,
                Employee.email,
                Employee.external_sid,
                Employee.team_id,
            )
        ):
            for key in (username, email, sid):
                if key:
                    people.by_key.setdefault(key.strip().lower(), emp_id)
            people.by_key.setdefault(str(emp_id), emp_id)
            people.team_of[emp_id] = team
            people.tz_of[emp_id] = zones.get(team, "UTC")
        return people

    def find(self, text: str) -> int:
        found = self.by_key.get(text.strip().lower())
        if found is None:
            raise ValueError(f"no employee '{text}' (use the username, e-mail or id)")
        return found


def columns_of(header: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Our field name -> the file's column, for the fields the file has."""
    found = {}
    for name, spellings in aliases.items():
        for spelling in spellings:
            if spelling in header:
                found[name] = spelling
                break
    return found


def require_columns(columns: dict[str, str], needed: Iterable[str], path: Path) -> None:
    missing = [n for n in needed if n not in columns]
    if missing:
        raise ImportRefused(
            f"{path.name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )


def clean_comment(text: str, warned: list[int]) -> str | None:
    if not text:
        return None
    if len(text) > MAX_COMMENT:
        raise ValueError(f"comment longer than {MAX_COMMENT:,} characters")
    safe, changed = neutralise(text)
    if changed:
        warned.append(1)
    return safe


def allowed_teams(session: Session, actor: Actor, pulse: bool) -> set[int] | None:
    """Teams whose agents the actor may import for; None means every team (admin)."""
    choices = team_choices(session, actor)
    if pulse:
        allowed = {c.team_id for c in choices if c.access.individual}
        if not allowed:
            raise AccessDenied(
                "Only supervisors and admins can import pulse answers (they are confidential)."
            )
    else:
        allowed = {c.team_id for c in choices}
        if not allowed:
            raise AccessDenied("Only team leads, supervisors and admins can import QA results.")
    total = session.scalar(select(func.count()).select_from(Team)) or 0
    return None if len(allowed) == total and allowed else allowed


def check_team(people: People, employee_id: int, allowed: set[int] | None) -> None:
    if allowed is not None and people.team_of.get(employee_id) not in allowed:
        raise ValueError("that employee is not in a team you supervise")


def refusal(
    kind: str,
    path: Path,
    rows: int,
    problems: list[RowProblem],
    valid_rows: bool,
    warnings: list[str],
) -> ImportReport | None:
    """The report when nothing may be written (errors and no ``valid_rows``), else None."""
    if problems and not valid_rows:
        return ImportReport(kind, str(path), rows, 0, 0, 0, tuple(problems), False, tuple(warnings))
    return None


def formula_warning(count: int) -> list[str]:
    if not count:
        return []
    return [
        f"{count} comment{'s' if count > 1 else ''} began with =, +, - or @ and "
        "were stored with a leading ' so that spreadsheets show rather than run them."
    ]


def upsert(
    session: Session, model: Any, parsed: dict[str, dict[str, Any]], compared: tuple[str, ...]
) -> tuple[int, int, int]:
    """Insert new rows, update changed ones (by external id); returns the three counts."""
    existing: dict[str, Any] = {}
    keys = list(parsed)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for row in session.scalars(select(model).where(model.external_id.in_(chunk))):
            existing[row.external_id] = row
    inserted = updated = unchanged = 0
    for key, values in parsed.items():
        extra = values.pop("_items", None)
        row = existing.get(key)
        if row is None:
            row = model(**values)
            session.add(row)
            inserted += 1
        elif any(getattr(row, c) != values[c] for c in compared):
            for c in compared:
                setattr(row, c, values[c])
            updated += 1
        else:
            unchanged += 1
            continue
        if extra is not None:
            session.flush()
            replace_items(session, row.id, extra)
    session.flush()
    return inserted, updated, unchanged


def replace_items(session: Session, review_id: int, items: dict[int, int]) -> None:
    for old in session.scalars(select(QaReviewItem).where(QaReviewItem.review_id == review_id)):
        session.delete(old)
    session.flush()
    for item_id, selected in items.items():
        session.add(QaReviewItem(review_id=review_id, item_id=item_id, selected=selected))


@dataclass(frozen=True)
class SurveyKind:
    """What differs between the survey imports once a row is parsed."""

    label: str  # in the report: "Pulse", "QA"
    model: Any
    compared: tuple[str, ...]  # the columns whose change makes an update
    audit_action: str
    duplicate: str  # the problem when a file holds the same row twice


def import_rows(
    session: Session,
    kind: SurveyKind,
    path: Path,
    rows: Iterable[CsvRow],
    parse_row: Callable[[CsvRow, list[int]], dict[str, Any]],
    actor: Actor,
    valid_rows: bool,
    progress: Progress | None,
    now: datetime,
) -> ImportReport:
    """Validate every row, then write all of them (or, with ``valid_rows``, the valid ones)
    with one audit row; with errors and no ``valid_rows`` nothing is written.

    ``parse_row(row, warned)`` returns the row's values keyed by column (``external_id``
    included) or raises ValueError with the reason; it appends the line numbers of comments
    it had to neutralise to ``warned``.
    """
    problems: list[RowProblem] = []
    parsed: dict[str, dict[str, Any]] = {}
    warned: list[int] = []
    count = 0
    for row in rows:
        count += 1
        if progress and count % 1000 == 0:
            progress(count)
        try:
            item = parse_row(row, warned)
        except ValueError as exc:
            problems.append(RowProblem(row.line, str(exc)))
            continue
        if item["external_id"] in parsed:
            problems.append(RowProblem(row.line, kind.duplicate))
            continue
        parsed[item["external_id"]] = item
    warnings = formula_warning(len(warned))
    refused = refusal(kind.label, path, count, problems, valid_rows, warnings)
    if refused:
        return refused  # nothing was added to the session: the commit writes nothing
    inserted, updated, unchanged = upsert(session, kind.model, parsed, kind.compared)
    record(
        session,
        actor,
        kind.audit_action,
        kind.model.__table__.name,
        None,
        None,
        {"file": path.name, "inserted": inserted, "updated": updated, "rejected": len(problems)},
        now,
    )
    return ImportReport(
        kind.label,
        str(path),
        count,
        inserted,
        updated,
        unchanged,
        tuple(problems),
        True,
        tuple(warnings),
    )


def employee_and_time(
    row: CsvRow,
    columns: dict[str, str],
    when_key: str,
    people: People,
    allowed: set[int] | None,
    now: datetime,
) -> tuple[int, datetime]:
    """A row's employee (who the actor may import for) and its time (in the employee's zone
    when the file gives no offset; not more than a day ahead).

    Raises:
        ValueError: with the reason the row is rejected.
    """
    cells = row.cells
    if "" in cells:
        raise ValueError("more cells than the header has columns")
    who = cells.get(columns["employee"], "")
    if not who:
        raise ValueError("employee is empty")
    employee_id = people.find(who)
    check_team(people, employee_id, allowed)
    when_text = cells.get(columns[when_key], "")
    if not when_text:
        raise ValueError(f"{when_key} is empty")
    when = parse_when(when_text, people.tz_of.get(employee_id, "UTC"))
    if when > now + timedelta(days=1):
        raise ValueError(f"{when_key} {when_text} is in the future")
    return employee_id, when
