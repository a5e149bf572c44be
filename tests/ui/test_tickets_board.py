"""The board model: Qt's model checks, filtering, sorting, diff updates, ticking clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from db.queries.tickets import AgentInfo, BoardFilter, BoardSnapshot, QueueInfo, Viewer
from desktop.core.sla import ClockState, first_response_clock, resolution_clock
from desktop.ui.table_model import KEY_ROLE
from desktop.ui.tickets_board_data import Col, RowFilter, Severity, build_board_data
from desktop.ui.tickets_board_model import SEVERITY_ROLE, BoardModel
from desktop.ui.tickets_board_table import board_table

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
T = NOW.timestamp()


def snapshot(
    n: int = 40, at: datetime = NOW, drop: tuple[int, ...] = (), seed: int = 1
) -> BoardSnapshot:
    """``n`` synthetic open tickets with every clock state; ids 1..n minus ``drop``."""
    rng = np.random.default_rng(seed)
    ids = [i for i in range(1, n + 1) if i not in drop]
    created = [T - float(rng.integers(60, 3 * 86400)) for _ in ids]
    answered = [c + 1800 if i % 3 == 0 else None for i, c in zip(ids, created, strict=True)]
    return BoardSnapshot(
        at=at,
        ticket_id=tuple(ids),
        version=tuple(1 for _ in ids),
        external_id=tuple(f"X{i}" for i in ids),
        customer_id=tuple(ids),
        customer_name=tuple(
            ["Zoë Adams", "alice Brown", "Bob Clark", "Émile Durand"][i % 4] + f" {i}" for i in ids
        ),
        phone=tuple(f"+4479111{i:05d}" if i % 5 else None for i in ids),
        subject=tuple(f"Subject {(i * 7) % 13}" for i in ids),
        priority=tuple(["low", "normal", "high", "urgent"][i % 4] for i in ids),
        status=tuple(["new", "open", "pending", "on_hold"][i % 4] for i in ids),
        queue_id=tuple(1 + i % 2 for i in ids),
        assignee_id=tuple(None if i % 6 == 0 else 10 + i % 3 for i in ids),
        created=tuple(created),
        first_response=tuple(answered),
        last_heard=tuple(answered),
        frt_target_s=tuple(3600.0 if i % 7 else None for i in ids),
        resolution_target_s=tuple(86400.0 for _ in ids),
        next_notification=tuple(T + 600 * i if i % 4 == 0 else None for i in ids),
        queues=(QueueInfo(1, "Billing", 100), QueueInfo(2, "Tech", 200)),
        agents=(
            AgentInfo(10, "Ann", 100, "agent"),
            AgentInfo(11, "Bob", 100, "agent"),
            AgentInfo(12, "Cid", 200, "agent"),
        ),
        teams=((100, "Care"), (200, "Tech")),
    )


def make_model(n: int = 40) -> BoardModel:
    model = BoardModel()
    model.set_viewer(Viewer(10, (100,)))
    model.set_board(build_board_data(snapshot(n)))
    model.tick(T)
    return model


def visible_ids(model: BoardModel) -> list[int]:
    return [model.index(r, 0).data(KEY_ROLE) for r in range(model.rowCount())]


def test_passes_qtmodeltester_through_filter_sort_and_refresh(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = make_model()
    qtmodeltester.check(model, force_py=True)
    model.set_filter(BoardFilter(text="alice"))
    model.sort(int(Col.CUSTOMER), Qt.SortOrder.DescendingOrder)
    model.set_board(build_board_data(snapshot(45, drop=(1, 5))))
    model.set_filter(BoardFilter())
    qtmodeltester.check(model, force_py=True)


def test_vectorised_states_agree_with_the_core_clocks() -> None:
    data = build_board_data(snapshot(200), 0.8)
    severity = data.severity(T)
    for r in range(data.n):
        fr = data.first_response[r]
        frt = data.frt_target[r]
        first = first_response_clock(
            datetime.fromtimestamp(data.created[r], UTC),
            None if np.isnan(fr) else datetime.fromtimestamp(fr, UTC),
            None if np.isnan(frt) else timedelta(seconds=frt),
            NOW,
        )
        res = resolution_clock(
            datetime.fromtimestamp(data.created[r], UTC),
            None,
            timedelta(seconds=data.res_target[r]),
            NOW,
        )
        states = {first.state, res.state}
        expected = (
            Severity.BREACHED
            if ClockState.BREACHED in states
            else Severity.AT_RISK
            if ClockState.AT_RISK in states
            else Severity.OK
        )
        assert severity[r] == expected, r


def test_search_quick_filters_and_sort(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = make_model()
    model.set_filter(BoardFilter(text="ALICE"))
    assert visible_ids(model) and all(i % 4 == 1 for i in visible_ids(model))
    model.set_filter(BoardFilter(text="#12"))
    assert visible_ids(model) == [12]
    model.set_filter(BoardFilter(text="07911 100021"))  # national format finds +447911100021
    assert visible_ids(model) == [21]
    model.set_filter(BoardFilter(mine=True, unassigned=True))
    # Mine: assignee 10 (i % 3 == 0 but not 6); unassigned: i % 6 == 0.
    assert set(visible_ids(model)) == {i for i in range(1, 41) if i % 3 == 0}
    model.set_filter(BoardFilter(priority="urgent", status="on_hold"))
    assert set(visible_ids(model)) == {i for i in range(1, 41) if i % 4 == 3}
    model.set_filter(BoardFilter())
    model.sort(int(Col.PRIORITY), Qt.SortOrder.DescendingOrder)
    ranks = [model.index(r, int(Col.PRIORITY)).data() for r in range(model.rowCount())]
    order = ["Urgent", "High", "Normal", "Low"]
    assert ranks == sorted(ranks, key=order.index)
    model.sort(int(Col.NEXT_NOTIFICATION), Qt.SortOrder.AscendingOrder)
    texts = [model.index(r, int(Col.NEXT_NOTIFICATION)).data() for r in range(model.rowCount())]
    assert texts[0] == "in 40 m 00 s" and texts[-1] == "—"  # none scheduled sorts last


def test_refresh_keeps_selection_and_current_row_by_ticket(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = make_model()
    table = board_table(model)
    qtbot.addWidget(table)
    model.sort(int(Col.ID), Qt.SortOrder.AscendingOrder)
    selection = table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for tid in (7, 30):
        selection.select(model.index(model.row_of(tid), 0), flags)
    selection.setCurrentIndex(
        model.index(model.row_of(30), 0), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    # Tickets 1-5 closed elsewhere, 41-60 arrive, and the list is now sorted another way.
    model.set_board(build_board_data(snapshot(60, drop=(1, 2, 3, 4, 5))))
    model.sort(int(Col.CUSTOMER), Qt.SortOrder.AscendingOrder)
    model.set_filter(BoardFilter(text="#3"))  # 30-39 (3 is gone)
    assert resets == []
    selected = sorted(ix.data(KEY_ROLE) for ix in selection.selectedRows())
    assert selected == [30] and 7 not in visible_ids(model)
    assert table.currentIndex().data(KEY_ROLE) == 30
    model.set_filter(BoardFilter())
    assert sorted(ix.data(KEY_ROLE) for ix in selection.selectedRows()) == [30]


def test_tick_moves_countdowns_without_new_data(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = make_model()
    model.sort(int(Col.ID), Qt.SortOrder.AscendingOrder)
    row = model.row_of(1)
    cell = model.index(row, int(Col.AGE))
    before = cell.data()
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles: changed.append((a.column(), b.column())))
    board = model.board
    model.tick(T + 3600)
    assert model.board is board  # the same snapshot: no reload behind the tick
    assert cell.data() != before
    assert changed == [(int(Col.AGE), int(Col.NEXT_NOTIFICATION))]


def test_breached_and_at_risk_cells_say_so_in_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = make_model(200)
    severities = {}
    for r in range(model.rowCount()):
        for col in (Col.FIRST_RESPONSE, Col.RESOLUTION):
            ix = model.index(r, int(col))
            severities.setdefault(ix.data(SEVERITY_ROLE), []).append(
                (ix.data(), ix.data(Qt.ItemDataRole.ToolTipRole))
            )
    assert {"warn", "bad"} <= set(severities)
    assert all(text.endswith(" late") and "BREACHED" in tip for text, tip in severities["bad"])
    assert all(text.endswith(" left") and "AT RISK" in tip for text, tip in severities["warn"])


def test_first_and_last_rows_paint(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = make_model(200)
    table = board_table(model)
    table.resize(1400, 600)
    qtbot.addWidget(table)
    table.show()
    table.scrollToBottom()
    assert not table.grab().isNull()


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_boards(qtmodeltester, n: int) -> None:  # type: ignore[no-untyped-def]
    model = make_model(n)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == n


def test_typing_and_backspacing_give_the_same_rows_as_a_fresh_search() -> None:
    data = build_board_data(snapshot(300))
    viewer = Viewer(10, (100,))
    typing = RowFilter()
    for text in ("a", "al", "ali", "al", "a", "", "07911", "0791", "#1", "#12", "#1", "zz", ""):
        flt = BoardFilter(text=text, my_team=True)
        fresh = RowFilter().rows(data, flt, viewer, T)
        assert typing.rows(data, flt, viewer, T).tolist() == fresh.tolist(), text


def test_filter_bar_takes_a_second_line_when_the_window_is_narrow(qtbot) -> None:  # type: ignore[no-untyped-def]
    from desktop.ui.tickets_filter_bar import FilterBar

    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.resize(1600, 40)
    bar.show()
    qtbot.waitUntil(lambda: not bar.wrapped)
    assert bar.minimumSizeHint().width() < 800  # the window may be narrower than one line
    bar.resize(900, 80)
    qtbot.waitUntil(lambda: bar.wrapped)

    def top(widget) -> int:  # type: ignore[no-untyped-def]
        return widget.mapTo(bar, widget.rect().topLeft()).y()

    # The queue, priority and status choices moved under the search box, at full size.
    qtbot.waitUntil(lambda: top(bar.queue) >= top(bar.search) + bar.search.height())
    assert bar.search.width() >= bar.search.minimumSizeHint().width()
    assert bar.status.width() >= bar.status.minimumSizeHint().width()
    bar.resize(1600, 40)
    qtbot.waitUntil(lambda: not bar.wrapped)
    qtbot.waitUntil(lambda: top(bar.queue) == top(bar.search))
