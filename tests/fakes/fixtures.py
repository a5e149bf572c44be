"""Pytest fixtures for the loopback Twilio (loaded by tests/conftest.py via pytest_plugins).

``fake_twilio`` is a fresh server per test; the settings fixtures point the real clients at
it with short timeouts, so a test that hits a fault fails fast instead of waiting 10 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.notify.twilio_gateway import TwilioSettings
from desktop.sources.taskrouter_client import TaskRouterSettings
from tests.fakes.twilio_server import FakeTwilio

#: The sender the gateway fixtures use (Twilio's documented magic test number).
TEST_FROM_NUMBER = "+15005550006"
#: Short enough to keep fault tests fast, long enough for a loaded CI machine.
TEST_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """A started FakeTwilio on an ephemeral loopback port, stopped after the test.

    Fails the test at teardown if the fake itself hit an internal error, so a bug in the
    fake never passes for a behaviour of the code under test.
    """
    with FakeTwilio() as fake:
        yield fake
    assert not fake.internal_errors(), fake.internal_errors()


@pytest.fixture
def fake_twilio_settings(fake_twilio: FakeTwilio) -> TwilioSettings:
    """Gateway settings aimed at ``fake_twilio`` (From number, 0.5 s timeout)."""
    return TwilioSettings(
        account_sid=fake_twilio.account_sid,
        auth_token=fake_twilio.auth_token,
        from_number=TEST_FROM_NUMBER,
        api_base=fake_twilio.base_url,
        timeout_seconds=TEST_TIMEOUT_SECONDS,
    )


@pytest.fixture
def fake_taskrouter_settings(fake_twilio: FakeTwilio) -> TaskRouterSettings:
    """TaskRouter settings aimed at ``fake_twilio``'s workspace (0.5 s timeout)."""
    return TaskRouterSettings(
        account_sid=fake_twilio.account_sid,
        auth_token=fake_twilio.auth_token,
        workspace_sid=fake_twilio.workspace_sid,
        api_base=fake_twilio.base_url,
        timeout_seconds=TEST_TIMEOUT_SECONDS,
    )
