"""Ticket CSV import: per-row checks, all-or-nothing, idempotence, garbage, CLI."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditLog, Customer, Ticket, TicketEvent
from desktop.config import load_settings
from desktop.core.domain import Priority, TicketStatus
from desktop.sources.csv_import import (
    ImportCancelled,
    ImportOptions,
    ImportRefused,
    import_tickets,
    preview_file,
    run_import_cli,
)
from desktop.sources.csv_mappings import FRESHDESK, ZENDESK, MappingError, load_mapping
from desktop.sources.csv_rows import parse_when
from tests.db.ticket_seed import NOW, Seed, seed_tickets

HEADER = [
    "external_id",
    "subject",
    "created_at",
    "status",
    "priority",
    "queue",
    "assignee",
    "customer_name",
    "customer_phone",
    "customer_email",
    "customer_timezone",
    "first_response_at",
    "solved_at",
]


def row(n: int, **kw: str) -> dict[str, str]:
    base = {
        "external_id": f"EXT-{n}",
        "subject": f"Question {n}",
        "created_at": "2026-11-20T09:30:00+01:00",
        "status": "open",
        "priority": "high",
        "queue": "Billing",
        "assignee": "ann",
        "customer_name": f"Customer {n}",
        "customer_phone": "(415) 555-0199",
        "customer_email": f"c{n}@example.com",
        "customer_timezone": "America/Los_Angeles",
        "first_response_at": "",
        "solved_at": "",
    }
    base.update(kw)
    return base


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def seeded(sqlite_db: Database) -> tuple[Database, Seed]:
    return sqlite_db, seed_tickets(sqlite_db)


@pytest.fixture
def seeded_any(any_db: Database) -> tuple[Database, Seed]:
    """SQLite and PostgreSQL: for the tests of what is written (the bulk writer has a path
    per backend)."""
    return any_db, seed_tickets(any_db)


def counts(db: Database) -> tuple[int, int, int]:
    with db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Ticket)),
            s.scalar(select(func.count()).select_from(Customer)),
            s.scalar(select(func.count()).select_from(TicketEvent)),
        )


def test_clean_file_imports_everything_once(seeded_any, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded_any
    path = write_csv(
        tmp_path / "t.csv",
        [
            row(1),
            row(
                2,
                status="solved",
                solved_at="2026-11-21 10:00:00 +0000",
                first_response_at="2026-11-20T10:00:00Z",
            ),
            row(3, customer_email="c1@example.com", priority="", status=""),  # same customer
        ],
    )
    before = counts(db)
    report = import_tickets(db, path, seed.lead, ImportOptions(region="US"), now=NOW)
    assert report.written and report.ok, report.format()
    assert (report.created, report.customers_created, report.already_imported) == (3, 2, 0)
    with db.read() as s:
        t1 = s.scalars(select(Ticket).where(Ticket.external_id == "EXT-1")).one()
        assert t1.priority == Priority.HIGH and t1.status == TicketStatus.OPEN
        assert t1.assignee_id == seed.agent_a
        assert t1.created_at.isoformat() == "2026-11-20T08:30:00+00:00"
        assert (t1.frt_target_minutes, t1.resolution_target_minutes) == (240, 1440)
        customer = s.get(Customer, t1.customer_id)
        assert customer.phone_e164 == "+14155550199"
        assert customer.timezone == "America/Los_Angeles"
        t3 = s.scalars(select(Ticket).where(Ticket.external_id == "EXT-3")).one()
        assert t3.customer_id == t1.customer_id  # matched by e-mail
        assert t3.status == TicketStatus.NEW and t3.priority == Priority.NORMAL
        t2 = s.scalars(select(Ticket).where(Ticket.external_id == "EXT-2")).one()
        assert t2.solved_at is not None and t2.first_response_at == t2.last_heard_at
        kinds = s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == t2.id)).all()
        assert kinds == ["created"]
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "tickets.import")).one()
        assert audit.actor_id == seed.lead.employee_id and audit.after["tickets"] == 3
    after = counts(db)
    again = import_tickets(db, path, seed.lead, ImportOptions(region="US"), now=NOW)
    assert (again.created, again.customers_created, again.already_imported) == (0, 0, 3)
    assert counts(db) == after != before


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"customer_phone": "12345"}, "phone '12345' is not a valid number"),
        ({"customer_phone": "=cmd|' /C calc'!A0"}, "is not a valid number"),
        ({"created_at": "2026-11-20 09:30"}, "has no time zone"),
        ({"created_at": "yesterday"}, "is not a date and time"),
        ({"created_at": "2027-01-01T00:00:00Z"}, "in the future"),
        ({"status": "escalated"}, "unknown status 'escalated'"),
        ({"priority": "p1"}, "unknown priority 'p1'"),
        ({"queue": "Nowhere"}, "unknown queue 'Nowhere'"),
        ({"subject": "   "}, "the subject is empty"),
        ({"external_id": ""}, "the ticket id is empty"),
        ({"status": "solved"}, "needs its solved date"),
        ({"first_response_at": "2026-11-19T00:00:00Z"}, "is before created"),
        ({"customer_name": "", "customer_email": "", "customer_phone": ""}, "no customer"),
    ],
)
def test_each_bad_row_is_reported_with_its_line_and_nothing_written(  # type: ignore[no-untyped-def]
    seeded, tmp_path: Path, bad: dict[str, str], reason: str
) -> None:
    db, seed = seeded
    path = write_csv(tmp_path / "t.csv", [row(1), row(2, **bad), row(3)])
    before = counts(db)
    report = import_tickets(db, path, seed.lead, ImportOptions(region="US"), now=NOW)
    assert not report.written and report.valid == 2
    assert [(i.line, reason in i.reason) for i in report.rejected] == [(3, True)], report.rejected
    assert counts(db) == before
    assert "nothing was imported" in report.summary()


def test_valid_rows_option_writes_the_rest(seeded_any, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded_any
    path = write_csv(
        tmp_path / "t.csv", [row(1), row(2, status="???"), row(3), row(1, subject="again")]
    )
    report = import_tickets(
        db, path, seed.lead, ImportOptions(region="US", valid_rows=True), now=NOW
    )
    assert report.written and report.created == 2
    assert [(i.line, i.reason.split(" ")[0]) for i in report.rejected] == [
        (3, "unknown"),
        (5, "ticket"),
    ]
    assert "already on line 2" in report.rejected[1].reason


def test_formula_in_text_is_neutralised_and_reported(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    path = write_csv(
        tmp_path / "t.csv", [row(1, subject='=HYPERLINK("http://x")', customer_name="@evil")]
    )
    report = import_tickets(db, path, seed.lead, ImportOptions(region="US"), now=NOW)
    assert report.written
    with db.read() as s:
        t = s.scalars(select(Ticket).where(Ticket.external_id == "EXT-1")).one()
        assert t.subject.startswith("'=HYPERLINK")
        assert s.get(Customer, t.customer_id).name == "'@evil"
    assert any("spreadsheet formula" in w.reason for w in report.warnings)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary file"),
        ("external_id,subject\nX1,Caf\xe9 cr\xe8me\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
    ],
)
def test_garbage_is_refused_with_a_clear_message(  # type: ignore[no-untyped-def]
    seeded, tmp_path: Path, content: bytes, message: str
) -> None:
    db, seed = seeded
    path = tmp_path / "garbage.csv"
    path.write_bytes(content)
    before = counts(db)
    with pytest.raises(ImportRefused, match=message):
        import_tickets(db, path, seed.lead, ImportOptions(region="US"), now=NOW)
    assert counts(db) == before


def test_an_endless_line_is_refused_without_reading_it_all(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A 2 GB line stands in as a sparse file: only the bounded reader's 1 MB is ever read."""
    db, seed = seeded
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(",".join(HEADER).encode() + b"\n")
        handle.write(b"A" * 2_000_000)
        handle.seek(2 * 1024**3)
        handle.write(b"\n")
    with pytest.raises(ImportRefused, match="longer than 1,000,000 characters"):
        import_tickets(db, path, seed.lead, ImportOptions(region="US"), now=NOW)
    unterminated = write_csv(tmp_path / "q.csv", [row(1)])
    with unterminated.open("a", encoding="utf-8") as handle:
        handle.write('EXT-9,"never closed\n' + "x" * 200_000 + "\n")
    with pytest.raises(ImportRefused, match="cannot be read"):
        import_tickets(db, unterminated, seed.lead, ImportOptions(region="US"), now=NOW)


