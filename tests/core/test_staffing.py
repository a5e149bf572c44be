"""Erlang C staffing, checked against published tables and an exact rational implementation."""

from __future__ import annotations

import math
import time
from fractions import Fraction

import pytest

from desktop.core.staffing import (
    StaffingFigures,
    agents_required,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    occupancy,
    scheduled_agents,
    service_level,
    staffing_figures,
)


def exact_erlang_b(traffic: Fraction, agents: int) -> Fraction:
    """Textbook formula with factorials, exact in rationals: the independent reference."""
    terms = [traffic**k / math.factorial(k) for k in range(agents + 1)]
    return terms[-1] / sum(terms)


def exact_erlang_c(traffic: Fraction, agents: int) -> Fraction:
    """METRICS.md P(wait), exact in rationals (needs N > A)."""
    top = traffic**agents / math.factorial(agents) * Fraction(agents) / (agents - traffic)
    return top / (sum(traffic**k / math.factorial(k) for k in range(agents)) + top)


# --- reference values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agents", "published"),
    [(11, 0.6821), (12, 0.4494), (13, 0.2853), (14, 0.1741)],
)
def test_erlang_c_matches_published_table_for_10_erlangs(agents: int, published: float) -> None:
    assert erlang_c(10.0, agents) == pytest.approx(published, abs=5e-5)


@pytest.mark.parametrize(
    ("traffic", "agents"),
    [
        (Fraction(1, 2), 1),
        (Fraction(23, 10), 3),
        (Fraction(10), 11),
        (Fraction(24), 28),
        (Fraction(101, 2), 60),
        (Fraction(80), 100),
    ],
)
def test_erlang_b_and_c_match_exact_factorial_formula(traffic: Fraction, agents: int) -> None:
    assert erlang_b(float(traffic), agents) == pytest.approx(
        float(exact_erlang_b(traffic, agents)), rel=1e-12
    )
    assert erlang_c(float(traffic), agents) == pytest.approx(
        float(exact_erlang_c(traffic, agents)), rel=1e-12
    )


def test_classic_example_100_calls_per_half_hour() -> None:
    # 100 calls / 30 min, AHT 180 s -> 10 Erlangs; 80 % in 20 s needs 14 agents, since
    # 13 agents give 79.56 %, just short. 30 % shrinkage -> 20 scheduled.
    rate, aht = 200.0, 180.0
    assert service_level(rate, aht, 13, 20) == pytest.approx(0.7956, abs=1e-4)
    assert service_level(rate, aht, 14, 20) == pytest.approx(0.8884, abs=1e-4)
    assert average_speed_of_answer(rate, aht, 14) == pytest.approx(7.836, abs=1e-3)
    assert occupancy(rate, aht, 14) == pytest.approx(10 / 14)
    required = agents_required(rate, aht, 20, 0.8)
    assert required == 14
    assert scheduled_agents(required, 0.3) == 20


def test_360_calls_per_hour_aht_240_needs_29_not_28() -> None:
    # A = 24 Erlangs. Independently: P(wait | 28) = 0.33314 (exact rational formula), so
    # SL(28) = 1 - 0.33314 * exp(-4 * 20 / 240) = 0.7613 < 0.80; SL(29) = 0.8403.
    p28 = float(exact_erlang_c(Fraction(24), 28))
    expected_sl28 = 1 - p28 * math.exp(-4 * 20 / 240)
    assert service_level(360, 240, 28, 20) == pytest.approx(expected_sl28, rel=1e-12)
    assert expected_sl28 == pytest.approx(0.7613, abs=1e-4)
    assert service_level(360, 240, 29, 20) == pytest.approx(0.8403, abs=1e-4)
    assert agents_required(360, 240, 20, 0.8) == 29
    assert agents_required(360, 240, 20, 0.8, max_occupancy=1.0) == 29


def test_service_level_formula_uses_exp_of_spare_capacity() -> None:
    p_wait = float(exact_erlang_c(Fraction(10), 12))
    expected = 1 - p_wait * math.exp(-(12 - 10) * 30 / 180)
    assert service_level(200, 180, 12, 30) == pytest.approx(expected, rel=1e-12)
    # With a zero threshold only contacts that never wait count as answered in time.
    assert service_level(200, 180, 12, 0) == pytest.approx(1 - p_wait, rel=1e-12)


