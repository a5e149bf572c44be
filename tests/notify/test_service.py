"""Configuration of the dispatcher: settings and PROXIMITY_TWILIO_* variables, record-only
mode with its reason, the in-process starter of the desktop app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from db.models import AppMeta, ServiceLease
from desktop.bootstrap import AppContext
from desktop.config import load_settings
from desktop.core.identity import unknown_actor
from desktop.notify import start_dispatcher
from desktop.notify.rules import MODE_KEY
from desktop.notify.service import build_dispatcher, twilio_setup
from tests.fakes.twilio_server import FakeTwilio
from tests.notify.conftest import FAST
from tests.notify.helpers import count_by_state, many_tickets, uk_phones, wait_until

SID = "AC" + "b" * 32
SERVICE = "MG" + "c" * 32


def _settings(tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    return load_settings(env=env, frozen_dir=tmp_path)


def test_environment_variables_configure_twilio(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        PROXIMITY_TWILIO_ACCOUNT_SID=SID,
        PROXIMITY_TWILIO_FROM="+15005550006",
        PROXIMITY_TWILIO_API_BASE="http://127.0.0.1:4010/",
        PROXIMITY_TWILIO_TIMEOUT_SECONDS="2.5",
    )
    setup = twilio_setup(settings, token="secret-token-123")
    assert setup.problem is None and setup.settings is not None
    assert setup.settings.api_base == "http://127.0.0.1:4010"
    assert setup.settings.from_number == "+15005550006" and setup.settings.timeout_seconds == 2.5
    assert "secret-token-123" not in repr(setup.settings)


def test_messaging_service_sid_instead_of_a_number(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        PROXIMITY_TWILIO_ACCOUNT_SID=SID,
        PROXIMITY_TWILIO_MESSAGING_SERVICE_SID=SERVICE,
    )
    setup = twilio_setup(settings, token="t")
    assert setup.settings is not None and setup.settings.messaging_service_sid == SERVICE


def test_missing_pieces_mean_record_only_with_the_reason(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PROXIMITY_TWILIO_AUTH_TOKEN", raising=False)
    assert "no account SID" in twilio_setup(_settings(tmp_path)).problem
    no_sender = _settings(tmp_path, PROXIMITY_TWILIO_ACCOUNT_SID=SID)
    assert "From number" in twilio_setup(no_sender, token="t").problem
    complete = _settings(tmp_path, PROXIMITY_TWILIO_ACCOUNT_SID=SID, PROXIMITY_TWILIO_FROM="+1")
    monkeypatch.setattr("desktop.notify.service.twilio_auth_token", lambda _s: None)
    assert "auth token" in twilio_setup(complete).problem
    bad = _settings(tmp_path, PROXIMITY_TWILIO_ACCOUNT_SID="ACnope", PROXIMITY_TWILIO_FROM="+1")
    assert "invalid" in twilio_setup(bad, token="t").problem


def test_the_desktop_starter_runs_the_same_dispatcher_in_process(
    sqlite_db, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from tests.notify.conftest import OPEN_POLICY
    from tests.notify.helpers import save_policy, seed_site

    queue = seed_site(sqlite_db)
    save_policy(sqlite_db, **OPEN_POLICY)
    many_tickets(sqlite_db, queue, uk_phones(2), datetime.now(UTC) - timedelta(minutes=5))
    app = AppContext(sqlite_db, unknown_actor("t"), is_demo=False, generated_demo=False)
    off = _settings(tmp_path, PROXIMITY_NOTIFICATIONS_DISPATCHER="false")
    assert start_dispatcher(off, app) is None
    monkeypatch.setattr("desktop.notify.service.dispatcher_config", lambda _s: FAST)
    handle = start_dispatcher(_settings(tmp_path), app)  # no Twilio: record only
    try:
        assert handle.name == "notification dispatcher"
        wait_until(lambda: count_by_state(sqlite_db).get("skipped", 0) == 2, what="recorded")
        with sqlite_db.read() as s:
            holder = s.scalar(select(ServiceLease.holder))
            mode = s.get(AppMeta, MODE_KEY).value
        assert (
            holder.startswith("desktop on ")
            and mode == "record_only: no account SID (twilio.account_sid)"
        )
    finally:
        handle.stop()
    with sqlite_db.read() as s:
        assert s.scalar(select(ServiceLease.holder)) is None  # released on a clean stop


def test_messages_go_out_through_a_messaging_service(
    sqlite_db, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.notify.conftest import OPEN_POLICY
    from tests.notify.helpers import save_policy, seed_site

    queue = seed_site(sqlite_db)
    save_policy(sqlite_db, **OPEN_POLICY)
    many_tickets(sqlite_db, queue, uk_phones(1), datetime.now(UTC) - timedelta(minutes=5))
    settings = _settings(
        tmp_path,
        PROXIMITY_TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
        PROXIMITY_TWILIO_MESSAGING_SERVICE_SID=SERVICE,
        PROXIMITY_TWILIO_API_BASE=fake_twilio.base_url,
    )
    dispatcher = build_dispatcher(settings, sqlite_db, "notifier", FAST, fake_twilio.auth_token)
    dispatcher.start()
    try:
        wait_until(lambda: len(fake_twilio.sent_messages()) == 1, what="sent")
    finally:
        dispatcher.stop()
    (message,) = fake_twilio.sent_messages()
    assert message["messaging_service_sid"] == SERVICE and message["from"] is None
