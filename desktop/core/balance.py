"""Workload balance of a team: imbalance (Gini) and who carries the most and the least.

METRICS.md, Workload fairness: load per agent is the priority-weighted count of open
assigned tickets; imbalance is the Gini coefficient of the loads of a team's available
agents. "Available" here means logged in (available, busy or away): an agent who is
offline cannot take work, and counting them would call an empty night shift "imbalanced".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop.core.metrics import gini

__all__ = ["LoadedAgent", "TeamBalance", "team_balance"]


@dataclass(frozen=True)
class LoadedAgent:
    """One agent's weighted load."""

    employee_id: int
    name: str
    load: float


@dataclass(frozen=True)
class TeamBalance:
    """The balance figures of one team.

    Attributes:
        team_id: the team.
        team: its name.
        agents: how many agents were counted (logged in).
        gini: imbalance, 0 = perfectly even.
        mean_load: average weighted load of the counted agents.
        most_loaded: the agent carrying the most (None with no agents).
        least_loaded: the agent carrying the least (None with no agents).
    """

    team_id: int
    team: str
    agents: int
    gini: float
    mean_load: float
    most_loaded: LoadedAgent | None
    least_loaded: LoadedAgent | None


def team_balance(team_id: int, team: str, agents: Iterable[LoadedAgent]) -> TeamBalance:
    """Gini, mean, most and least loaded of the agents given (the caller picks who counts).

    Ties are broken by name so the same data always names the same person.
    """
    counted = sorted(agents, key=lambda a: (a.name, a.employee_id))
    if not counted:
        return TeamBalance(team_id, team, 0, 0.0, 0.0, None, None)
    loads = [a.load for a in counted]
    most = max(counted, key=lambda a: a.load)  # max/min keep the first of equals: by name
    least = min(counted, key=lambda a: a.load)
    return TeamBalance(
        team_id, team, len(counted), gini(loads), sum(loads) / len(loads), most, least
    )
