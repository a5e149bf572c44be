# ruff: noqa: F811  (pytest fixtures imported from tests.ui.live_demo)
"""The notifications view on the tiny demo, offscreen: outbox, filters, preview, actions,
dispatcher banner, figures and the silence chart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import AppMeta, Notification, ServiceLease, Ticket
from db.queries.notifications import OutboxFilter, outbox_rows
from desktop.core.domain import OPEN_STATUSES, NotificationState
from desktop.ui.context import ViewContext
from desktop.ui.notifications_view import NotificationsView
from tests.ui.live_demo import DEMO_NOW, demo_db, live_ctx, tiny_demo_file  # noqa: F401


@pytest.fixture
def view(qtbot, live_ctx: ViewContext) -> Iterator[NotificationsView]:  # type: ignore[no-untyped-def]
    v = NotificationsView()
    qtbot.addWidget(v)
    v.resize(1400, 860)
    v.show()
    with qtbot.waitSignal(v.loaded, timeout=20_000):
        v.attach(live_ctx)
    yield v
    v.detach()
    live_ctx.runner.wait(10_000)


def refresh(qtbot, v: NotificationsView) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(v.refreshed, timeout=20_000):
        v.reload()


def test_outbox_figures_and_model(qtbot, qtmodeltester, view: NotificationsView, live_ctx) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(view.model)
    assert view.model.rowCount() > 0
    snap = view.snapshot
    assert view.sent.value.text() == f"{snap.figures.sent:,}"
    # Queued messages come first, soonest first.
    proxy = view.table.model()
    states = [proxy.index(r, 3).data() for r in range(min(5, proxy.rowCount()))]
    assert all(s.startswith(("Scheduled", "Deferred", "Sending")) for s in states)
    with live_ctx.db.read() as s:
        open_tickets = s.scalar(
            select(func.count()).where(Ticket.status.in_([st.value for st in OPEN_STATUSES]))
        )
    assert sum(snap.silence.totals) + snap.silence.no_limit == open_tickets
    assert "open tickets" in view.chart.note.text()


def test_state_filter_and_search(qtbot, view: NotificationsView) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.state.setCurrentIndex(view.state.findData("delivered"))
    assert view.model.rowCount() > 0
    assert {r.state for r in view.model.rows} == {"delivered"}
    name = view.model.rows[0].customer_name
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.search.setText(name)
    assert view.model.rowCount() > 0 and {r.customer_name for r in view.model.rows} == {name}


def test_selecting_a_message_shows_its_text_and_cost(qtbot, view: NotificationsView) -> None:  # type: ignore[no-untyped-def]
    row = next(r for r in view.model.rows if r.state == "delivered")
    assert view.select_notification(row.notification_id)
    qtbot.waitUntil(lambda: "SMS" in view.preview_info.text(), timeout=10_000)
    assert view.preview.toPlainText().strip()
    assert view.retry_button.isEnabled() is False and view.cancel_button.isEnabled() is False


def test_cancel_then_retry_from_the_view(qtbot, view: NotificationsView, live_ctx) -> None:  # type: ignore[no-untyped-def]
    row = next(r for r in view.model.rows if r.state == "scheduled")
    assert view.select_notification(row.notification_id)
    assert view.cancel_button.isEnabled() and view.send_button.isEnabled()
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.cancel_button.click()
    assert "cancelled" in view.last_action_message
    with live_ctx.db.read() as s:
        assert s.get(Notification, row.notification_id).state == NotificationState.CANCELLED
    assert view.select_notification(row.notification_id)
    assert view.retry_button.isEnabled()
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.retry_button.click()
    with live_ctx.db.read() as s:
        again = s.get(Notification, row.notification_id)
    assert again.state == NotificationState.SCHEDULED and "retry requested" in again.reason


def test_a_refused_action_says_why(qtbot, view: NotificationsView, live_ctx) -> None:  # type: ignore[no-untyped-def]
    row = next(r for r in view.model.rows if r.state == "scheduled")
    with live_ctx.db.write() as s:  # the dispatcher claims it meanwhile
        s.get(Notification, row.notification_id).state = NotificationState.SENDING
    view.select_notification(row.notification_id)
    with qtbot.waitSignal(view.status_message, timeout=10_000) as message:
        view.cancel_button.click()
    assert "being sent right now" in message.args[0]


def test_banner_says_record_only_and_who_holds_the_lock(
    qtbot, view: NotificationsView, live_ctx
) -> None:  # type: ignore[no-untyped-def]
    with live_ctx.db.write() as s:
        for row in s.scalars(select(ServiceLease)):
            s.delete(row)
        s.add(
            ServiceLease(
                name="notifications.dispatcher",
                holder="desktop on lead-pc (pid 4242) #abcd",
                acquired_at=DEMO_NOW - timedelta(hours=2),
                heartbeat_at=DEMO_NOW - timedelta(seconds=3),
                expires_at=DEMO_NOW + timedelta(seconds=17),
            )
        )
        s.merge(
            AppMeta(
                key="notifications.mode",
                value="record_only: Twilio is not configured (no account SID)",
            )
        )
    refresh(qtbot, view)
    assert view.banner.badge.text() == "Record only"
    assert "none is sent" in view.banner.sentence.text()
    assert "desktop on lead-pc (pid 4242)" in view.banner.holder.text()
    assert "#abcd" not in view.banner.holder.text()


def test_snapshot_rows_match_the_query(view: NotificationsView, live_ctx) -> None:  # type: ignore[no-untyped-def]
    with live_ctx.db.read() as s:
        expected = outbox_rows(s, OutboxFilter())
    assert {r.notification_id for r in view.model.rows} == {r.notification_id for r in expected}
