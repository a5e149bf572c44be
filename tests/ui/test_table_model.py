"""The snapshot model passes Qt's model checks and keeps selection across a diff update."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt

from desktop.ui.table_model import KEY_ROLE, NUMBER, SORT_ROLE, Column, SnapshotTableModel
from desktop.ui.widgets import sortable_table


@dataclass(frozen=True)
class Item:
    key: int
    name: str
    value: float | None


COLUMNS = [
    Column("Name", lambda r: r.name),
    Column(
        "Value",
        lambda r: "—" if r.value is None else f"{r.value:.1f}",
        lambda r: r.value,
        "the value",
        align=NUMBER,
    ),
]


def make_model() -> SnapshotTableModel[Item]:
    return SnapshotTableModel(COLUMNS, lambda r: r.key)


def test_passes_qtmodeltester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = make_model()
    model.apply([Item(1, "a", 1.0), Item(2, "b", None), Item(3, "c", 3.0)])
    qtmodeltester.check(model, force_py=True)
    model.apply([Item(3, "c", 4.0), Item(4, "d", 0.5)])
    qtmodeltester.check(model, force_py=True)


def test_diff_emits_changes_not_resets(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = make_model()
    model.apply([Item(1, "a", 1.0), Item(2, "b", 2.0), Item(3, "c", 3.0)])
    resets: list[int] = []
    changed: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    inserted: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.apply([Item(1, "a", 1.0), Item(3, "c", 9.0), Item(5, "e", 5.0)])
    assert resets == []
    assert removed == [(1, 1)]
    assert changed == [(1, 1)]
    assert inserted == [(2, 2)]
    assert [r.key for r in model.rows] == [1, 3, 5]
    model.apply([Item(1, "a", 1.0), Item(3, "c", 9.0), Item(5, "e", 5.0)])
    assert changed == [(1, 1)]  # identical snapshot: no signal at all


def test_selection_and_sort_survive_refresh(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = make_model()
    table = sortable_table(model)
    qtbot.addWidget(table)
    model.apply([Item(i, f"n{i}", float(i)) for i in range(50)])
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    proxy = table.model()
    target = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(KEY_ROLE) == 10)
    table.selectionModel().select(
        proxy.index(target, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    model.apply([Item(i, f"n{i}", float(i) + (0.5 if i % 2 else 0)) for i in range(1, 60)])
    selected = table.selectionModel().selectedRows()
    assert [proxy.data(ix, KEY_ROLE) for ix in selected] == [10]
    values = [proxy.index(r, 1).data(SORT_ROLE) for r in range(proxy.rowCount())]
    assert values == sorted(values, reverse=True)


def test_none_sorts_below_numbers() -> None:
    model = make_model()
    model.apply([Item(1, "a", None), Item(2, "b", 2.0)])
    assert model.data(model.index(0, 1), SORT_ROLE) < model.data(model.index(1, 1), SORT_ROLE)
    assert (
        model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "the value"
    )
    assert model.rowCount(model.index(0, 0)) == 0 and model.rowCount(QModelIndex()) == 2