# --- agents_required ------------------------------------------------------------------------


def test_max_occupancy_binds_when_traffic_is_large() -> None:
    # A = 100 Erlangs: SL alone needs 108 agents (92.6 % occupancy); 85 % forces 118.
    rate, aht = 1200.0, 300.0
    assert agents_required(rate, aht, 20, 0.8, max_occupancy=1.0) == 108
    assert agents_required(rate, aht, 20, 0.8) == 118
    assert occupancy(rate, aht, 118) <= 0.85 < occupancy(rate, aht, 117)
    assert agents_required(rate, aht, 20, 0.8, max_occupancy=0.9) == 112


def test_max_occupancy_exactly_on_the_ceiling_is_allowed() -> None:
    # A = 17 Erlangs; 17 / 20 = 0.85 exactly, so 20 agents satisfy an 85 % ceiling.
    assert agents_required(204, 300, 20, 0.1, max_occupancy=1.0) == 18
    assert agents_required(204, 300, 20, 0.1, max_occupancy=0.85) == 20


@pytest.mark.parametrize(
    ("rate", "aht", "threshold", "target"),
    [(200, 180, 20, 0.8), (50, 600, 60, 0.9), (3000, 420, 20, 0.95), (12, 900, 14400, 0.9)],
)
def test_agents_required_is_the_smallest_that_meets_both_conditions(
    rate: float, aht: float, threshold: float, target: float
) -> None:
    n = agents_required(rate, aht, threshold, target)
    assert service_level(rate, aht, n, threshold) >= target
    assert occupancy(rate, aht, n) <= 0.85
    below = n - 1
    assert service_level(rate, aht, below, threshold) < target or occupancy(rate, aht, below) > 0.85


def test_agents_required_is_fast_for_1000_erlangs() -> None:
    rate = 1000 * 3600 / 240  # 15,000 contacts per hour at 240 s = 1,000 Erlangs
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        n = agents_required(rate, 240, 20, 0.999, max_occupancy=1.0)
        best = min(best, time.perf_counter() - start)
    assert 1000 < n < 1100
    assert service_level(rate, 240, n, 20) >= 0.999 > service_level(rate, 240, n - 1, 20)
    assert best < 0.05


def test_agents_required_zero_traffic_and_tiny_aht() -> None:
    assert agents_required(0, 180, 20, 0.8) == 0
    assert agents_required(0, 0, 20, 0.8) == 0
    # A = 1e-6 Erlangs: one agent is enough and nothing blows up.
    assert agents_required(3600, 1e-6, 20, 0.8) == 1
    assert erlang_c(1e-6, 1) == pytest.approx(1e-6)  # C(A, 1) = A
    assert service_level(3600, 1e-6, 1, 20) == 1.0


# --- edge cases and stability --------------------------------------------------------------


def test_zero_traffic() -> None:
    assert erlang_c(0.0, 0) == 0.0
    assert erlang_c(0.0, 5) == 0.0
    assert erlang_b(0.0, 0) == 1.0
    assert erlang_b(0.0, 3) == 0.0
    assert service_level(0, 180, 0, 20) == 1.0
    assert average_speed_of_answer(0, 180, 0) == 0.0
    assert occupancy(0, 180, 4) == 0.0
    assert staffing_figures(0, 180, 0, 20).stable is True


@pytest.mark.parametrize("agents", [0, 5, 9, 10])
def test_unstable_queue_when_agents_do_not_exceed_traffic(agents: int) -> None:
    rate, aht = 200.0, 180.0  # A = 10 Erlangs
    assert erlang_c(10.0, agents) == 1.0
    assert service_level(rate, aht, agents, 20) == 0.0
    assert average_speed_of_answer(rate, aht, agents) == math.inf
    assert occupancy(rate, aht, agents) == 1.0
    figures = staffing_figures(rate, aht, agents, 20)
    assert figures.stable is False
    assert figures.asa_seconds == math.inf


