"""Pulse-survey and QA imports: validation per row, all or nothing, idempotent, safe with
garbage, and confidential (pulse answers only from supervisors and admins)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditLog, PulseSurvey, QaReview, QaReviewItem
from db.queries.supervisor_access import AccessDenied
from desktop.sources.survey_csv import ImportRefused
from desktop.sources.survey_import import format_report, import_pulse, import_qa
from tests.db import supervisor_data as sd
from tests.db.supervisor_data import NOW, Org


@pytest.fixture
def org(sqlite_db: Database) -> Org:
    return sd.build(sqlite_db)


def _write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _pulse_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(PulseSurvey)) or 0)


PULSE = (
    "Employee,Answered at,eSat,eNPS,Comment\n"
    "agent.1,2026-11-20 09:00,4,9,Good week\n"
    "AGENT.2,2026-11-20T09:05:00+01:00,2,,\n"
    "agent.3@x,2026-11-20 09:10,5,10,\n"
)


def test_pulse_import_writes_valid_rows_and_is_idempotent(
    sqlite_db: Database, org: Org, tmp_path: Path
) -> None:
    before = _pulse_count(sqlite_db)
    good = _write(tmp_path, PULSE.replace("agent.3@x", "agent.3"))
    report = import_pulse(sqlite_db, good, org.sup_a, now=NOW)
    assert report.written and report.ok and report.inserted == 3 and report.rows == 3
    assert _pulse_count(sqlite_db) == before + 3
    again = import_pulse(sqlite_db, good, org.sup_a, now=NOW)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert _pulse_count(sqlite_db) == before + 3
    with sqlite_db.read() as s:
        row = s.scalars(
            select(PulseSurvey).where(PulseSurvey.esat == 2, PulseSurvey.external_id.is_not(None))
        ).one()
        audits = s.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "import.pulse")
        )
    assert row.answered_at.hour == 8  # +01:00 read as given, stored in UTC
    assert audits == 2


def test_one_bad_row_writes_nothing_and_reports_the_line(
    sqlite_db: Database, org: Org, tmp_path: Path
) -> None:
    before = _pulse_count(sqlite_db)
    report = import_pulse(sqlite_db, _write(tmp_path, PULSE), org.sup_a, now=NOW)
    assert not report.written and report.inserted == 0
    assert [(p.line, "no employee" in p.reason) for p in report.rejected] == [(4, True)]
    assert _pulse_count(sqlite_db) == before
    assert "nothing was written" in report.summary()
    valid = import_pulse(sqlite_db, _write(tmp_path, PULSE), org.sup_a, valid_rows=True, now=NOW)
    assert valid.written and valid.inserted == 2 and len(valid.rejected) == 1
    assert _pulse_count(sqlite_db) == before + 2


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("agent.1,2026-11-20 09:00,6,,", "esat must be a whole number from 1 to 5"),
        ("agent.1,2026-11-20 09:00,,11,", "enps must be a whole number from 0 to 10"),
        ("agent.1,2026-11-20 09:00,,,", "no score"),
        ("agent.1,yesterday,4,,", "is not a date and time"),
        ("agent.1,2027-01-01 09:00,4,,", "in the future"),
        (",2026-11-20 09:00,4,,", "employee is empty"),
        ("agent.1,2026-11-20 09:00,4.5,,", "whole number"),
        ("agent.1,2026-11-20 09:00,4,,x,extra", "more cells than the header"),
    ],
)
def test_each_invalid_row_gets_a_clear_reason(
    sqlite_db: Database, org: Org, tmp_path: Path, row: str, reason: str
) -> None:
    path = _write(tmp_path, "employee,answered_at,esat,enps,comment\n" + row + "\n")
    report = import_pulse(sqlite_db, path, org.sup_a, now=NOW)
    assert not report.written and len(report.rejected) == 1
    assert reason in report.rejected[0].reason
    assert report.rejected[0].line == 2


def test_pulse_answers_are_confidential(sqlite_db: Database, org: Org, tmp_path: Path) -> None:
    path = _write(tmp_path, PULSE.replace("agent.3@x", "agent.3"))
    with pytest.raises(AccessDenied):
        import_pulse(sqlite_db, path, org.lead_a, now=NOW)
    with pytest.raises(AccessDenied):
        import_pulse(sqlite_db, path, org.agent_actor, now=NOW)
    # Beta's supervisor may not load answers of Alpha's agents.
    report = import_pulse(sqlite_db, path, org.sup_b, now=NOW)
    assert not report.written and len(report.rejected) == 3
    assert "not in a team you supervise" in report.rejected[0].reason


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x00\x00binary", "binary file"),
        ("employee,answered_at,esat\nJos\u00e9,2026-11-20,4\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
        (b"employee,answered_at,esat\n" + b"a" * 1_100_000 + b"\n", "longer than"),
        (b"employee,comment\nagent.1,hi\n", "missing column"),
    ],
)
def test_garbage_files_are_refused_with_a_message(
    sqlite_db: Database, org: Org, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(content)
    with pytest.raises(ImportRefused, match=message):
        import_pulse(sqlite_db, path, org.sup_a, now=NOW)


def test_formula_cells_are_neutralised(sqlite_db: Database, org: Org, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "employee,answered_at,esat,comment\nagent.1,2026-11-20 09:00,4,\"=cmd|' /C calc'!A0\"\n",
    )
    report = import_pulse(sqlite_db, path, org.sup_a, now=NOW)
    assert report.written and report.warnings and "leading '" in report.warnings[0]
    with sqlite_db.read() as s:
        comment = s.scalar(select(PulseSurvey.comment).where(PulseSurvey.comment.like("%cmd%")))
    assert comment == "'=cmd|' /C calc'!A0"


def test_missing_file_is_refused(sqlite_db: Database, org: Org, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="no such file"):
        import_pulse(sqlite_db, tmp_path / "nope.csv", org.sup_a, now=NOW)


QA = (
    "review_id,employee,reviewed_at,rubric,reviewer,ticket,Empathy,Accuracy,score,comment\n"
    "R1,agent.1,2026-11-20 10:00,Calls,lee.lead,,2,4,75,ok\n"
    "R2,agent.2,2026-11-20 11:00,Calls,,,4,0,,failed the critical item\n"
)


def test_qa_import_computes_scores_from_the_items(
    sqlite_db: Database, org: Org, tmp_path: Path
) -> None:
    report = import_qa(sqlite_db, _write(tmp_path, QA), org.lead_a, now=NOW)
    assert report.written and report.inserted == 2, format_report(report)
    with sqlite_db.read() as s:
        scores = dict(
            s.execute(
                select(QaReview.external_id, QaReview.score_pct).where(
                    QaReview.external_id.in_(["R1", "R2"])
                )
            ).all()
        )
        items = s.scalar(
            select(func.count())
            .select_from(QaReviewItem)
            .join(QaReview, QaReview.id == QaReviewItem.review_id)
            .where(QaReview.external_id == "R1")
        )
    assert scores == {"R1": 75.0, "R2": 0.0}  # (2/4 + 4/4) / 2; critical item failed
    assert items == 2
    again = import_qa(sqlite_db, _write(tmp_path, QA), org.lead_a, now=NOW)
    assert again.unchanged == 2 and again.inserted == 0


def test_qa_score_that_disagrees_with_its_items_is_rejected(
    sqlite_db: Database, org: Org, tmp_path: Path
) -> None:
    bad = QA.replace(",2,4,75,ok", ",2,4,90,ok")
    report = import_qa(sqlite_db, _write(tmp_path, bad), org.lead_a, now=NOW)
    assert not report.written
    assert "disagrees with the items (75.0 %)" in report.rejected[0].reason


def test_qa_rows_out_of_scale_or_for_other_teams_are_rejected(
    sqlite_db: Database, org: Org, tmp_path: Path
) -> None:
    text = QA.replace(",2,4,75,ok", ",7,4,,ok") + "R3,beta.1,2026-11-20 11:00,Calls,,,4,4,,\n"
    report = import_qa(sqlite_db, _write(tmp_path, text), org.lead_a, now=NOW)
    reasons = {p.line: p.reason for p in report.rejected}
    assert "'Empathy' must be a whole number from 0 to 4" in reasons[2]
    assert "not in a team you supervise" in reasons[4]
    with pytest.raises(AccessDenied):
        import_qa(sqlite_db, _write(tmp_path, QA), org.agent_actor, now=NOW)


def test_qa_with_only_a_score_column(sqlite_db: Database, org: Org, tmp_path: Path) -> None:
    text = "employee,reviewed_at,rubric,score\nagent.1,2026-11-19 10:00,calls,88.5\n"
    report = import_qa(sqlite_db, _write(tmp_path, text), org.sup_a, now=NOW)
    assert report.written and report.inserted == 1
