"""The supervisor dialogs on a tiny demo database: log a session, review QA against the
rubric, edit the rubric, find and book a slot; wrong users get a clear refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import CoachingSession, Employee, QaReview, QaRubricItem
from desktop.core import metrics
from desktop.core.coaching import Flag, Rule, Severity
from desktop.core.domain import CoachingStatus, Role
from desktop.live.tasks import TaskRunner
from desktop.ui.supervisor_coaching_dialog import LogCoachingDialog, parse_ticket_ids
from desktop.ui.supervisor_qa_dialog import QaReviewDialog, scale_labels
from desktop.ui.supervisor_reminders import FollowUpReminder
from desktop.ui.supervisor_rubric_dialog import RubricEditorDialog
from desktop.ui.supervisor_slot_dialog import FindSlotDialog
from tests.ui.supervisor_helpers import NOW, SUPERVISOR, TEAM_LEAD, make_ctx, tiny_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(tiny_demo(tmp_path_factory.mktemp("sup-dialogs")))
    yield db
    db.dispose()


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    task_runner = TaskRunner(2)
    yield task_runner
    task_runner.wait()


@pytest.fixture(scope="module")
def agent(demo: Database) -> tuple[int, str]:
    with demo.read() as s:
        row = s.execute(
            select(Employee.id, Employee.full_name)
            .where(Employee.role == Role.AGENT)
            .order_by(Employee.id)
        ).first()
    assert row is not None
    return int(row[0]), str(row[1])


def _count(db: Database, model, *where) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_log_session_saves_notes_goals_follow_up_and_links(
    qtbot,
    demo: Database,
    agent,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    runner,
) -> None:
    employee_id, name = agent
    flag = Flag(
        Rule.NO_COACHING,
        employee_id,
        name,
        Severity.MEDIUM,
        "No session for 40 days.",
        "Book a session.",
    )
    dialog = LogCoachingDialog(
        make_ctx(demo, SUPERVISOR, tmp_path, runner), employee_id, name, [flag], [flag]
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: runner.active == 0, timeout=10_000)
    assert dialog.topic.currentText() == "Regular one-to-one"
    dialog.notes.setPlainText("Talked about pace; wants more chat shifts.")
    dialog.goals.setPlainText("Two chat shifts a week")
    dialog.tickets.setText("abc")
    dialog.save()
    assert "'abc' is not a ticket number" in dialog.message.text()
    dialog.tickets.setText("")
    before = _count(demo, CoachingSession, CoachingSession.employee_id == employee_id)
    with qtbot.waitSignal(dialog.saved, timeout=20_000) as saved:
        dialog.save()
    assert f"Coaching session with {name} saved" in saved.args[0]
    with demo.read() as s:
        row = s.scalars(
            select(CoachingSession)
            .where(CoachingSession.employee_id == employee_id)
            .order_by(CoachingSession.id.desc())
        ).first()
    assert _count(demo, CoachingSession, CoachingSession.employee_id == employee_id) == before + 1
    assert row is not None and row.notes.startswith("Talked about pace")
    assert row.goals == "Two chat shifts a week" and row.follow_up_date is not None
    assert row.linked_flags == [flag.link]


def test_a_team_lead_cannot_log_a_session(
    qtbot,
    demo: Database,
    agent,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner,
) -> None:
    employee_id, name = agent
    dialog = LogCoachingDialog(make_ctx(demo, TEAM_LEAD, tmp_path, runner), employee_id, name, [])
    qtbot.addWidget(dialog)
    dialog.topic.setEditText("Anything")
    dialog.save()
    qtbot.waitUntil(lambda: "supervisors" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() or not dialog.result()  # still open, nothing saved
    assert dialog.buttons.isEnabled()


def test_qa_review_scores_like_metrics_and_saves(
    qtbot,
    demo: Database,
    agent,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner,
) -> None:
    employee_id, name = agent
    dialog = QaReviewDialog(make_ctx(demo, TEAM_LEAD, tmp_path, runner), employee_id, name)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.groups), timeout=20_000)
    rubric = dialog.rubric()
    assert rubric is not None
    dialog.save()
    assert "Score every item" in dialog.message.text()
    chosen = {}
    for n, item in enumerate(rubric.items):
        chosen[item.item_id] = item.scale_max if item.critical else item.scale_min + n % 2
        dialog.select(item.item_id, chosen[item.item_id])
    expected = metrics.qa_score(
        [
            metrics.QaItem(chosen[i.item_id], i.scale_min, i.scale_max, i.weight, i.critical)
            for i in rubric.items
        ],
        rubric.pass_mark,
    )
    assert dialog.score.text().startswith(f"Score {expected:.1f} %")
    before = _count(demo, QaReview, QaReview.employee_id == employee_id)
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save()
    assert _count(demo, QaReview, QaReview.employee_id == employee_id) == before + 1
    with demo.read() as s:
        score = s.scalar(
            select(QaReview.score_pct)
            .where(QaReview.employee_id == employee_id)
            .order_by(QaReview.id.desc())
        )
    assert score == pytest.approx(expected)


def test_failing_a_critical_item_says_so(
    qtbot,
    demo: Database,
    agent,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner,
) -> None:
    employee_id, name = agent
    dialog = QaReviewDialog(make_ctx(demo, TEAM_LEAD, tmp_path, runner), employee_id, name)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.groups), timeout=20_000)
    for item in dialog.rubric().items:
        dialog.select(item.item_id, item.scale_min if item.critical else item.scale_max)
    if any(i.critical for i in dialog.rubric().items):
        assert "Score 0.0 %" in dialog.score.text() and "failed" in dialog.score.text()


def test_rubric_editor_adds_an_item_and_only_supervisors_may_save(
    qtbot,
    demo: Database,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    runner,
) -> None:
    lead = RubricEditorDialog(make_ctx(demo, TEAM_LEAD, tmp_path, runner))
    qtbot.addWidget(lead)
    qtbot.waitUntil(lambda: lead.table.rowCount() > 0, timeout=20_000)
    lead.save()
    qtbot.waitUntil(lambda: "Only supervisors and admins" in lead.message.text(), timeout=20_000)

    editor = RubricEditorDialog(make_ctx(demo, SUPERVISOR, tmp_path, runner))
    qtbot.addWidget(editor)
    qtbot.waitUntil(lambda: editor.table.rowCount() > 0, timeout=20_000)
    rubric_id = editor.rubric_box.currentData()
    rows = editor.table.rowCount()
    editor.add_row(None, "Closing the contact", 1.0, 0, 2, False)
    with qtbot.waitSignal(editor.saved, timeout=20_000):
        editor.save()
    with demo.read() as s:
        labels = s.scalars(
            select(QaRubricItem.label).where(
                QaRubricItem.rubric_id == rubric_id, QaRubricItem.active.is_(True)
            )
        ).all()
    assert "Closing the contact" in labels and len(labels) == rows + 1


def test_find_slot_ranks_and_books_then_refuses_a_clash(
    qtbot,
    demo: Database,
    agent,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    runner,
) -> None:
    employee_id, name = agent
    ctx = make_ctx(demo, SUPERVISOR, tmp_path, runner)
    dialog = FindSlotDialog(ctx, employee_id, name, "Call control")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.options) or bool(dialog.message.text()), timeout=30_000)
    assert dialog.options, dialog.message.text()
    best = dialog.options[0]
    assert all(best.over_capacity <= o.over_capacity for o in dialog.options)
    assert dialog.table.item(0, 2).text() == best.label and best.start > NOW
    assert dialog.detail.rowCount() == len(best.impacts)
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.book()
    with demo.read() as s:
        planned = s.scalars(
            select(CoachingSession).where(
                CoachingSession.employee_id == employee_id,
                CoachingSession.status == CoachingStatus.PLANNED,
            )
        ).all()
    assert any(p.scheduled_at == best.start for p in planned)
    # The same slot again: another workstation booked it meanwhile.
    again = FindSlotDialog(ctx, employee_id, name)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: bool(again.options), timeout=30_000)
    assert best.start not in {o.start for o in again.options}
    again.options[0] = best
    again.table.selectRow(0)
    again.book()
    qtbot.waitUntil(lambda: "already have a session" in again.message.text(), timeout=20_000)


def test_slot_figures_match_the_queues_view_what_if(
    qtbot,
    demo: Database,
    agent,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    runner,
) -> None:
    from desktop.ui import formatting as fmt
    from desktop.ui.queues_whatif import WhatIfBox

    employee_id, name = agent
    dialog = FindSlotDialog(make_ctx(demo, SUPERVISOR, tmp_path, runner), employee_id, name)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.options), timeout=30_000)
    impacts = [i for o in dialog.options for i in o.impacts if i.contacts > 0]
    assert impacts
    box = WhatIfBox()
    qtbot.addWidget(box)
    for impact in impacts[:5]:
        # What a supervisor would type into the what-if, read from the slot's detail table.
        box.rate.setValue(impact.rate_per_hour)
        box.aht.setValue(int(impact.aht_seconds))
        box.threshold.setValue(int(impact.threshold_seconds))
        for agents, sl in (
            (impact.agents_before, impact.sl_before),
            (impact.agents_after, impact.sl_after),
        ):
            box.agents.setValue(agents)
            stable = agents > impact.rate_per_hour * impact.aht_seconds / 3600
            expected = fmt.percent(100 * sl) if stable else "0 % (unstable)"
            assert box.sl.text() == expected, (impact, agents)


def test_team_leads_cannot_book_coaching(
    qtbot,
    demo: Database,
    agent,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    runner,
) -> None:
    employee_id, name = agent
    dialog = FindSlotDialog(make_ctx(demo, TEAM_LEAD, tmp_path, runner), employee_id, name)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "supervisors" in dialog.message.text(), timeout=30_000)
    assert not dialog.options


def test_follow_up_reminder_fires_once_on_its_date(qtbot) -> None:  # type: ignore[no-untyped-def]
    reminder = FollowUpReminder()
    reminder.settings.remove("supervisor/remindedFollowUps")
    today = NOW.astimezone().date()
    due = Flag(
        Rule.FOLLOW_UP,
        7,
        "Ana Diaz",
        Severity.MEDIUM,
        "Follow-up of 'Holds' due today.",
        "Check progress.",
        session_id=42,
        due=today,
    )
    overdue = Flag(
        Rule.FOLLOW_UP,
        8,
        "Bo Li",
        Severity.HIGH,
        "Follow-up overdue.",
        "Check.",
        session_id=43,
        due=today.replace(day=1) if today.day > 1 else today,
    )
    with qtbot.waitSignal(reminder.message, timeout=1_000) as shown:
        assert reminder.check([due, overdue], NOW) == [due] or today.day == 1
    assert "Ana Diaz" in shown.args[0]
    assert reminder.check([due], NOW) == []  # once only, even after a restart
    assert FollowUpReminder().check([due], NOW) == []


def test_small_helpers() -> None:
    assert parse_ticket_ids("#12, 34 56;78") == [12, 34, 56, 78]
    assert scale_labels(0, 1) == ["No", "Yes"] and scale_labels(1, 3) == ["1", "2", "3"]
