"""The workload view's models pass Qt's checks; tickets drag out as versioned refs."""

from __future__ import annotations

from db.engine import Database
from db.queries.workload import team_choices, workload_snapshot
from desktop.ui.item_rows import ItemTableModel
from desktop.ui.workload_actions import MIME_TICKETS
from desktop.ui.workload_models import TicketDragModel, agent_columns, refs_from_mime
from desktop.ui.workload_panel import BALANCE_COLUMNS
from tests.ui.live_demo import DEMO_NOW, demo_db, tiny_demo_file  # noqa: F401


def snapshot(db: Database):  # type: ignore[no-untyped-def]
    with db.read() as s:
        teams = [t.team_id for t in team_choices(s)]
        first = workload_snapshot(s, DEMO_NOW, teams)
        heaviest = max(first.agents, key=lambda a: a.weighted_load)
        return workload_snapshot(s, DEMO_NOW, teams, heaviest.employee_id)


def test_models_pass_qtmodeltester(qapp, qtmodeltester, demo_db: Database) -> None:  # noqa: F811
    snap = snapshot(demo_db)
    agents = ItemTableModel(agent_columns(), lambda r: r.employee_id)
    agents.apply(snap.agents)
    qtmodeltester.check(agents, force_py=True)
    agents.apply(snap.agents[1:])
    qtmodeltester.check(agents, force_py=True)
    tickets = TicketDragModel()
    tickets.apply(snap.focus_tickets)
    qtmodeltester.check(tickets, force_py=True)
    balances = ItemTableModel(BALANCE_COLUMNS, lambda b: b.team_id)
    balances.apply(snap.balances)
    qtmodeltester.check(balances, force_py=True)


def test_tickets_drag_as_versioned_refs(qapp, demo_db: Database) -> None:  # noqa: F811
    snap = snapshot(demo_db)
    model = TicketDragModel()
    model.owner_id = snap.focus_agent_id
    model.apply(snap.focus_tickets)
    mime = model.mimeData([model.index(0, 0), model.index(0, 3), model.index(1, 0)])
    assert mime.hasFormat(MIME_TICKETS) and model.mimeTypes() == [MIME_TICKETS]
    source, refs = refs_from_mime(mime)
    assert source == snap.focus_agent_id
    assert [(r.ticket_id, r.version) for r in refs] == [
        (t.ticket_id, t.version) for t in snap.focus_tickets[:2]
    ]
    from PySide6.QtCore import QMimeData

    junk = QMimeData()
    junk.setData(MIME_TICKETS, b"not json")
    assert refs_from_mime(junk) == (None, [])


def test_item_rows_update_only_changed_cells(qapp, demo_db: Database) -> None:  # noqa: F811
    from dataclasses import replace

    from PySide6.QtCore import Qt

    snap = snapshot(demo_db)
    model = ItemTableModel(agent_columns(), lambda r: r.employee_id)
    model.apply(snap.agents)
    changed: list[tuple[int, int, list[int]]] = []
    model.dataChanged.connect(lambda a, b, roles: changed.append((a.row(), a.column(), roles)))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    first = snap.agents[0]
    bumped = replace(first, handled_today=first.handled_today + 7)
    model.apply([bumped, *snap.agents[1:]])
    handled = next(i for i, c in enumerate(model._columns) if c.title == "Handled")
    cells = {(r, c) for r, c, roles in changed if Qt.ItemDataRole.DisplayRole in roles}
    assert cells == {(0, handled)} and resets == []
    assert model.index(0, handled).data() == str(first.handled_today + 7)
    model.apply(snap.agents[1:])
    assert model.rowCount() == len(snap.agents) - 1 and model.row_for_key(first.employee_id) is None
