"""The supervisor view on a tiny demo database: it shows the queries' figures, traces them,
opens agent pages, and shows a team lead nothing confidential."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import AuditLog
from db.queries.supervisor import supervisor_snapshot
from desktop.core.periods import PeriodKind, last_days
from desktop.core.scorecard import CUSTOMER_METRICS, EMPLOYEE_METRICS, Metric
from desktop.live.tasks import TaskRunner
from desktop.ui.supervisor_format import figure_text
from desktop.ui.supervisor_tables import metric_of_column
from desktop.ui.supervisor_view import SupervisorView
from desktop.ui.table_model import ROW_ROLE
from tests.ui.supervisor_helpers import (
    AGENT,
    NOW,
    SUPERVISOR,
    TEAM_LEAD,
    actor,
    make_ctx,
    tiny_demo,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(tiny_demo(tmp_path_factory.mktemp("sup-view")))
    yield db
    db.dispose()


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    task_runner = TaskRunner(2)
    yield task_runner
    task_runner.wait()


def _view(qtbot, demo: Database, who: object, tmp_path: Path, runner: TaskRunner) -> SupervisorView:  # type: ignore[no-untyped-def]
    view = SupervisorView()
    qtbot.addWidget(view)
    view.resize(1060, 690)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=60_000):
        view.attach(make_ctx(demo, who, tmp_path, runner))
    return view


def test_view_shows_the_figures_the_queries_compute(
    qtbot,
    qtmodeltester,
    demo: Database,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    runner: TaskRunner,
) -> None:
    view = _view(qtbot, demo, SUPERVISOR, tmp_path, runner)
    with demo.read() as s:
        expected = supervisor_snapshot(s, actor(demo, SUPERVISOR), None, last_days(30, NOW), NOW)
    panel = expected.panel
    for metric in CUSTOMER_METRICS + EMPLOYEE_METRICS:
        card = view.panel.customers if metric in CUSTOMER_METRICS else view.panel.employees
        assert card.rows[metric].value.text() == figure_text(panel.current[metric]), metric
        assert "Rests on" in card.rows[metric].toolTip() or "coached" in card.rows[metric].toolTip()
    assert view.model.rowCount() == len(expected.scorecards) > 0
    assert view.attention.rowCount() == len(expected.attention)
    assert view.tabs.tabText(1) == f"Agent scorecards ({len(expected.scorecards)})"
    assert "compared with" in view.compare_label.text()
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.attention)


def test_changing_the_period_recomputes(
    qtbot,
    demo: Database,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner: TaskRunner,
) -> None:
    view = _view(qtbot, demo, SUPERVISOR, tmp_path, runner)
    with qtbot.waitSignal(view.refreshed, timeout=60_000):
        view.set_period(PeriodKind.LAST_7)
    assert view.actions.snapshot is not None
    assert view.actions.snapshot.panel.period.days == 7


def test_double_clicking_a_figure_lists_the_rows_behind_it(
    qtbot,
    demo: Database,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner: TaskRunner,
) -> None:
    view = _view(qtbot, demo, SUPERVISOR, tmp_path, runner)
    view.tabs.setCurrentIndex(1)
    proxy = view.table.model()
    column = next(c for c in range(proxy.columnCount()) if metric_of_column(c) is Metric.SOLVED)
    index = proxy.index(0, column)
    row = index.data(ROW_ROLE)
    view._scorecard_activated(index)
    dialog = view.actions.dialogs[-1]
    qtbot.waitUntil(lambda: dialog.table_data is not None, timeout=20_000)
    assert dialog.table_data.total == row.current[Metric.SOLVED].n
    assert dialog.table.rowCount() == len(dialog.table_data.rows)
    assert all(r[2] == row.name for r in dialog.table_data.rows)
    dialog.close()


def test_team_panel_click_traces_the_team(
    qtbot,
    demo: Database,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner: TaskRunner,
) -> None:
    view = _view(qtbot, demo, SUPERVISOR, tmp_path, runner)
    view.panel.customers.rows[Metric.CSAT].clicked.emit(Metric.CSAT)
    dialog = view.actions.dialogs[-1]
    qtbot.waitUntil(lambda: dialog.table_data is not None, timeout=20_000)
    assert dialog.table_data.total == view.actions.snapshot.panel.current[Metric.CSAT].n
    dialog.close()


def test_team_lead_cannot_open_individual_pulse_answers(
    qtbot,
    demo: Database,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner: TaskRunner,
) -> None:
    view = _view(qtbot, demo, TEAM_LEAD, tmp_path, runner)
    row = view.model.row_at(0)
    assert row.current[Metric.ESAT].withheld == "supervisors only"
    view.actions.trace(Metric.ESAT, view.actions.snapshot.panel.scope.team_ids, None, "the team")
    dialog = view.actions.dialogs[-1]
    qtbot.waitUntil(lambda: dialog.error is not None, timeout=20_000)
    assert "visible only to the team's supervisors" in dialog.error
    dialog.close()


def test_agent_page_opens_and_notes_are_for_supervisors(
    qtbot,
    demo: Database,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner: TaskRunner,
) -> None:
    lead = _view(qtbot, demo, TEAM_LEAD, tmp_path, runner)
    employee_id = lead.model.row_at(0).employee_id
    with qtbot.waitSignal(lead.agent_page.loaded, timeout=30_000):
        lead.open_agent(employee_id)
    assert lead.pages.currentWidget() is lead.agent_page
    assert not lead.agent_page.notes_button.isEnabled()
    assert not lead.agent_page.log_button.isEnabled()
    assert lead.agent_page.qa_button.isEnabled()

    sup = _view(qtbot, demo, SUPERVISOR, tmp_path, runner)
    with qtbot.waitSignal(sup.agent_page.loaded, timeout=30_000):
        sup.open_agent(employee_id)
    assert sup.agent_page.notes_button.isEnabled()
    assert sup.agent_page.title.text() == sup.agent_page.page.name
    sup.agent_page.notes_button.click()
    qtbot.waitUntil(
        lambda: bool(sup.agent_page.notes) or sup.agent_page.message.isVisible(), timeout=20_000
    )
    with demo.read() as s:
        viewed = s.scalars(
            select(AuditLog).where(
                AuditLog.action == "coaching.notes_viewed", AuditLog.entity_id == employee_id
            )
        ).all()
    assert viewed, "reading coaching notes must leave an audit row"
    sup.agent_page.back_requested.emit()
    assert sup.pages.currentIndex() == 0


def test_an_agent_sees_an_explanation_not_figures(
    qtbot,
    demo: Database,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner: TaskRunner,
) -> None:
    view = _view(qtbot, demo, AGENT, tmp_path, runner)
    assert view.pages.currentWidget() is view.no_access
    assert "team leads, supervisors and admins" in view.no_access.text()
    assert view.model.rowCount() == 0


def test_editing_notes_from_the_agent_page_is_audited(
    qtbot,
    demo: Database,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner: TaskRunner,
) -> None:
    from db.models import CoachingSession

    with demo.read() as s:
        employee_id = s.scalar(select(CoachingSession.employee_id).order_by(CoachingSession.id))
    view = _view(qtbot, demo, SUPERVISOR, tmp_path, runner)
    page = view.agent_page
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        view.open_agent(employee_id)
    page.sessions.selectRow(0)
    assert page.edit_notes_button.isEnabled()
    page.edit_notes_button.click()  # reads the notes first (audited), then opens the editor
    qtbot.waitUntil(lambda: page.editor is not None, timeout=20_000)
    editor = page.editor
    editor.notes.setPlainText("Rewritten after the follow-up call.")
    with qtbot.waitSignal(editor.saved, timeout=20_000):
        editor.save()
    with demo.read() as s:
        edits = s.scalars(select(AuditLog).where(AuditLog.action == "coaching.notes_edited")).all()
        notes = s.scalar(
            select(CoachingSession.notes).where(
                CoachingSession.id == page.page.sessions[0].session_id
            )
        )
    assert edits and "Rewritten" not in str(edits[-1].after)
    assert notes == "Rewritten after the follow-up call."


def test_exports_from_the_view_run_on_a_worker(
    qtbot,
    demo: Database,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner: TaskRunner,
) -> None:
    view = _view(qtbot, demo, SUPERVISOR, tmp_path, runner)
    for fmt in ("csv", "pdf"):
        path = tmp_path / f"view-export.{fmt}"
        with qtbot.waitSignal(view.actions.message, timeout=30_000) as done:
            view.actions.export(fmt, str(path))
        assert done.args[0] == f"Saved {path.name}."
        assert path.stat().st_size > 500
    assert (tmp_path / "view-export.pdf").read_bytes().startswith(b"%PDF")
    header = (tmp_path / "view-export.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("scope,name,team,period_start")
