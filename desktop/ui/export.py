"""Export the supervisor scorecards and team panel: CSV for spreadsheets, PDF for printing.

``proximity export scorecards --team NAME --period 30d --format pdf|csv --out FILE`` runs
``run_export_cli``; the view's Export menu calls ``write_export`` on a worker with the snapshot
on screen. Both use ``db.queries.supervisor.supervisor_snapshot``, so a file shows exactly
what the view shows to the same person (confidential figures stay hidden from team leads).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db.queries.supervisor import ScorecardRow, SupervisorSnapshot
from desktop.core.scorecard import CATALOGUE, Figure, Metric, Unit, change
from desktop.sources.survey_csv import neutralise

CSV_METRICS: tuple[Metric, ...] = (
    Metric.CSAT,
    Metric.NPS,
    Metric.FCR,
    Metric.FRT,
    Metric.SILENCE,
    Metric.RESOLUTION,
    Metric.SOLVED,
    Metric.ESAT,
    Metric.ENPS,
    Metric.OCCUPANCY,
    Metric.OVERTIME,
    Metric.QA,
    Metric.SESSIONS,
    Metric.COACHED,
    Metric.RECENCY,
    Metric.AHT,
)
_SUFFIX = {
    Unit.PCT: "pct",
    Unit.FRACTION: "pct",
    Unit.SCORE: "score",
    Unit.SECONDS: "s",
    Unit.HOURS: "h",
    Unit.COUNT: "count",
    Unit.MEAN5: "of_5",
    Unit.DAYS: "days",
}


def column_stem(metric: Metric) -> str:
    """ "csat_pct", "first_response_s", "esat_of_5"."""
    return f"{metric.value}_{_SUFFIX[CATALOGUE[metric].unit]}"


def csv_number(metric: Metric, value: float | None) -> str:
    """A value in the CSV's unit (fractions as %), rounded sensibly; empty when none."""
    if value is None:
        return ""
    if CATALOGUE[metric].unit is Unit.FRACTION:
        value = 100 * value
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def csv_header() -> list[str]:
    head = ["scope", "name", "team", "period_start", "period_end", "flags"]
    for metric in CSV_METRICS:
        stem = column_stem(metric)
        head += [stem, f"{stem}_previous", f"{stem}_change", f"{metric.value}_n"]
    head.append("hidden")
    return head


def _cells(current: dict[Metric, Figure], previous: dict[Metric, Figure]) -> list[str]:
    out: list[str] = []
    for metric in CSV_METRICS:
        fig, before = current.get(metric), previous.get(metric)
        if fig is None:
            out += ["", "", "", ""]
            continue
        delta = change(metric, fig.value, before.value if before else None).delta
        out += [
            csv_number(metric, fig.value),
            csv_number(metric, before.value if before else None),
            csv_number(metric, delta),
            str(fig.n),
        ]
    return out


def _hidden(current: dict[Metric, Figure]) -> str:
    return "; ".join(
        f"{CATALOGUE[m].label}: {f.withheld}" for m, f in current.items() if f.withheld
    )


def csv_rows(snapshot: SupervisorSnapshot) -> Iterator[list[str]]:
    """The team row, then one row per agent, as text cells (formula-safe)."""
    panel = snapshot.panel
    start, end = panel.period.start.isoformat(), panel.period.end.isoformat()
    yield [
        "team",
        panel.scope.label,
        panel.scope.label,
        start,
        end,
        str(len(snapshot.attention)),
        *_cells(dict(panel.current), dict(panel.previous)),
        _hidden(dict(panel.current)),
    ]
    for row in snapshot.scorecards:
        yield [
            "agent",
            row.name,
            row.team,
            start,
            end,
            str(len(row.flags)),
            *_cells(dict(row.current), dict(row.previous)),
            _hidden(dict(row.current)),
        ]


def write_csv(snapshot: SupervisorSnapshot, path: Path) -> int:
    """Write the CSV; returns the number of data rows. Text cells that a spreadsheet would run
    as a formula get a leading apostrophe."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(csv_header())
        for row in csv_rows(snapshot):
            writer.writerow([_safe(c) for c in row])
            count += 1
    os.replace(tmp, path)  # a reader never sees half a file
    return count


def _safe(cell: str) -> str:
    if not cell or _is_number(cell):
        return cell
    return neutralise(cell)[0]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_export(snapshot: SupervisorSnapshot, path: Path, fmt: str, generated_by: str) -> Path:
    """Write ``snapshot`` as "csv" or "pdf" to ``path`` (runs on a worker or the CLI)."""
    if fmt == "csv":
        write_csv(snapshot, path)
    elif fmt == "pdf":
        from desktop.ui.export_pdf import write_pdf

        write_pdf(snapshot, path, generated_by)
    else:
        raise ValueError(f"unknown export format {fmt!r}: use pdf or csv")
    return path


def _ensure_gui_app() -> Any:
    """QPdfWriter needs a QGuiApplication (fonts); the command line runs it offscreen."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(sys.argv[:1])
    return app


def export_snapshot(
    settings: Any, team: str, period_text: str, now: datetime | None = None
) -> tuple[SupervisorSnapshot, str]:
    """The snapshot of team ``team`` for ``period_text`` as the configured user sees it.

    Raises:
        ValueError: an unknown team or period.
        AccessDenied: the user does not supervise or lead that team.
    """
    from db.queries.people import is_demo_database
    from db.queries.supervisor_access import AccessDenied
    from db.queries.supervisor_export import team_snapshot_by_name
    from desktop.bootstrap import open_database, resolve_actor
    from desktop.core.coaching import CoachingThresholds

    now = now or datetime.now(UTC)
    db = open_database(settings)
    try:
        with db.read() as reader:
            actor = resolve_actor(reader, settings, is_demo_database(reader))
            if not actor.is_known:
                raise AccessDenied(
                    f"{actor.username} is not a known employee; use --user USERNAME."
                )
            thresholds = CoachingThresholds.from_settings(settings.values)
            snapshot = team_snapshot_by_name(reader, actor, team, period_text, now, thresholds)
            return snapshot, actor.label
    finally:
        db.dispose()


def run_export_cli(settings: Any, args: argparse.Namespace) -> int:
    """``proximity export scorecards``: exit 0 on success, 1 on bad input, 2 when refused."""
    from db.errors import DatabaseError
    from db.queries.supervisor_access import AccessDenied

    fmt = args.format
    out = Path(args.out).expanduser()
    try:
        snapshot, who = export_snapshot(settings, args.team, args.period)
        if fmt == "pdf":
            _ensure_gui_app()
        write_export(snapshot, out, fmt, who)
    except AccessDenied as exc:
        print(f"proximity: {exc.user_message}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"proximity: {exc.user_message}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"proximity: {exc}", file=sys.stderr)
        return 1
    agents = len(snapshot.scorecards)
    print(
        f"Wrote the scorecards of {snapshot.panel.scope.label} ({snapshot.panel.period.label}, "
        f"{agents} agents) to {out} as {fmt.upper()}."
    )
    return 0


__all__ = [
    "ScorecardRow",
    "csv_header",
    "csv_rows",
    "run_export_cli",
    "write_csv",
    "write_export",
]
