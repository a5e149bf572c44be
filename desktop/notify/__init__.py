"""Customer status notifications: scheduling, the dispatcher, Twilio, delivery polling.

No Qt here. This module stays light: the desktop app imports it to register the dispatcher's
starter, and the heavy imports (APScheduler, twilio) happen in the starter, on a worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.bootstrap import AppContext
    from desktop.config import Settings


def start_dispatcher(settings: Settings, app: AppContext) -> Any:
    """Start the in-process dispatcher when ``notifications.dispatcher`` is on (else None)."""
    from desktop.notify.service import start_in_process

    return start_in_process(settings, app)
