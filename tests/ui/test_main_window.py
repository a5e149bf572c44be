"""A real main window on a real demo database: every view is visited and shows data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db import migrate
from db.engine import Database, sqlite_url
from desktop.app import Application
from desktop.config import load_settings


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from desktop.sources.demo import generate_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database(sqlite_url(path))
    migrate.upgrade(db.engine)
    generate_demo(db, scale="tiny", seed=3, now=datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    db.dispose()
    return sqlite_url(path)


@pytest.fixture
def app(qtbot, demo_url: str, tmp_path: Path) -> Iterator[Application]:  # type: ignore[no-untyped-def]
    settings = load_settings(cli={"database.url": demo_url}, env={}, frozen_dir=tmp_path)
    application = Application(settings, start_services=False)
    qtbot.addWidget(application.window)
    yield application
    application.shutdown()


def test_window_paints_before_data_then_every_view_loads(app: Application, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(app.window.all_loaded, timeout=60_000):
        app.start()
        # The window is on screen before any data arrived.
        assert app.window.isVisible()
        assert not any(v.is_loaded for v in app.window.views)
        # Only the view on screen is built before the first paint; the others come later.
        assert len(app.window.views) == 1
    assert [v.view_id for v in app.window.views] == app.window.view_ids
    assert len(app.window.views) == 5
    for index, view in enumerate(app.window.views):
        app.window.show_view(index)
        assert app.window.current_view() is view
        assert view.snapshot is not None
        model = getattr(view, "model", None)
        assert model is not None and model.rowCount() > 0, f"{view.title} shows no rows"
    assert "Database:" in app.window.db_label.text()
    # Every view, filled with data, still fits a 1280 x 800 screen (a team lead's laptop).
    hint = app.window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 800, hint
    assert app.ctx is not None and app.ctx.actor.is_known  # demo: signed in as a team lead
    assert "team lead" in app.window.user_label.text()


def test_sign_in_as_switches_actor(app: Application, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(app.window.all_loaded, timeout=60_000):
        app.start()
    qtbot.waitUntil(lambda: app.window.sign_in_menu is not None, timeout=10_000)
    actions = [a for a in app.window.sign_in_menu.actions() if "supervisor" in a.text()]
    assert actions
    actions[0].trigger()
    qtbot.waitUntil(lambda: "supervisor" in app.window.user_label.text(), timeout=10_000)
    assert app.ctx.actor.can_supervise


def test_broken_database_shows_clear_error(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"not a database at all" * 100)
    settings = load_settings(cli={"database.url": sqlite_url(bad)}, env={}, frozen_dir=tmp_path)
    shown: list[str] = []
    monkeypatch.setattr(
        "PySide6.QtWidgets.QMessageBox.critical", lambda _p, _t, text: shown.append(text)
    )
    application = Application(settings, start_services=False)
    qtbot.addWidget(application.window)
    application.start()
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    application.shutdown()
    assert "damaged" in shown[0] or "not a Proximity database" in shown[0]
