"""Starters of the live data sources, importable without loading the sources themselves.

``desktop/services.py`` lists these on the GUI thread; the simulator and the TaskRouter sync
(with the ``twilio`` package) are only imported when a starter runs on its worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.bootstrap import AppContext
    from desktop.config import Settings
    from desktop.sources.simulator import DemoSimulator
    from desktop.sources.taskrouter_sync import TaskRouterSync


def start_demo_simulator(settings: Settings, app: AppContext) -> DemoSimulator | None:
    """Run the live demo simulator when ``demo.simulator`` wants it (see simulator.py)."""
    from desktop.sources.simulator import start_simulator

    return start_simulator(settings, app)


def start_taskrouter(settings: Settings, app: AppContext) -> TaskRouterSync | None:
    """Sync TaskRouter when a workspace is configured, in the dispatcher's process only."""
    from desktop.sources.taskrouter_sync import start_taskrouter_sync

    return start_taskrouter_sync(settings, app.db)
