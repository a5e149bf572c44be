"""Team balance: Gini with the most and least loaded agents named."""

from __future__ import annotations

import pytest

from desktop.core.balance import LoadedAgent, team_balance


def test_balance_names_most_and_least_loaded() -> None:
    agents = [LoadedAgent(1, "Zoe", 2.0), LoadedAgent(2, "Ann", 10.0), LoadedAgent(3, "Max", 6.0)]
    b = team_balance(7, "Alpha", agents)
    # Gini of {2, 6, 10}: pairwise |diffs| 4, 8, 4 -> sum over ordered pairs 32;
    # 32 / (2 x 3^2 x 6) = 0.296.
    assert b.gini == pytest.approx(32 / 108)
    assert (b.most_loaded.name, b.least_loaded.name, b.agents) == ("Ann", "Zoe", 3)
    assert b.mean_load == pytest.approx(6.0)


def test_ties_and_empty_teams() -> None:
    tie = team_balance(1, "T", [LoadedAgent(2, "Bea", 3.0), LoadedAgent(1, "Al", 3.0)])
    assert tie.gini == 0 and tie.most_loaded.name == "Al" and tie.least_loaded.name == "Al"
    empty = team_balance(1, "T", [])
    assert empty.agents == 0 and empty.most_loaded is None and empty.gini == 0