def test_no_overflow_or_nan_at_1000_erlangs_up_to_2000_agents() -> None:
    traffic = 1000.0
    rate, aht = 15_000.0, 240.0
    previous_c, previous_sl, previous_asa = 1.0, 0.0, math.inf
    for n in range(1001, 2001, 7):
        c = erlang_c(traffic, n)
        sl = service_level(rate, aht, n, 20)
        asa = average_speed_of_answer(rate, aht, n)
        assert math.isfinite(c) and 0.0 <= c <= 1.0
        assert math.isfinite(asa)
        assert c <= previous_c and sl >= previous_sl and asa <= previous_asa
        previous_c, previous_sl, previous_asa = c, sl, asa
    assert erlang_c(traffic, 1001) == pytest.approx(0.9613, abs=1e-4)
    assert 0.0 <= erlang_b(traffic, 2000) < 1e-150
    assert erlang_b(traffic, 1000) == pytest.approx(0.0248, abs=1e-4)
    assert service_level(rate, aht, 2000, 20) == 1.0


def test_figures_are_monotonic_in_agents() -> None:
    rate, aht = 360.0, 240.0
    sls = [service_level(rate, aht, n, 20) for n in range(20, 60)]
    waits = [erlang_c(24.0, n) for n in range(20, 60)]
    assert sls == sorted(sls)
    assert waits == sorted(waits, reverse=True)
    assert sls[-1] > 0.999


@pytest.mark.parametrize("agents", [0, 10, 11, 14, 30, 200])
@pytest.mark.parametrize(("rate", "aht"), [(200.0, 180.0), (0.0, 180.0), (15_000.0, 240.0)])
def test_staffing_figures_are_identical_to_single_functions(
    rate: float, aht: float, agents: int
) -> None:
    figures = staffing_figures(rate, aht, agents, 20)
    traffic = rate / 3600 * aht
    assert figures == StaffingFigures(
        agents=agents,
        traffic_erlangs=traffic,
        p_wait=erlang_c(traffic, agents),
        service_level=service_level(rate, aht, agents, 20),
        asa_seconds=average_speed_of_answer(rate, aht, agents),
        occupancy=occupancy(rate, aht, agents),
        stable=rate == 0 or agents > traffic,
    )


# --- shrinkage -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("required", "shrinkage", "expected"),
    [(14, 0.3, 20), (13, 0.3, 19), (10, 0.0, 10), (0, 0.5, 0), (1, 0.8, 5), (2, 0.9, 20)],
)
def test_scheduled_agents(required: int, shrinkage: float, expected: int) -> None:
    # (1, 0.8) and (2, 0.9) are exact in decimals but a naive ceil gives 6 and 21.
    assert scheduled_agents(required, shrinkage) == expected


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: service_level(-1, 180, 10, 20), "arrival_rate_per_hour"),
        (lambda: service_level(100, 0, 10, 20), "aht_seconds must be greater than 0"),
        (lambda: service_level(100, -5, 10, 20), "aht_seconds"),
        (lambda: service_level(100, 180, -1, 20), "agents must be 0 or more"),
        (lambda: service_level(100, 180, 10, -1), "threshold_seconds"),
        (lambda: service_level(math.nan, 180, 10, 20), "finite"),
        (lambda: erlang_c(-0.1, 3), "traffic_erlangs"),
        (lambda: erlang_b(math.inf, 3), "finite"),
        (lambda: agents_required(100, 180, 20, 0.0), "target_service_level"),
        (lambda: agents_required(100, 180, 20, 1.0), "target_service_level"),
        (lambda: agents_required(100, 180, 20, 80), "target_service_level"),
        (lambda: agents_required(100, 180, 20, 0.8, max_occupancy=0), "max_occupancy"),
        (lambda: agents_required(100, 180, 20, 0.8, max_occupancy=1.2), "max_occupancy"),
        (lambda: scheduled_agents(10, 1.0), "shrinkage"),
        (lambda: scheduled_agents(10, -0.1), "shrinkage"),
        (lambda: scheduled_agents(-1, 0.3), "agents must be 0 or more"),
    ],
)
def test_invalid_input_is_rejected_with_a_clear_message(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_agents_must_be_an_integer() -> None:
    with pytest.raises(TypeError, match="agents must be an int"):
        erlang_c(10.0, 11.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="agents must be an int"):
        service_level(100, 180, True, 20)
