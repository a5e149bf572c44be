"""Import pulse-survey answers and QA results from CSV, all or nothing, with a row report.

The rules are the ticket import's: every row is validated first; with any error nothing is
written unless the caller asks for the valid rows (``valid_rows=True``); re-importing the same
file changes nothing (rows are matched by ``external_id``, or by a key made of the employee
and the time when the file has none); the import is one transaction with one audit row.

Pulse answers are confidential: only admins and supervisors import them, a supervisor only
for agents of the teams they supervise. QA results may be imported by anyone who may review
the agent (team leads of the team too). ``proximity import pulse|qa FILE`` calls these.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db.engine import Database
from db.models import PulseSurvey
from db.queries.supervisor_access import AccessDenied
from desktop.core.identity import Actor
from desktop.sources.survey_csv import CsvRow, ImportRefused, parse_int, read_rows
from desktop.sources.survey_import_qa import import_qa
from desktop.sources.survey_records import (
    ImportReport,
    People,
    Progress,
    RowProblem,
    SurveyKind,
    allowed_teams,
    clean_comment,
    columns_of,
    employee_and_time,
    import_rows,
    require_columns,
)

__all__ = [
    "ImportRefused",
    "ImportReport",
    "RowProblem",
    "format_report",
    "import_pulse",
    "import_qa",
    "run_survey_import",
]

PULSE = SurveyKind(
    "Pulse",
    PulseSurvey,
    ("employee_id", "answered_at", "esat", "enps", "comment"),
    "import.pulse",
    "the same answer appears twice in the file",
)
PULSE_ALIASES = {
    "external_id": ("external_id", "id", "response_id"),
    "employee": ("employee", "username", "agent", "email", "employee_email"),
    "answered_at": ("answered_at", "answered", "submitted_at", "date", "timestamp"),
    "esat": ("esat", "satisfaction", "score"),
    "enps": ("enps", "recommend", "likely_to_recommend"),
    "comment": ("comment", "comments", "feedback", "text"),
}


def import_pulse(
    db: Database,
    path: Path | str,
    actor: Actor,
    valid_rows: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import pulse answers: employee, answered_at, esat (1-5) and/or enps (0-10), comment.

    Raises:
        ImportRefused: the file as a whole is unusable (binary, not UTF-8, missing columns).
        AccessDenied: the actor may not import pulse answers at all.
    """
    path = Path(path)
    now = now or datetime.now(UTC)
    header, rows = read_rows(path)
    columns = columns_of(header, PULSE_ALIASES)
    require_columns(columns, ("employee", "answered_at"), path)
    if "esat" not in columns and "enps" not in columns:
        raise ImportRefused(f"{path.name}: needs an esat or an enps column")
    with db.write() as session:
        allowed = allowed_teams(session, actor, pulse=True)
        people = People.load(session)

        def parse(row: CsvRow, warned: list[int]) -> dict[str, Any]:
            return _pulse_row(row, columns, people, allowed, now, warned)

        return import_rows(session, PULSE, path, rows, parse, actor, valid_rows, progress, now)


def _pulse_row(
    row: CsvRow,
    columns: dict[str, str],
    people: People,
    allowed: set[int] | None,
    now: datetime,
    warned: list[int],
) -> dict[str, Any]:
    employee_id, when = employee_and_time(row, columns, "answered_at", people, allowed, now)
    cells = row.cells
    esat_text = cells.get(columns.get("esat", ""), "")
    enps_text = cells.get(columns.get("enps", ""), "")
    esat = parse_int(esat_text, "esat", 1, 5) if esat_text else None
    enps = parse_int(enps_text, "enps", 0, 10) if enps_text else None
    if esat is None and enps is None:
        raise ValueError("no score: esat and enps are both empty")
    external = cells.get(columns.get("external_id", ""), "") or (
        f"pulse:{employee_id}:{when.astimezone(UTC).isoformat()}"
    )
    return {
        "external_id": external[:100],
        "employee_id": employee_id,
        "answered_at": when.astimezone(UTC),
        "esat": esat,
        "enps": enps,
        "comment": clean_comment(cells.get(columns.get("comment", ""), ""), warned),
    }


def format_report(report: ImportReport, limit: int = 50) -> str:
    """The report for a terminal: the summary, then each rejected row."""
    lines = [report.summary(), *report.warnings]
    for problem in report.rejected[:limit]:
        lines.append(f"  line {problem.line}: {problem.reason}")
    if len(report.rejected) > limit:
        lines.append(f"  … and {len(report.rejected) - limit:,} more rejected rows")
    return "\n".join(lines)


def run_survey_import(settings: Any, kind: str, file: str, valid_rows: bool = False) -> int:
    """``proximity import pulse|qa FILE [--valid-rows]``: import, print the report, and
    return the exit code (0 imported, 1 refused or rejected rows, 2 not allowed)."""
    import sys

    from db.errors import DatabaseError
    from db.queries.people import is_demo_database
    from desktop.bootstrap import open_database, resolve_actor

    try:
        db = open_database(settings)
        with db.read() as session:
            actor = resolve_actor(session, settings, is_demo_database(session))
        importer = import_pulse if kind == "pulse" else import_qa
        report = importer(db, file, actor, valid_rows=valid_rows)
    except ImportRefused as exc:
        print(f"proximity: {exc}", file=sys.stderr)
        return 1
    except DatabaseError as exc:
        print(f"proximity: {exc.user_message}", file=sys.stderr)
        return 2 if isinstance(exc, AccessDenied) else 1
    print(format_report(report))
    return 0 if report.written and report.ok else 1
