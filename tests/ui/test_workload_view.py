"""The workload view on a real (tiny) demo database, offscreen: rows, refresh, team panel and
rebalancing by menu and by drag and drop, with the conflict path."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QDropEvent
from sqlalchemy import select

from db.actions.tickets import TicketRef
from db.models import AuditLog, Ticket
from desktop.ui.context import ViewContext
from desktop.ui.table_model import KEY_ROLE, ROW_ROLE
from desktop.ui.workload_view import WorkloadView
from tests.ui.live_demo import demo_db, live_ctx, tiny_demo_file  # noqa: F401


@pytest.fixture
def view(qtbot, live_ctx: ViewContext) -> Iterator[WorkloadView]:  # type: ignore[no-untyped-def]  # noqa: F811
    v = WorkloadView()
    qtbot.addWidget(v)
    v.resize(1400, 800)
    v.show()
    with qtbot.waitSignal(v.loaded, timeout=20_000):
        v.attach(live_ctx)
    # The heaviest agent is focused at once; wait for their tickets.
    qtbot.waitUntil(lambda: v.ticket_model.rowCount() > 0, timeout=20_000)
    yield v
    v.detach()
    live_ctx.runner.wait(10_000)


def refresh(qtbot, v: WorkloadView) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(v.refreshed, timeout=20_000):
        v.reload()


def row_of(v: WorkloadView, employee_id: int) -> int:
    return next(
        r for r in range(v.proxy.rowCount()) if v.proxy.index(r, 0).data(KEY_ROLE) == employee_id
    )


def test_one_row_per_agent_of_the_team(view: WorkloadView, live_ctx: ViewContext) -> None:  # noqa: F811
    agents = view.model.rows
    assert agents and all(a.team_id in live_ctx.actor.team_ids for a in agents)
    loads = [
        view.proxy.index(r, 0).data(ROW_ROLE).weighted_load for r in range(view.proxy.rowCount())
    ]
    assert loads == sorted(loads, reverse=True)  # heaviest first by default
    assert view.focus is not None and view.focus.weighted_load == loads[0]
    balance = view.panel.model.rows[0]
    assert (
        balance.most_loaded is not None and balance.most_loaded.name in view.panel.most.value.text()
    )
    assert view.panel.gini.value.text().startswith(f"{balance.gini:.2f}")


def test_selection_sort_and_scroll_survive_refresh(qtbot, view: WorkloadView) -> None:  # type: ignore[no-untyped-def]
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    last = view.proxy.rowCount() - 1
    key = view.proxy.index(last, 0).data(KEY_ROLE)
    view.table.selectionModel().setCurrentIndex(
        view.proxy.index(last, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    view.table.setFixedHeight(90)
    bar = view.table.verticalScrollBar()
    bar.setValue(bar.maximum())
    scrolled = bar.value()
    resets: list[int] = []
    view.model.modelReset.connect(lambda: resets.append(1))
    for _ in range(2):
        refresh(qtbot, view)
    assert view.table.selectionModel().currentIndex().data(KEY_ROLE) == key
    assert view.table.horizontalHeader().sortIndicatorSection() == 0
    assert bar.value() == scrolled and scrolled > 0 and resets == []


def owner_of(ctx: ViewContext, ticket_id: int) -> int | None:
    with ctx.db.read() as s:
        return s.get_one(Ticket, ticket_id).assignee_id


def test_reassign_by_menu_then_undo(qtbot, view: WorkloadView, live_ctx: ViewContext) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    source = view.focus
    tickets = view.ticket_model.rows[:2]
    target = view.candidates()[0]
    refs = [TicketRef(t.ticket_id, t.version) for t in tickets]
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.move(refs, target)
    assert all(owner_of(live_ctx, t.ticket_id) == target.employee_id for t in tickets)
    with live_ctx.db.read() as s:
        audits = s.scalars(select(AuditLog).where(AuditLog.action == "ticket.assign")).all()
    assert {a.entity_id for a in audits} >= {t.ticket_id for t in tickets}
    assert view.undo_button.isEnabled()
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.undo_button.click()
    assert all(owner_of(live_ctx, t.ticket_id) == source.employee_id for t in tickets)


def test_drag_tickets_onto_another_agent(qtbot, view: WorkloadView, live_ctx: ViewContext) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    view.tickets.selectAll()
    first = view.ticket_proxy.index(0, 0)
    view.tickets.selectionModel().select(
        first,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    moving = view.ticket_proxy.mapToSource(first).siblingAtColumn(0).data(ROW_ROLE)
    mime = view.ticket_model.mimeData([view.ticket_proxy.mapToSource(first)])
    target = next(a for a in view.model.rows if a.employee_id != view.focus.employee_id)
    rect = view.table.visualRect(view.proxy.index(row_of(view, target.employee_id), 0))
    drop = QDropEvent(
        QPoint(rect.center()).toPointF(),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.table.dropEvent(drop)
    assert drop.isAccepted()
    assert owner_of(live_ctx, moving.ticket_id) == target.employee_id


def test_conflicting_edit_gets_a_clear_message(
    qtbot,  # type: ignore[no-untyped-def]
    view: WorkloadView,
    live_ctx: ViewContext,  # noqa: F811
    monkeypatch,
) -> None:
    stale = view.ticket_model.rows[0]
    with live_ctx.db.write() as s:  # another workstation changes the ticket meanwhile
        s.get_one(Ticket, stale.ticket_id).subject = "Edited elsewhere"
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "desktop.ui.workload_view.QMessageBox.warning",
        lambda _parent, title, text: shown.append((title, text)),
    )
    target = view.candidates()[0]
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.move([TicketRef(stale.ticket_id, stale.version)], target)
    assert shown and shown[0][0] == "Changed on another workstation"
    assert "changed on another workstation" in shown[0][1] and "nothing was saved" in shown[0][1]
    assert owner_of(live_ctx, stale.ticket_id) == view.focus.employee_id
    # The refresh brought the new version: the same move now succeeds.
    fresh = next(t for t in view.ticket_model.rows if t.ticket_id == stale.ticket_id)
    assert fresh.version > stale.version
