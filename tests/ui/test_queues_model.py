"""The queues tree model: Qt's model checks, diff updates, fixed group order under sorting."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QTreeView

from db.engine import Database
from db.queries.queues import QueuesSnapshot, queues_snapshot
from desktop.ui.queues_columns import queue_columns
from desktop.ui.queues_model import QueueSortProxy, QueueTreeModel
from desktop.ui.table_model import KEY_ROLE, ROW_ROLE
from tests.ui.live_demo import DEMO_NOW, demo_db, tiny_demo_file  # noqa: F401


def snap(db: Database) -> QueuesSnapshot:
    with db.read() as session:
        return queues_snapshot(session, DEMO_NOW)


def fill(model: QueueTreeModel, s: QueuesSnapshot) -> None:
    model.apply(s.queues, (*s.channels, s.total))


def test_passes_qtmodeltester_through_updates(qapp, qtmodeltester, demo_db: Database) -> None:  # noqa: F811
    model = QueueTreeModel(queue_columns())
    s = snap(demo_db)
    fill(model, s)
    qtmodeltester.check(model, force_py=True)
    # A changed queue, a vanished channel and a new one, in one update.
    first = replace(s.queues[0], waiting=s.queues[0].waiting + 3)
    moved = replace(s.queues[1], channel="chat", key="q:moved")
    chat = replace(s.channels[0], key="c:chat", name="Chat", channel="chat")
    model.apply((first, moved), (s.channels[0], chat, s.total))
    qtmodeltester.check(model, force_py=True)
    proxy = QueueSortProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)


def test_diff_keeps_persistent_indexes(qapp, demo_db: Database) -> None:  # noqa: F811
    model = QueueTreeModel(queue_columns())
    s = snap(demo_db)
    fill(model, s)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    group = model.index(0, 0)
    child = model.index(0, 0, group)
    key = child.data(KEY_ROLE)
    from PySide6.QtCore import QPersistentModelIndex

    kept = QPersistentModelIndex(child)
    changed = tuple(replace(q, waiting=q.waiting + 1) for q in s.queues)
    model.apply(changed, (*s.channels, s.total))
    assert resets == []
    assert kept.isValid() and kept.data(KEY_ROLE) == key
    assert kept.data(ROW_ROLE).waiting == s.queues[0].waiting + 1


def test_sorting_keeps_channels_in_order_and_total_last(qtbot, demo_db: Database) -> None:  # noqa: F811
    model = QueueTreeModel(queue_columns())
    s = snap(demo_db)
    fill(model, s)
    proxy = QueueSortProxy()
    proxy.setSourceModel(model)
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    offered = next(i for i, c in enumerate(model.columns) if c.title == "Offered")
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        view.sortByColumn(offered, order)
        tops = [proxy.index(r, 0).data(KEY_ROLE) for r in range(proxy.rowCount())]
        assert tops[-1] == "total"
        assert tops[:-1] == [c.key for c in s.channels]
        group = proxy.index(0, 0)
        values = [
            proxy.index(r, 0, group).data(ROW_ROLE).volumes.offered
            for r in range(proxy.rowCount(group))
        ]
        assert values == sorted(values, reverse=order == Qt.SortOrder.DescendingOrder)
    # The selection follows its row through a re-sorting update.
    view.expandAll()
    group = proxy.index(0, 0)
    target = proxy.index(0, 0, group)
    key = target.data(KEY_ROLE)
    view.selectionModel().setCurrentIndex(
        target,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    bumped = tuple(
        replace(q, volumes=replace(q.volumes, offered=q.volumes.offered + 100 * i))
        for i, q in enumerate(s.queues)
    )
    model.apply(bumped, (*s.channels, s.total))
    assert view.selectionModel().currentIndex().data(KEY_ROLE) == key


def test_trace_models_pass_qtmodeltester(qapp, qtmodeltester, demo_db: Database) -> None:  # noqa: F811
    from db.queries.queue_trace import Figure, trace_figure
    from desktop.ui.queues_trace import AGENT_COLUMNS, CONTACT_COLUMNS
    from desktop.ui.table_model import SnapshotTableModel

    s = snap(demo_db)
    starts = {q.queue_ids[0]: q.window_start for q in s.queues}
    with demo_db.read() as session:
        contacts = trace_figure(session, Figure.SERVICE_LEVEL, starts, DEMO_NOW)
        agents = trace_figure(session, Figure.AGENTS, starts, DEMO_NOW)
    model: SnapshotTableModel = SnapshotTableModel(CONTACT_COLUMNS, lambda r: r.contact_id)
    model.apply(contacts.rows)
    qtmodeltester.check(model, force_py=True)
    people: SnapshotTableModel = SnapshotTableModel(AGENT_COLUMNS, lambda r: r.employee_id)
    people.apply(agents.rows)
    qtmodeltester.check(people, force_py=True)
    assert contacts.total == s.total.volumes.sl_denominator
