"""Fixtures for the notification engine: a site, fast dispatcher timings, a running dispatcher."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from db.engine import Database
from desktop.notify.dispatcher import Dispatcher, DispatcherConfig
from desktop.notify.rules import RetryRules
from desktop.notify.twilio_gateway import TwilioGateway, TwilioSettings
from tests.notify.helpers import save_policy, seed_site

#: Everything in tenths of seconds, so the suite stays fast.
FAST = DispatcherConfig(
    batch_size=20,
    safety_interval_s=0.2,
    schedule_interval_s=0.3,
    poll_interval_s=0.1,
    poll_min_s=0.05,
    lease_ttl_s=1.0,
    claim_ttl_s=30.0,
    orphan_after_s=60.0,
    record_every=5,
    record_every_s=0.05,
    rules=RetryRules(first_poll_s=0.05, reconcile_after_s=0.1, credentials_pause_s=60.0),
)
#: A policy without quiet hours and with quick retries (JSON keys of the stored policy).
OPEN_POLICY = {
    "quiet_start": "00:00",
    "quiet_end": "00:00",
    "retry_base_seconds": 0.1,
    "retry_cap_seconds": 0.3,
}


@pytest.fixture
def site(sqlite_db: Database) -> tuple[Database, int]:
    """A SQLite file with a team, a queue, an agent and the open policy."""
    queue_id = seed_site(sqlite_db)
    save_policy(sqlite_db, **OPEN_POLICY)
    return sqlite_db, queue_id


@pytest.fixture
def run_dispatcher(
    fake_twilio_settings: TwilioSettings,
) -> Iterator[Callable[..., contextmanager]]:  # type: ignore[type-arg]
    """``with run_dispatcher(db) as d:`` a started dispatcher aimed at the fake Twilio."""
    started: list[Dispatcher] = []

    @contextmanager
    def run(
        db: Database,
        config: DispatcherConfig = FAST,
        settings: TwilioSettings | None = fake_twilio_settings,
        record_only: bool = False,
    ) -> Iterator[Dispatcher]:
        gateway_settings = settings
        factory = None if record_only else (lambda: TwilioGateway(gateway_settings))
        dispatcher = Dispatcher(db, factory, config, record_only_reason="not configured (test)")
        started.append(dispatcher)
        dispatcher.start()
        try:
            yield dispatcher
        finally:
            dispatcher.stop()

    yield run
    for dispatcher in started:  # a failed test must not leave scheduler threads behind
        dispatcher.stop()
