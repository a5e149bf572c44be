"""Ticket import from CSV: validate every row, then write all of it or nothing.

The file is read with the shared safe reader (``survey_csv.read_rows``: binary files, text
that is not UTF-8, a line over 1 MB or an unterminated quote refuse the whole file with a
clear message). Each row is then checked (required fields, dates with a time zone, known
statuses and priorities, phone numbers parsed to E.164 with ``phonenumbers`` in the
``import.phone_region`` region, a queue Proximity knows), and every rejected row is reported
with its line number and the reason. With any rejected row nothing is written unless the
caller asked for the valid rows. Tickets already imported (same external id) are skipped, so
re-importing a file changes nothing. The write is one transaction, audited once; cancelling
it (or any error) rolls everything back.

``run_import_cli`` is ``proximity import tickets|pulse|qa FILE [--mapping M] [--valid-rows]``.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exc as sa_exc

from db.engine import Database
from desktop.core.identity import Actor
from desktop.sources.csv_mappings import ColumnMapping, MappingError, guess_mapping, load_mapping
from desktop.sources.csv_rows import (
    Lookups,
    ParsedTicket,
    RowChecker,
    load_lookups,
)
from desktop.sources.csv_writer import write_import
from desktop.sources.survey_csv import ImportRefused, read_rows

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
PREVIEW_ROWS = 20
_CHECK_EVERY = 1000  # rows between progress reports and cancel checks

__all__ = [
    "ImportCancelled",
    "ImportOptions",
    "ImportRefused",
    "Preview",
    "RowIssue",
    "TicketImportReport",
    "import_tickets",
    "preview_file",
    "run_import_cli",
]


class ImportCancelled(Exception):
    """The user cancelled; nothing was written."""


@dataclass(frozen=True)
class RowIssue:
    """A rejected row (or, in ``warnings``, a value changed on the way in)."""

    line: int
    reason: str


@dataclass(frozen=True)
class ImportOptions:
    """How to import.

    Attributes:
        mapping: the column mapping; None guesses it from the header.
        region: phone numbers without a +country code are read in this region (ISO code).
        valid_rows: write the valid rows even when some rows are rejected.
        default_queue: the queue of rows without one (overrides the mapping's).
        dry_run: validate and report only.
    """

    mapping: ColumnMapping | None = None
    region: str = "US"
    valid_rows: bool = False
    default_queue: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class TicketImportReport:
    """What an import found and did."""

    path: str
    mapping: str
    rows: int
    valid: int
    created: int = 0
    customers_created: int = 0
    already_imported: int = 0
    rejected: tuple[RowIssue, ...] = ()
    warnings: tuple[RowIssue, ...] = ()
    written: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        """One sentence for a dialog or the terminal."""
        name = Path(self.path).name
        head = f"{name} ({self.mapping} layout): {self.rows:,} rows"
        if not self.written and self.rejected:
            return (
                f"{head}; {len(self.rejected):,} rejected, so nothing was imported. Fix those "
                "rows, or import the valid rows only."
            )
        if not self.written:
            return f"{head} checked; nothing imported yet."
        parts = [f"{self.created:,} tickets imported"]
        if self.customers_created:
            parts.append(f"{self.customers_created:,} new customers")
        if self.already_imported:
            parts.append(f"{self.already_imported:,} already there (skipped)")
        if self.rejected:
            parts.append(f"{len(self.rejected):,} rows rejected")
        return f"{head}; " + ", ".join(parts) + f" in {self.seconds:.1f} s."

    def format(self, limit: int = 50) -> str:
        """The summary, then rejected rows and warnings, one per line (at most ``limit``)."""
        lines = [self.summary()]
        for title, issues in (("rejected", self.rejected), ("changed", self.warnings)):
            for issue in issues[:limit]:
                lines.append(f"  line {issue.line} {title}: {issue.reason}")
            if len(issues) > limit:
                lines.append(f"  … and {len(issues) - limit:,} more {title} rows")
        return "\n".join(lines)


@dataclass(frozen=True)
class Preview:
    """The first rows of a file and the mapping guessed for it (the dialog's mapping step)."""

    path: str
    header: list[str]
    rows: list[list[str]]
    mapping: ColumnMapping
    estimated_rows: int
    first_error: str | None = None


def preview_file(path: str | Path, limit: int = PREVIEW_ROWS) -> Preview:
    """Read the header and the first ``limit`` rows; guess the mapping.

    Raises:
        ImportRefused: the file is garbage (see the module docstring).
    """
    header, rows = read_rows(path)
    shown: list[list[str]] = []
    first_error = None
    try:
        for row in rows:
            shown.append([row.cells.get(h, "") for h in header])
            if len(shown) >= limit:
                break
    except ImportRefused as exc:
        first_error = str(exc)  # the head is readable; the dialog shows why the rest is not
    finally:
        rows.close()
    return Preview(
        str(path), header, shown, guess_mapping(header), _estimate_rows(Path(path)), first_error
    )


def _estimate_rows(path: Path) -> int:
    """Data rows in the file, estimated from its first 256 KB (for the progress bar)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(262_144)
    except OSError:
        return 0
    lines = head.count(b"\n")
    if not lines:
        return 1
    return max(1, round(size / (len(head) / lines)) - 1)


@dataclass
class _Validated:
    tickets: list[ParsedTicket] = field(default_factory=list)
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    rows: int = 0


def _validate(
    path: Path,
    mapping: ColumnMapping,
    checker: RowChecker,
    progress: Progress,
    cancelled: Callable[[], bool],
) -> _Validated:
    header, rows = read_rows(path)
    missing = mapping.missing_required(header)
    if missing:
        rows.close()
        raise ImportRefused(
            f"{path.name}: no column for {', '.join(missing)} with the {mapping.name} layout "
            f"(columns found: {', '.join(header[:12])}{'…' if len(header) > 12 else ''}). "
            "Pick the columns in the mapping step, or use --mapping."
        )
    columns = mapping.resolve(header)
    total = _estimate_rows(path)
    out = _Validated()
    seen: dict[str, int] = {}
    try:
        for row in rows:
            out.rows += 1
            if out.rows % _CHECK_EVERY == 0:
                if cancelled():
                    raise ImportCancelled
                progress(0.7 * min(out.rows / max(total, 1), 0.99), f"Checked {out.rows:,} rows")
            values = {name: row.cells.get(column, "") for name, column in columns.items()}
            if "" in row.cells:
                out.rejected.append(RowIssue(row.line, "more cells than the header has columns"))
                continue
            try:
                ticket, notes = checker.check(row.line, values)
            except ValueError as exc:
                out.rejected.append(RowIssue(row.line, str(exc)))
                continue
            first = seen.setdefault(ticket.external_id, row.line)
            if first != row.line:
                out.rejected.append(
                    RowIssue(row.line, f"ticket id {ticket.external_id} is already on line {first}")
                )
                continue
            out.warnings.extend(RowIssue(row.line, note) for note in notes)
            out.tickets.append(ticket)
    finally:
        rows.close()
    return out


def import_tickets(
    db: Database,
    path: str | Path,
    actor: Actor,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    now: datetime | None = None,
) -> TicketImportReport:
    """Validate ``path`` and import its tickets (see the module docstring for the rules).

    Args:
        db: the database.
        path: the CSV file.
        actor: who imports (audited).
        options: mapping, phone region, "import the valid rows", default queue.
        progress: called with (fraction 0-1, message) from this thread; keep it cheap.
        cancelled: polled between batches; returning True rolls everything back.
        now: the import time (tests pass one).

    Returns:
        The report. ``written`` is False when rejected rows stopped the import.

    Raises:
        ImportRefused: the file or its header cannot be used at all.
        ImportCancelled: ``cancelled()`` returned True; nothing was written.
        DatabaseError: the database is locked, gone or full; nothing was written.
    """
    started = time.perf_counter()
    options = options or ImportOptions()
    report_progress = progress or (lambda _f, _m: None)
    is_cancelled = cancelled or (lambda: False)
    path = Path(path)
    at = now or datetime.now(UTC)
    if options.mapping is None:
        header, rows = read_rows(path)
        rows.close()
        mapping = guess_mapping(header)
    else:
        mapping = options.mapping
    with db.read() as session:
        lookups: Lookups = load_lookups(session)
    checker = RowChecker(
        mapping, lookups, options.region, options.default_queue or mapping.default_queue, at
    )
    checked = _validate(path, mapping, checker, report_progress, is_cancelled)
    base = dict(
        path=str(path),
        mapping=mapping.name,
        rows=checked.rows,
        valid=len(checked.tickets),
        rejected=tuple(checked.rejected),
        warnings=tuple(checked.warnings),
    )
    if options.dry_run or (checked.rejected and not options.valid_rows) or not checked.tickets:
        return TicketImportReport(**base, seconds=time.perf_counter() - started)
    report_progress(0.7, f"Writing {len(checked.tickets):,} tickets")
    try:
        written = write_import(
            db,
            checked.tickets,
            checker.customers,
            actor,
            source=f"{mapping.name} export {path.name}",
            now=at,
            progress=lambda f: report_progress(0.7 + 0.3 * f, "Writing tickets"),
            cancelled=is_cancelled,
            cancel_error=ImportCancelled,
        )
    except sa_exc.IntegrityError:
        raise ImportRefused(
            f"{path.name}: some of these tickets were imported from another workstation at the "
            "same time; nothing was written. Import the file again to add the rest."
        ) from None
    report_progress(1.0, "Done")
    return TicketImportReport(
        **base,
        created=written.tickets,
        customers_created=written.customers,
        already_imported=written.skipped,
        written=True,
        seconds=time.perf_counter() - started,
    )


# Command line ---------------------------------------------------------------------------------
def run_import_cli(settings: Any, args: Any) -> int:
    """``proximity import KIND FILE``; returns the exit code.

    0: imported (rejected rows, if ``--valid-rows`` let the rest in, are listed); 1: rows
    were rejected, so nothing was written; 2: the file, the mapping or the database could not
    be used at all.
    """
    if args.kind in ("pulse", "qa"):
        return _delegate_survey_import(settings, args)
    from db.errors import DatabaseError
    from db.queries.people import is_demo_database
    from desktop.bootstrap import open_database, resolve_actor

    try:
        mapping = load_mapping(args.mapping) if args.mapping else None
        db = open_database(settings)
        with db.read() as session:
            actor = resolve_actor(session, settings, is_demo_database(session))
        options = ImportOptions(
            mapping=mapping,
            region=str(settings["import.phone_region"]),
            valid_rows=bool(args.valid_rows),
        )
        report = import_tickets(db, args.file, actor, options, progress=_terminal_progress())
    except (ImportRefused, MappingError) as exc:
        print(f"proximity: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"proximity: {exc.user_message}", file=sys.stderr)
        return 2
    print(report.format())
    if report.written:
        return 0
    return 1 if report.rejected else 0


def _delegate_survey_import(settings: Any, args: Any) -> int:
    what = "pulse surveys" if args.kind == "pulse" else "QA results"
    try:
        from desktop.sources.survey_import import run_survey_import
    except ImportError:
        print(f"proximity: importing {what} is not available in this build yet", file=sys.stderr)
        return 2
    if args.mapping:
        print("proximity: --mapping applies to ticket imports only; ignored", file=sys.stderr)
    return int(run_survey_import(settings, args.kind, args.file, valid_rows=args.valid_rows))


def _terminal_progress() -> Progress:
    shown = [-1]

    def show(fraction: float, message: str) -> None:
        step = int(fraction * 10)
        if step != shown[0] and sys.stderr.isatty():
            shown[0] = step
            print(f"[{fraction * 100:5.1f} %] {message}", file=sys.stderr, flush=True)

    return show
