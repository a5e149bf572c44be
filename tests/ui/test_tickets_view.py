"""The tickets view on a real SQLite database: loading, filters, detail, actions, conflicts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow
from sqlalchemy import event, func, select

from db.actions.tickets import TicketRef, assign
from db.engine import Database
from db.models import AuditLog, SavedFilter, Ticket
from desktop.config import load_settings
from desktop.core.domain import TicketStatus
from desktop.live.tasks import TaskRunner
from desktop.ui.context import ViewContext
from desktop.ui.tickets_board_data import Col
from desktop.ui.tickets_view import TicketsView
from tests.db.ticket_seed import NOW, Seed, seed_tickets


@dataclass
class Env:
    db: Database
    seed: Seed
    view: TicketsView
    window: QMainWindow
    ctx: ViewContext


@pytest.fixture
def env(qtbot, sqlite_db: Database, tmp_path: Path) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    seed = seed_tickets(sqlite_db)
    settings = load_settings(cli={"database.url": sqlite_db.url}, env={}, frozen_dir=tmp_path)
    runner = TaskRunner(3)
    ctx = ViewContext(runner, sqlite_db, seed.lead, settings, False, now=lambda: NOW)
    window = QMainWindow()
    window.import_action = QAction("Import tickets…", window)  # type: ignore[attr-defined]
    window.import_action.setEnabled(False)  # type: ignore[attr-defined]
    view = TicketsView()
    window.setCentralWidget(view)
    window.resize(1500, 900)
    qtbot.addWidget(window)
    window.show()
    view.attach(ctx)
    qtbot.waitUntil(lambda: view._full and view.model.rowCount() == 6, timeout=60_000)
    yield Env(sqlite_db, seed, view, window, ctx)
    view.detach()
    runner.wait()


def scalar(db: Database, stmt):  # type: ignore[no-untyped-def]
    with db.read() as s:
        return s.scalar(stmt)


def status_of(db: Database, ticket_id: int) -> TicketStatus:
    with db.read() as s:
        return s.get(Ticket, ticket_id).status


def pick(env: Env, key: str) -> None:
    assert env.view.select_ticket(env.seed.tickets[key])


def test_loads_board_kpis_and_enables_import(env: Env) -> None:
    v = env.view
    assert v.is_loaded
    assert v.kpis.open.value.text() == "6"
    assert v.kpis.breached.value.text() == "2"  # breached FRT, and other_team's resolution
    assert v.kpis.at_risk.value.text() == "1"
    assert v.kpis.unassigned.value.text() == "1"
    assert v.count_label.text() == "6 open tickets"
    assert env.window.import_action.isEnabled()  # type: ignore[attr-defined]
    first = v.model.index(0, int(Col.FIRST_RESPONSE))
    assert first.data().endswith(" late")  # sorted by first response: the worst first


def test_search_and_chips_filter_as_you_type(env: Env, qtbot) -> None:  # type: ignore[no-untyped-def]
    v = env.view
    qtbot.keyClicks(v.filters.search, "alic")
    assert v.model.rowCount() == 2
    assert v.count_label.text() == "Showing 2 of 6 open tickets"
    v.filters.search.clear()
    v.filters.toggle("breached")
    assert {v.model.ticket_id(r) for r in range(v.model.rowCount())} == {
        env.seed.tickets["breached"],
        env.seed.tickets["other_team"],
    }
    v.filters.toggle("my_team")
    assert v.model.rowCount() == 1
    v.kpis.unassigned.clicked.emit()  # the card ticks "unassigned": mine-team OR unassigned
    assert v.model.rowCount() == 1
    v.filters.set_filter(v.filters.current().__class__())
    assert v.model.rowCount() == 6


def test_ticks_move_clocks_without_a_query(env: Env) -> None:
    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(env.db.engine, "before_cursor_execute", listener)
    try:
        before = env.view.model.index(0, int(Col.AGE)).data()
        clock = [NOW]
        env.ctx.now = lambda: clock[0]
        from datetime import timedelta

        for minutes in (1, 2, 3):
            clock[0] = NOW + timedelta(minutes=minutes)
            env.view._tick()
        assert env.view.model.index(0, int(Col.AGE)).data() != before
    finally:
        event.remove(env.db.engine, "before_cursor_execute", listener)
    assert statements == []


def test_detail_masks_phone_until_shown_and_audits_the_look(env: Env, qtbot) -> None:  # type: ignore[no-untyped-def]
    pick(env, "answered")
    d = env.view.detail
    qtbot.waitUntil(
        lambda: d.detail is not None and d.detail.ticket_id == env.seed.tickets["answered"]
    )
    assert d.phone.text() == "+4479******56"
    assert d.customer_fields["timezone"].text().startswith("Europe/London")
    html = d.timeline.toPlainText()
    assert "failed" in html and "30003" in html and "delivered" in html and "scheduled" in html
    d.phone_button.click()
    assert d.phone.text() == "+447911123456"
    viewed = (
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "customer.phone_viewed")
    )
    qtbot.waitUntil(lambda: scalar(env.db, viewed) == 1)
    pick(env, "ok")
    qtbot.waitUntil(lambda: d.detail is not None and d.detail.ticket_id == env.seed.tickets["ok"])
    assert "*" in d.phone.text()  # the next ticket starts masked again


def test_take_then_undo(env: Env, qtbot) -> None:  # type: ignore[no-untyped-def]
    tid = env.seed.tickets["unassigned"]
    pick(env, "unassigned")
    env.view.actions.take.trigger()
    board = lambda: env.view.model.board  # noqa: E731
    qtbot.waitUntil(
        lambda: board().assignee_name(board().row_of(tid)) == "Lena Lead", timeout=10_000
    )
    assert env.view.actions.undo.isEnabled()
    env.view.actions.undo.trigger()
    qtbot.waitUntil(lambda: board().assignee_name(board().row_of(tid)) is None, timeout=10_000)
    with env.db.read() as s:
        assert s.get(Ticket, tid).assignee_id is None


def test_conflicting_edit_from_another_workstation_is_refused_and_refreshed(  # type: ignore[no-untyped-def]
    env: Env, qtbot
) -> None:
    tid = env.seed.tickets["ok"]
    pick(env, "ok")
    seen = env.view.selected_ticket()
    assert seen is not None
    other = Database(env.db.url)
    try:
        with other.write() as s:  # a colleague reassigns the ticket meanwhile
            assign(s, env.seed.lead, [TicketRef(tid, seen[1])], env.seed.agent_b, NOW)
    finally:
        other.dispose()
    env.view.actions.status_actions["pending"].trigger()
    qtbot.waitUntil(lambda: "another workstation" in env.view.messages.label.text(), timeout=10_000)
    assert "nothing was saved" in env.view.messages.label.text()
    qtbot.waitUntil(lambda: env.view.selected_ticket() == (tid, seen[1] + 1), timeout=10_000)
    with env.db.read() as s:
        ticket = s.get(Ticket, tid)
        assert ticket.status == TicketStatus.NEW and ticket.assignee_id == env.seed.agent_b
    # Now that the board shows the colleague's version, the same action goes through.
    env.view.actions.status_actions["pending"].trigger()
    qtbot.waitUntil(lambda: status_of(env.db, tid) == TicketStatus.PENDING, timeout=10_000)


def test_saved_filters_per_user(env: Env, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    v = env.view
    v.filters.toggle("breached")
    monkeypatch.setattr(
        "desktop.ui.tickets_filter_bar.QInputDialog.getText", lambda *a, **k: ("Fires", True)
    )
    v.filters._ask_save()
    qtbot.waitUntil(lambda: any(a.text() == "Fires" for a in v.filters.saved_menu.actions()))
    with env.db.read() as s:
        row = s.scalars(select(SavedFilter)).one()
        assert row.employee_id == env.seed.lead.employee_id and row.definition == {"breached": True}
    v.filters.set_filter(v.filters.current().__class__())
    assert v.model.rowCount() == 6
    next(a for a in v.filters.saved_menu.actions() if a.text() == "Fires").trigger()
    assert v.model.rowCount() == 2 and v.filters.chips["breached"].isChecked()
    v._delete_filter(row.id)
    qtbot.waitUntil(lambda: not any(a.text() == "Fires" for a in v.filters.saved_menu.actions()))
