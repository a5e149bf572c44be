"""The import dialog: preview and mapping, progress, the report, valid rows, cancel."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import Ticket
from desktop.config import load_settings
from desktop.live.tasks import TaskRunner
from desktop.ui.context import ViewContext
from desktop.ui.tickets_import_dialog import ImportDialog
from tests.db.ticket_seed import NOW, seed_tickets

ZENDESK_HEADER = [
    "Id",
    "Requester",
    "Requester email",
    "Subject",
    "Status",
    "Priority",
    "Group",
    "Created at",
]


def zendesk_csv(path: Path, rows: int, bad_lines: tuple[int, ...] = ()) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ZENDESK_HEADER)
        for i in range(rows):
            status = "escalated" if i + 2 in bad_lines else "open"
            writer.writerow(
                [
                    1000 + i,
                    f"Person {i}",
                    f"p{i}@example.com",
                    f"Problem {i}",
                    status,
                    "normal",
                    "Billing",
                    "2026-11-22T08:00:00Z",
                ]
            )
    return path


@pytest.fixture
def dialog(qtbot, sqlite_db: Database, tmp_path: Path) -> Iterator[ImportDialog]:  # type: ignore[no-untyped-def]
    seed = seed_tickets(sqlite_db)
    settings = load_settings(cli={"database.url": sqlite_db.url}, env={}, frozen_dir=tmp_path)
    runner = TaskRunner(2)
    ctx = ViewContext(runner, sqlite_db, seed.lead, settings, False, now=lambda: NOW)
    dlg = ImportDialog(ctx, None, ["Billing", "Tech support"])
    qtbot.addWidget(dlg)
    dlg.show()
    yield dlg
    runner.wait()


def imported(db: Database) -> int:
    with db.read() as s:
        return s.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.external_id.like("zd-%"))
        )


def test_preview_mapping_then_import(dialog: ImportDialog, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog.set_file(str(zendesk_csv(tmp_path / "zd.csv", 30)))
    qtbot.waitUntil(lambda: dialog.preview is not None)
    assert dialog.mapping is not None and dialog.mapping.name == "zendesk"
    assert "layout: zendesk" in dialog.file_status.text()
    dialog.next.click()
    assert dialog.stack.currentIndex() == 1
    assert dialog.field_columns["subject"].currentData() == "subject"
    assert dialog.fields.item(1, 2).text() == "Problem 0"  # the first row beside the field
    assert dialog.sample.rowCount() == 20
    dialog.field_columns["subject"].setCurrentIndex(0)  # "(not imported)": required, so no go
    assert not dialog.next.isEnabled() and "Subject" in dialog.mapping_status.text()
    dialog.field_columns["subject"].setCurrentIndex(
        dialog.field_columns["subject"].findData("subject")
    )
    with qtbot.waitSignal(dialog.imported, timeout=20_000) as signal:
        dialog.next.click()
    assert "30 tickets imported" in signal.args[0]
    assert dialog.progress.value() == 1000
    assert imported(dialog.ctx.db) == 30


def test_rejected_rows_are_listed_then_valid_rows_imported(
    dialog: ImportDialog, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    dialog.set_file(str(zendesk_csv(tmp_path / "zd.csv", 10, bad_lines=(4, 9))))
    qtbot.waitUntil(lambda: dialog.preview is not None)
    dialog.next.click()
    dialog.next.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)
    assert not dialog.report.written and imported(dialog.ctx.db) == 0
    assert [dialog.issues.item(r, 0).text() for r in range(dialog.issues.rowCount())] == ["4", "9"]
    assert "unknown status 'escalated'" in dialog.issues.item(0, 2).text()
    assert dialog.valid_rows.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        dialog.valid_rows.click()
    assert imported(dialog.ctx.db) == 8


def test_garbage_file_is_refused_in_step_one(dialog: ImportDialog, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\x00\x00" * 100)
    dialog.set_file(str(path))
    qtbot.waitUntil(lambda: "binary file" in dialog.file_status.text())
    assert not dialog.next.isEnabled()


def test_cancel_rolls_everything_back(dialog: ImportDialog, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog.set_file(str(zendesk_csv(tmp_path / "zd.csv", 6000)))
    qtbot.waitUntil(lambda: dialog.preview is not None)
    dialog.next.click()
    dialog._progress.moved.connect(lambda *_: dialog.running and dialog.close_button.click())
    dialog.next.click()
    assert dialog.close_button.text() == "Cancel import"
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert "Cancelled: nothing was imported" in dialog.progress_label.text()
    assert imported(dialog.ctx.db) == 0