def test_missing_required_columns_are_named(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    path = write_csv(
        tmp_path / "t.csv", [{"external_id": "1", "subject": "x"}], ["external_id", "subject"]
    )
    with pytest.raises(ImportRefused, match="no column for Created, Customer name"):
        import_tickets(db, path, seed.lead, ImportOptions(region="US"), now=NOW)


def test_cancel_leaves_nothing_behind(seeded_any, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded_any
    path = write_csv(tmp_path / "t.csv", [row(i) for i in range(3000)])
    before = counts(db)
    polls = []

    def cancel_when_writing() -> bool:
        polls.append(1)
        return len(polls) > 4  # the validation polls 3 times for 3,000 rows: cancel mid-write

    with pytest.raises(ImportCancelled):
        import_tickets(
            db, path, seed.lead, ImportOptions(region="US"), cancelled=cancel_when_writing, now=NOW
        )
    assert counts(db) == before


def test_zendesk_and_freshdesk_exports_map_by_their_own_column_names(
    seeded, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    db, seed = seeded
    zendesk = write_csv(
        tmp_path / "zendesk.csv",
        [
            {
                "Id": "77",
                "Requester": "Zoe Zed",
                "Requester email": "zoe@example.com",
                "Subject": "Broken",
                "Status": "Hold",
                "Priority": "Urgent",
                "Group": "billing",
                "Assignee": "Bob Agent",
                "Created at": "2026-11-22 08:00:00 +0000",
                "Solved at": "",
            }
        ],
        [
            "Id",
            "Requester",
            "Requester email",
            "Subject",
            "Status",
            "Priority",
            "Group",
            "Assignee",
            "Created at",
            "Solved at",
        ],
    )
    assert preview_file(zendesk).mapping is ZENDESK
    report = import_tickets(db, zendesk, seed.lead, ImportOptions(region="US"), now=NOW)
    assert report.written and report.ok, report.format()
    freshdesk = write_csv(
        tmp_path / "fd.csv",
        [
            {
                "Ticket ID": "77",
                "Subject": "Slow",
                "Status": "Waiting on Customer",
                "Priority": "Medium",
                "Group": "Tech support",
                "Agent": "",
                "Full name": "Yan",
                "Mobile phone": "+44 7911 123456",
                "Created time": "2026-11-22 09:00:00",
                "Resolved time": "",
            }
        ],
        [
            "Ticket ID",
            "Subject",
            "Status",
            "Priority",
            "Group",
            "Agent",
            "Full name",
            "Mobile phone",
            "Created time",
            "Resolved time",
        ],
    )
    assert preview_file(freshdesk).mapping is FRESHDESK
    naive = import_tickets(db, freshdesk, seed.lead, ImportOptions(region="US"), now=NOW)
    assert not naive.written and "has no time zone" in naive.rejected[0].reason
    mapping_file = tmp_path / "fd.json"
    mapping_file.write_text(json.dumps({"base": "freshdesk", "timezone": "Europe/London"}))
    options = ImportOptions(mapping=load_mapping(str(mapping_file)), region="US")
    report = import_tickets(db, freshdesk, seed.lead, options, now=NOW)
    assert report.written, report.format()
    with db.read() as s:
        zd = s.scalars(select(Ticket).where(Ticket.external_id == "zd-77")).one()
        fd = s.scalars(select(Ticket).where(Ticket.external_id == "fd-77")).one()  # no clash
        assert zd.status == TicketStatus.ON_HOLD and zd.priority == Priority.URGENT
        assert zd.assignee_id == seed.agent_b and zd.queue_id == seed.billing
        assert fd.status == TicketStatus.PENDING and fd.priority == Priority.NORMAL
        assert s.get(Customer, fd.customer_id).phone_e164 == "+447911123456"


def test_mapping_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"base": "zendesk", "statuses": {"x": "lost"}}))
    with pytest.raises(MappingError, match="unknown status 'lost'"):
        load_mapping(str(bad))
    bad.write_text("{not json")
    with pytest.raises(MappingError, match="not a readable JSON"):
        load_mapping(str(bad))
    with pytest.raises(MappingError, match="no such mapping file"):
        load_mapping("help-scout")


