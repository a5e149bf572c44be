"""The queues view on a real (tiny) demo database, offscreen: refresh, thresholds and alerts,
traceability, windows, what-if, history, replay and "what changed"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from sqlalchemy import select

from db.models import Contact, Queue, SourceStatus
from desktop.core.intraday import TimeWindow
from desktop.core.staffing import staffing_figures
from desktop.ui import queues_history as history
from desktop.ui.context import ViewContext
from desktop.ui.queues_trace import TraceDialog
from desktop.ui.queues_view import QueuesView
from desktop.ui.table_model import KEY_ROLE, ROW_ROLE
from tests.ui.live_demo import DEMO_NOW, demo_db, live_ctx, tiny_demo_file  # noqa: F401


@pytest.fixture
def view(qtbot, live_ctx: ViewContext, tmp_path) -> Iterator[QueuesView]:  # type: ignore[no-untyped-def]  # noqa: F811
    v = QueuesView()
    v._history_folder = tmp_path / "history"
    qtbot.addWidget(v)
    v.resize(1400, 500)
    v.show()
    with qtbot.waitSignal(v.loaded, timeout=20_000):
        v.attach(live_ctx)
    yield v
    v.detach()
    live_ctx.runner.wait(10_000)


def refresh(qtbot, v: QueuesView) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(v.displayed, timeout=20_000):
        v.reload()


def queue_index(v: QueuesView, name: str, column: int = 0):  # type: ignore[no-untyped-def]
    for g in range(v.proxy.rowCount()):
        group = v.proxy.index(g, 0)
        for r in range(v.proxy.rowCount(group)):
            index = v.proxy.index(r, column, group)
            if index.siblingAtColumn(0).data(ROW_ROLE).name == name:
                return index
    raise AssertionError(name)


def column_of(v: QueuesView, title: str) -> int:
    return next(i for i, c in enumerate(v.model.columns) if c.title == title)


def test_shows_every_queue_grouped_with_total(view: QueuesView) -> None:
    lines = view.model.lines()
    assert {ln.kind for ln in lines} == {"queue", "channel", "total"}
    assert [view.proxy.index(r, 0).data(KEY_ROLE) for r in range(view.proxy.rowCount())][-1] == (
        "total"
    )
    assert view.selected_line() is not None and view.selected_line().kind == "queue"
    assert view.kpis.waiting.value.text() != "—"


def test_selection_sort_and_scroll_survive_refresh(qtbot, view: QueuesView) -> None:  # type: ignore[no-untyped-def]
    offered = column_of(view, "Offered")
    view.table.sortByColumn(offered, Qt.SortOrder.DescendingOrder)
    target = queue_index(view, "Billing e-mail")
    view.table.selectionModel().setCurrentIndex(
        target,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    view.table.setFixedHeight(80)  # small enough to scroll
    bar = view.table.verticalScrollBar()
    bar.setValue(bar.maximum())
    scrolled = bar.value()
    resets: list[int] = []
    view.model.modelReset.connect(lambda: resets.append(1))
    for _ in range(2):
        refresh(qtbot, view)
    assert view.selected_line().name == "Billing e-mail"
    assert view.table.header().sortIndicatorSection() == offered
    assert view.table.header().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert bar.value() == scrolled and resets == []


def test_tooltips_name_definition_and_variant(view: QueuesView) -> None:
    sl = column_of(view, "SL")
    header = view.model.headerData(sl, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Service level" in header and "short-abandon" in header
    cell = queue_index(view, "Billing voice", sl)
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "SL: answered within 20 s / (answered + abandoned after 5 s)" in tip
    assert " of " in tip  # the counts behind the ratio
    for c in range(view.model.columnCount()):
        assert view.model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_double_click_lists_the_contacts_behind_a_figure(qtbot, view: QueuesView) -> None:  # type: ignore[no-untyped-def]
    offered = column_of(view, "Offered")
    index = queue_index(view, "Billing voice", offered)
    expected = index.siblingAtColumn(0).data(ROW_ROLE).volumes.offered
    view._trace(index)
    dialogs = view.findChildren(TraceDialog)
    assert dialogs
    dialog = dialogs[-1]
    qtbot.waitUntil(lambda: dialog.trace is not None, timeout=10_000)
    assert dialog.trace.total == expected and dialog.model.rowCount() == expected
    assert "entered the queue" in dialog.definition.text()
    dialog.close()


def test_breach_rings_once_per_crossing(qtbot, view: QueuesView, live_ctx: ViewContext) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with live_ctx.db.write() as s:
        queue = s.scalars(select(Queue).where(Queue.name == "Billing voice")).one()
        queue.warn_waiting_count = 2
        for minutes in (1, 2, 3):
            s.add(Contact(queue_id=queue.id, enqueued_at=DEMO_NOW - timedelta(minutes=minutes)))
    shown: list[tuple[str, str]] = []
    view.alerts.shown.connect(lambda t, b: shown.append((t, b)))
    refresh(qtbot, view)
    assert len(shown) == 1 and "Billing voice" in shown[0][0]
    cell = queue_index(view, "Billing voice", column_of(view, "Waiting"))
    assert "breach" in cell.data(Qt.ItemDataRole.DisplayRole)
    assert cell.data(Qt.ItemDataRole.DecorationRole) is not None
    assert cell.data(Qt.ItemDataRole.BackgroundRole) is not None
    for _ in range(3):
        refresh(qtbot, view)
    assert len(shown) == 1  # still in breach: no new notification


def test_time_windows(qtbot, view: QueuesView) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(view.displayed, timeout=20_000):
        view.controls.window.setCurrentIndex(list(TimeWindow).index(TimeWindow.LAST_30_MIN))
    line = queue_index(view, "Billing voice").data(ROW_ROLE)
    assert line.window_start == DEMO_NOW - timedelta(minutes=30)
    assert line.volumes.offered <= line.today.offered
    assert "last 30 min" in view.kpis.sl.caption.text()


def test_what_if_reruns_erlang_c(view: QueuesView) -> None:
    view.table.setCurrentIndex(queue_index(view, "Billing voice"))
    box = view.whatif
    assert box.isEnabled()
    box.rate.setValue(120)
    box.aht.setValue(300)
    box.threshold.setValue(20)
    box.agents.setValue(12)
    expected = staffing_figures(120, 300, 12, 20)
    assert box.sl.text() == f"{100 * expected.service_level:.1f} %"
    assert box.occupancy.text() == f"{100 * expected.occupancy:.1f} %"
    box.agents.setValue(5)  # 10 Erlangs on 5 agents: unstable
    assert "unstable" in box.sl.text() and box.asa.text() == "∞"


def test_history_replay_and_changes(qtbot, view: QueuesView, live_ctx: ViewContext) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    qtbot.waitUntil(lambda: len(view.history.points) == 1, timeout=10_000)
    live_ctx.runner.wait(10_000)
    path = history.day_file(view._history_folder, view._db_key, DEMO_NOW.astimezone().date())
    assert history.load_points(path)[0].total == view.history.points[0].total
    kept = view.history.points[0]
    # Five more contacts wait; the live view shows them, the replayed 15:00 does not.
    with live_ctx.db.write() as s:
        queue = s.scalars(select(Queue).where(Queue.name == "Billing voice")).one()
        for minutes in range(5):
            s.add(Contact(queue_id=queue.id, enqueued_at=DEMO_NOW - timedelta(seconds=minutes)))
    refresh(qtbot, view)
    live_waiting = view.model.lines()[-1].waiting
    assert live_waiting == kept.total.waiting + 5
    view.controls.slider.setValue(0)
    assert view.replaying is kept and view.model.lines()[-1].waiting == kept.total.waiting
    assert view.controls.replay_label.text().startswith("Replaying")
    with qtbot.waitSignal(view.refreshed, timeout=20_000):  # live figures keep coming in
        view.reload()
    assert view.model.lines()[-1].waiting == kept.total.waiting
    view.controls.live.click()
    assert view.replaying is None and view.model.lines()[-1].waiting == live_waiting
    # "What changed since I last looked": compared with the kept snapshot, as if seen at 14:00.
    view.last_look = history.as_today(
        kept.__class__(**{**kept.__dict__, "at": DEMO_NOW - timedelta(hours=1)})
    )
    view.controls.changes.click()
    assert view.changes_banner.isVisible()
    assert "Billing voice" in view.changes_banner.text.text()
    assert "waiting" in view.changes_banner.text.text()


def test_failing_source_shows_the_age_of_its_figures(
    qtbot,  # type: ignore[no-untyped-def]
    view: QueuesView,
    live_ctx: ViewContext,  # noqa: F811
) -> None:
    with live_ctx.db.write() as s:
        s.add(
            SourceStatus(
                name="taskrouter",
                last_attempt_at=DEMO_NOW,
                last_success_at=DEMO_NOW - timedelta(minutes=7),
                last_error="TaskRouter at https://example.test is unreachable",
            )
        )
    refresh(qtbot, view)
    assert view.source_banner.isVisible()
    text = view.source_banner.text.text()
    assert "unreachable" in text and "7 m 00 s old" in text


def test_the_selected_queue_is_charted_for_today(qtbot, view: QueuesView) -> None:  # type: ignore[no-untyped-def]
    line = view.selected_line()
    assert line is not None and line.kind == "queue"
    qtbot.waitUntil(lambda: view.chart.series is not None, timeout=20_000)
    series = view.chart.series
    assert series.name == line.name and series.intervals == 96
    assert sum(series.offered) > 0
    assert view.chart.plots is not None
    qtbot.waitUntil(view.chart.plots.plots.isVisible, timeout=5_000)
    assert f"{line.name}: contacts per 15 minutes today" in view.chart.title.text()
    # Choosing a total row clears the chart with the reason instead of a stale queue.
    total = view.proxy.index(view.proxy.rowCount() - 1, 0)
    view.table.setCurrentIndex(total)
    assert view.chart.series is None and "Select a queue" in view.chart.title.text()
