"""What every view is given: the task runner, the database, the acting user, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from db.engine import Database
from desktop.config import Settings
from desktop.core.identity import Actor
from desktop.live.tasks import TaskRunner


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ViewContext:
    """Shared services handed to each view when the database is ready.

    Attributes:
        runner: runs queries and actions off the GUI thread.
        db: the open database (only ever used inside runner tasks).
        actor: who is using the app.
        settings: effective configuration.
        is_demo: the database holds demo data.
        now: the clock (tests replace it).
    """

    runner: TaskRunner
    db: Database
    actor: Actor
    settings: Settings
    is_demo: bool = False
    now: Callable[[], datetime] = field(default=utc_now)
