"""Scorecard exports: the CSV carries the view's figures, the PDF is a real multi-page report,
and ``proximity export scorecards`` works from the command line, confidentiality included."""

from __future__ import annotations

import argparse
import csv
import re
from dataclasses import replace
from pathlib import Path

import pytest

from db.engine import Database
from db.queries.supervisor import SupervisorSnapshot, supervisor_snapshot
from desktop.config import load_settings
from desktop.core.scorecard import Metric
from desktop.ui.export import column_stem, run_export_cli, write_csv, write_export
from tests.db import supervisor_data as sd
from tests.db.supervisor_data import NOW, PERIOD


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with sd.database("sqlite", tmp_path_factory.mktemp("export")) as db:
        yield db, sd.build(db)


def _snapshot(db: Database, actor) -> SupervisorSnapshot:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return supervisor_snapshot(s, actor, None, PERIOD, NOW)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_has_the_team_row_and_one_row_per_agent(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, org = world
    snapshot = _snapshot(db, org.sup_a)
    path = tmp_path / "out" / "scorecards.csv"
    assert write_csv(snapshot, path) == 1 + len(snapshot.scorecards)
    rows = _read(path)
    team, agents = rows[0], rows[1:]
    assert team["scope"] == "team" and team["name"] == "Alpha"
    assert float(team[column_stem(Metric.CSAT)]) == pytest.approx(80.0)
    assert float(team[column_stem(Metric.CSAT) + "_previous"]) == pytest.approx(90.0)
    assert float(team[column_stem(Metric.CSAT) + "_change"]) == pytest.approx(-10.0)
    assert team["csat_n"] == "10"
    assert float(team["fcr_pct"]) == pytest.approx(70.0)  # fractions are written as %
    assert len(agents) == 6
    agent1 = next(r for r in agents if r["name"] == "Agent 1")
    assert float(agent1["esat_of_5"]) == pytest.approx(3.0) and agent1["aht_s"] == "360"


def test_csv_for_a_team_lead_hides_individual_pulse(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, org = world
    path = write_export(_snapshot(db, org.lead_a), tmp_path / "lead.csv", "csv", "lead")
    agent1 = next(r for r in _read(path) if r["name"] == "Agent 1")
    assert agent1["esat_of_5"] == "" and "eSat: supervisors only" in agent1["hidden"]


def test_csv_neutralises_formula_like_names(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, org = world
    snapshot = _snapshot(db, org.sup_a)
    evil = replace(snapshot.scorecards[0], name='=HYPERLINK("http://x","y")')
    path = tmp_path / "safe.csv"
    write_csv(replace(snapshot, scorecards=(evil,)), path)
    names = [r["name"] for r in _read(path)]
    assert names[1].startswith("'=")
    # Negative numbers are numbers, not formulas: they stay as they are.
    assert _read(path)[0]["nps_score_change"] == "-80"


def test_pdf_report_has_the_panel_attention_and_scorecards(qapp, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, org = world
    path = write_export(_snapshot(db, org.sup_a), tmp_path / "report.pdf", "pdf", "Sam Super")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 3
    assert path.stat().st_size > 10_000  # charts and text, not an empty page


def _args(team: str, fmt: str, out: Path, period: str = "30d") -> argparse.Namespace:
    return argparse.Namespace(what="scorecards", team=team, period=period, format=fmt, out=str(out))


def _settings(db: Database, user: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(
        cli={"database.url": db.url, "user.name": user}, env={}, frozen_dir=tmp_path
    )


def test_cli_exports_csv_and_pdf(qapp, world, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db, _org = world
    settings = _settings(db, "sam.super", tmp_path)
    out = tmp_path / "alpha.csv"
    assert run_export_cli(settings, _args("alpha", "csv", out)) == 0
    rows = _read(out)
    assert rows[0]["name"] == "Alpha" and len(rows) == 7
    assert "Wrote the scorecards of Alpha" in capsys.readouterr().out
    pdf = tmp_path / "alpha.pdf"
    assert run_export_cli(settings, _args("Alpha", "pdf", pdf, "week")) == 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_cli_refuses_other_teams_unknown_teams_and_bad_periods(
    world,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    capsys,
) -> None:
    db, _org = world
    out = tmp_path / "x.csv"
    assert run_export_cli(_settings(db, "bea.super", tmp_path), _args("Alpha", "csv", out)) == 2
    assert "does not supervise or lead Alpha" in capsys.readouterr().err
    assert run_export_cli(_settings(db, "agent.1", tmp_path), _args("Alpha", "csv", out)) == 2
    assert run_export_cli(_settings(db, "sam.super", tmp_path), _args("Gamma", "csv", out)) == 1
    assert "no team called 'Gamma'" in capsys.readouterr().err
    assert (
        run_export_cli(_settings(db, "sam.super", tmp_path), _args("Alpha", "csv", out, "month"))
        == 1
    )
    assert "unknown period" in capsys.readouterr().err
    assert not out.exists()


def test_cli_reports_an_unwritable_output(world, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db, _org = world
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = run_export_cli(
        _settings(db, "sam.super", tmp_path), _args("Alpha", "csv", blocker / "sub" / "x.csv")
    )
    assert code == 1 and "proximity:" in capsys.readouterr().err
