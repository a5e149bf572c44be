"""Background services a process runs beside its views (no Qt here).

A service is started on a worker thread (its imports and set-up stay off the GUI thread) and
returns a handle with ``stop()``; the app stops every handle on exit. Each feature adds its
starter to ``service_starters``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

from desktop.bootstrap import AppContext
from desktop.config import Settings
from desktop.sources import live_services


class ServiceHandle(Protocol):
    """A running background service."""

    name: str

    def stop(self) -> None:
        """Stop and wait for its threads (finishing work in flight)."""


Starter = Callable[[], ServiceHandle | None]


def service_starters(settings: Settings, app: AppContext) -> list[Starter]:
    """The services this process should start, as zero-argument callables.

    A starter returns None when its service decides not to run here (e.g. disabled by a
    setting), so the decision and its imports also stay off the GUI thread.
    """
    starters: list[Starter] = []
    starters.append(partial(live_services.start_demo_simulator, settings, app))
    starters.append(partial(live_services.start_taskrouter, settings, app))
    starters.append(partial(__import__("desktop.notify").notify.start_dispatcher, settings, app))
    return starters
