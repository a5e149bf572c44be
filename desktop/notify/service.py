"""Running the dispatcher: headless (``proximity notifier``) or inside the desktop app.

Twilio comes from the settings (``twilio.*``, each also a ``PROXIMITY_TWILIO_*`` variable) and
the auth token from the OS keyring or ``PROXIMITY_TWILIO_AUTH_TOKEN``; the token is never
logged. Without a complete configuration the dispatcher runs in record-only mode, which the
notifications view announces, and says exactly what is missing.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.config import Settings, twilio_auth_token
from desktop.notify.dispatcher import Dispatcher, DispatcherConfig
from desktop.notify.leader import DEFAULT_LEASE_SECONDS
from desktop.notify.twilio_gateway import TwilioGateway, TwilioSettings

if TYPE_CHECKING:
    from db.engine import Database
    from desktop.bootstrap import AppContext

log = logging.getLogger(__name__)

LEASE_OPTION = "notifications.lease_seconds"


@dataclass(frozen=True)
class TwilioSetup:
    """The gateway settings, or why there are none (record-only mode)."""

    settings: TwilioSettings | None
    problem: str | None


def twilio_setup(settings: Settings, token: str | None = None) -> TwilioSetup:
    """Read the Twilio configuration; never raises.

    Args:
        settings: effective settings.
        token: the auth token when already known (tests); read from the keyring or the
            environment otherwise (call this off the GUI thread).
    """
    account = str(settings["twilio.account_sid"]).strip()
    sender = str(settings["twilio.from"]).strip() or None
    service = str(settings["twilio.messaging_service_sid"]).strip() or None
    if not account:
        return TwilioSetup(None, "no account SID (twilio.account_sid)")
    if not sender and not service:
        return TwilioSetup(None, "no From number nor Messaging Service SID")
    token = token if token is not None else twilio_auth_token(settings)
    if not token:
        return TwilioSetup(
            None,
            "no auth token in the keyring nor in PROXIMITY_TWILIO_AUTH_TOKEN",
        )
    try:
        from desktop.logging_setup import register_secret

        register_secret(token)
        gateway_settings = TwilioSettings(
            account_sid=account,
            auth_token=token,
            from_number=sender,
            messaging_service_sid=service,
            api_base=str(settings["twilio.api_base"]).strip() or None,
            timeout_seconds=float(settings["twilio.timeout_seconds"]),
        )
    except ValueError as exc:
        return TwilioSetup(None, f"invalid settings: {exc}")
    return TwilioSetup(gateway_settings, None)


def dispatcher_config(settings: Settings) -> DispatcherConfig:
    """Dispatcher timings from the settings (the lease length is the one worth tuning)."""
    lease = float(settings.values.get(LEASE_OPTION, DEFAULT_LEASE_SECONDS))
    return DispatcherConfig(lease_ttl_s=lease, safety_interval_s=min(5.0, max(0.5, lease / 4)))


def _quiet_scheduler_logs() -> None:
    """APScheduler logs every job run at INFO: several lines a second, of no use to anyone."""
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))


def build_dispatcher(
    settings: Settings,
    db: Database,
    role: str,
    config: DispatcherConfig | None = None,
    token: str | None = None,
) -> Dispatcher:
    """A dispatcher for ``db`` with the configured Twilio account, or in record-only mode."""
    _quiet_scheduler_logs()
    setup = twilio_setup(settings, token)
    factory: Callable[[], TwilioGateway] | None = None
    if setup.settings is not None:
        gateway_settings = setup.settings
        factory = lambda: TwilioGateway(gateway_settings)  # noqa: E731 - one per thread
    else:
        log.warning("notifications in record-only mode, Twilio is not set up: %s", setup.problem)
    return Dispatcher(
        db,
        factory,
        config or dispatcher_config(settings),
        role=role,
        record_only_reason=setup.problem,
    )


def run_headless(settings: Settings) -> int:
    """``proximity notifier``: run the dispatcher (and the TaskRouter sync, when a workspace
    is configured) until SIGTERM or SIGINT.

    Logs go to stdout and the rotating log file (configured by the command line; configured
    here when called directly). On a signal the message in flight is finished and recorded,
    unsent claims are given back and the lock is released.

    Returns:
        0 after a clean stop, 1 when the database cannot be opened.
    """
    from db.errors import DatabaseError
    from desktop.bootstrap import open_database

    if not logging.getLogger().handlers:
        from desktop.logging_setup import configure_logging

        configure_logging(settings, console="stdout", native_faults=False)
    try:
        db = open_database(settings)
    except DatabaseError as exc:
        log.error("notifier: %s", exc.user_message)
        return 1
    done = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info(
            "notifier: %s received, finishing the message in flight", signal.Signals(signum).name
        )
        done.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    dispatcher = build_dispatcher(settings, db, role="notifier")
    sync = None
    try:
        dispatcher.start()
        # The site's TaskRouter sync runs beside the dispatcher, under the same lock.
        from desktop.sources.taskrouter_sync import start_taskrouter_sync

        sync = start_taskrouter_sync(settings, db)
        log.info(
            "notifier running on %s%s; stop with SIGTERM or Ctrl+C",
            db.display_name,
            ", with the TaskRouter sync" if sync is not None else "",
        )
        while not done.wait(1.0):
            pass
    finally:
        if sync is not None:
            sync.stop()
        dispatcher.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        db.dispose()
    return 0


class _Handle:
    """What the desktop app keeps for a running in-process dispatcher."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.name = dispatcher.name

    def stop(self) -> None:
        self.dispatcher.stop()


def start_in_process(settings: Settings, app: AppContext) -> _Handle | None:
    """The desktop app's starter (desktop/services.py): the same dispatcher, in this process.

    Runs only when ``notifications.dispatcher`` is true; it competes for the same lock as
    any ``proximity notifier``, so a site with a headless notifier simply stands by.
    """
    if not settings["notifications.dispatcher"]:
        return None
    return _Handle(build_dispatcher(settings, app.db, role="desktop").start())