def test_dates_with_zones(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    assert parse_when("2026-11-02T09:30:00Z", None).isoformat() == "2026-11-02T09:30:00+00:00"
    assert parse_when("2026/11/2 09:30 +0100", None).utcoffset().total_seconds() == 3600
    assert parse_when("2026-11-02 09:30 UTC", None).tzinfo is not None
    paris = parse_when("2026-07-02 09:30", ZoneInfo("Europe/Paris"))
    assert paris.utcoffset().total_seconds() == 7200  # summer time in that zone


def _args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"kind": "tickets", "mapping": None, "valid_rows": False} | kw)


def test_cli_imports_reports_and_sets_exit_codes(seeded, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db, _seed = seeded
    settings = load_settings(
        cli={"database.url": db.url, "user.name": "lena"}, env={}, frozen_dir=tmp_path
    )
    bad = write_csv(tmp_path / "bad.csv", [row(1), row(2, priority="p0")])
    assert run_import_cli(settings, _args(file=str(bad))) == 1
    out = capsys.readouterr().out
    assert "line 3 rejected: unknown priority 'p0'" in out and "nothing was imported" in out
    assert run_import_cli(settings, _args(file=str(bad), valid_rows=True)) == 0
    assert "1 tickets imported" in capsys.readouterr().out
    assert run_import_cli(settings, _args(file=str(tmp_path / "missing.csv"))) == 2
    assert "no such file" in capsys.readouterr().err
    assert run_import_cli(settings, _args(file=str(bad), mapping="nope")) == 2


def test_cli_hands_pulse_and_qa_to_the_survey_import(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import sys
    import types

    calls = []
    fake = types.ModuleType("desktop.sources.survey_import")
    fake.run_survey_import = lambda settings, kind, file, valid_rows=False: (
        calls.append(  # type: ignore[attr-defined]
            (kind, file, valid_rows)
        )
        or 0
    )
    monkeypatch.setitem(sys.modules, "desktop.sources.survey_import", fake)
    assert run_import_cli(None, _args(kind="pulse", file="p.csv", valid_rows=True)) == 0
    assert calls == [("pulse", "p.csv", True)]
    monkeypatch.setitem(sys.modules, "desktop.sources.survey_import", None)  # absent module
    assert run_import_cli(None, _args(kind="qa", file="q.csv")) == 2
    assert "importing QA results is not available" in capsys.readouterr().err
