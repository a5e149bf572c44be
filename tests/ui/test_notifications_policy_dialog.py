# ruff: noqa: F811  (pytest fixtures imported from tests.ui.live_demo)
"""The policy editor, offscreen on the tiny demo: loads the stored policy, checks templates as
they are typed, counts SMS segments live, refuses invalid saves, saves valid ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from db.models import NotificationTemplate
from db.queries.notification_settings import load_policy_book
from desktop.ui.context import ViewContext
from desktop.ui.notifications_policy_dialog import PolicyDialog
from tests.ui.live_demo import demo_db, live_ctx, tiny_demo_file  # noqa: F401


@pytest.fixture
def dialog(qtbot, live_ctx: ViewContext) -> Iterator[PolicyDialog]:  # type: ignore[no-untyped-def]
    d = PolicyDialog(live_ctx)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.save_button.isEnabled() or not d.problems.isHidden(), timeout=20_000)
    assert d.problems.isHidden(), d.problems.text()
    yield d
    live_ctx.runner.wait(10_000)


def test_shows_the_stored_policy(dialog: PolicyDialog, live_ctx: ViewContext) -> None:
    with live_ctx.db.read() as s:
        stored = load_policy_book(s).default
    policy = stored.policy
    assert dialog.per_day.value() == policy.max_per_ticket_per_day
    assert dialog.quiet_start.time().toString("HH:mm") == policy.window.start.strftime("%H:%M")
    assert {k for k, b in dialog.statuses.items() if b.isChecked()} == set(
        policy.status_change_statuses
    )
    assert dialog.templates.language.currentData() == "en"
    assert dialog.templates.editor.toPlainText()  # the text in force is shown


def test_template_checked_and_counted_as_typed(dialog: PolicyDialog) -> None:
    editor = dialog.templates
    editor.editor.setPlainText("Hi {customer_first_name}, request #{ticket_id} is in hand.")
    assert editor.errors.isHidden()
    assert editor.count.text().startswith("GSM-7 ·") and "1 SMS" in editor.count.text()
    assert "Alexandra" in editor.sample.text()  # rendered with sample values
    editor.editor.setPlainText("Hi {frist_name}, we’re on it 😀")
    assert not editor.errors.isHidden() and "Did you mean" in editor.errors.text()
    assert "UCS-2" in editor.count.text() and "’" in editor.count.text()
    editor.editor.setPlainText("x" * 170)
    assert "2 SMS" in editor.count.text()


def test_placeholder_buttons_insert_at_the_cursor(dialog: PolicyDialog) -> None:
    editor = dialog.templates
    editor.editor.setPlainText("Ticket ")
    cursor = editor.editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    editor.editor.setTextCursor(cursor)
    editor.insert_placeholder("ticket_id")
    assert editor.editor.toPlainText() == "Ticket {ticket_id}"


def test_invalid_save_keeps_everything_and_says_why(qtbot, dialog: PolicyDialog, live_ctx) -> None:  # type: ignore[no-untyped-def]
    before = dialog.templates.stored_text(("acknowledgement", "en"))
    dialog.templates.editor.setPlainText("Hi {customer_first_name}, #{ticket")
    dialog.quiet_start.setTime(dialog.quiet_end.time())  # allowed: no quiet hours
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.problems.isHidden(), timeout=10_000)
    assert "Nothing was saved" in dialog.problems.text()
    assert "Unbalanced braces" in dialog.problems.text()
    assert dialog.isVisible()
    with live_ctx.db.read() as s:
        assert s.scalars(select(NotificationTemplate)).all() == []
    assert dialog.templates.stored_text(("acknowledgement", "en")) == before


def test_valid_save_stores_policy_and_templates(qtbot, dialog: PolicyDialog, live_ctx) -> None:  # type: ignore[no-untyped-def]
    dialog.per_day.setValue(2)
    dialog.hours["low"].setValue(0)  # no still-working message for low priority
    dialog.company.setText("Acme Care")
    dialog.templates.select("still_working", "fr")
    dialog.templates.editor.setPlainText(
        "Bonjour {customer_first_name}, on s'en occupe (#{ticket_id})."
    )
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save()
    with live_ctx.db.read() as s:
        settings = load_policy_book(s).default
        stored = s.scalars(select(NotificationTemplate)).all()
    assert settings.policy.max_per_ticket_per_day == 2 and settings.company == "Acme Care"
    assert "low" not in settings.policy.still_working_hours
    assert [(t.event, t.language) for t in stored] == [("still_working", "fr")]
