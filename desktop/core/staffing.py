"""Erlang C staffing: probability of waiting, service level, ASA and agents required.

Definitions are those of METRICS.md ("Staffing (Erlang C)"). Traffic A (Erlangs) is the arrival
rate in contacts per second times the average handle time in seconds; N is the number of agents.

Factorials and powers of A overflow a float long before A = 1,000 Erlangs, so nothing here
computes them. Erlang B comes from the recursion

    B(0) = 1,  B(n) = A * B(n-1) / (n + A * B(n-1))

whose terms all stay in [0, 1], and Erlang C (the probability of waiting) is derived from it:

    C(N) = N * B(N) / (N - A * (1 - B(N)))      for N > A.

When N <= A the queue is unstable (it grows without bound): P(wait) is 1, the service level
is 0 and the average speed of answer is infinite. Every figure is computed by the same private
helpers, so ``staffing_figures`` returns exactly the numbers the single functions return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "StaffingFigures",
    "agents_required",
    "average_speed_of_answer",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "scheduled_agents",
    "service_level",
    "staffing_figures",
]

SECONDS_PER_HOUR = 3600.0

# Inputs such as 360 calls/h x 240 s reach traffic through a division and a product, so a value
# that is exactly on a target (an occupancy of 0.85, 1 agent / (1 - 0.8)) can land one ulp on the
# wrong side. Comparisons against targets allow this much relative slack.
_TOLERANCE = 1e-9


def _check_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def _check_agents(agents: int) -> None:
    # bool is an int subclass; True agents is almost certainly a bug in the caller.
    if not isinstance(agents, int) or isinstance(agents, bool):
        raise TypeError(f"agents must be an int, got {type(agents).__name__}")
    if agents < 0:
        raise ValueError(f"agents must be 0 or more, got {agents}")


def _check_traffic(traffic_erlangs: float) -> None:
    _check_finite("traffic_erlangs", traffic_erlangs)
    if traffic_erlangs < 0:
        raise ValueError(f"traffic_erlangs must be 0 or more, got {traffic_erlangs}")


def _check_threshold(threshold_seconds: float) -> None:
    _check_finite("threshold_seconds", threshold_seconds)
    if threshold_seconds < 0:
        raise ValueError(f"threshold_seconds must be 0 or more, got {threshold_seconds}")


def _traffic(arrival_rate_per_hour: float, aht_seconds: float) -> float:
    """Validated traffic in Erlangs: (contacts per second) x (AHT in seconds)."""
    _check_finite("arrival_rate_per_hour", arrival_rate_per_hour)
    _check_finite("aht_seconds", aht_seconds)
    if arrival_rate_per_hour < 0:
        raise ValueError(f"arrival_rate_per_hour must be 0 or more, got {arrival_rate_per_hour}")
    if aht_seconds < 0:
        raise ValueError(f"aht_seconds must be 0 or more, got {aht_seconds}")
    if arrival_rate_per_hour > 0 and aht_seconds == 0:
        raise ValueError("aht_seconds must be greater than 0 when there is traffic")
    return arrival_rate_per_hour / SECONDS_PER_HOUR * aht_seconds


def _next_erlang_b(traffic: float, agents: int, previous_b: float) -> float:
    """One step of the recursion: B(agents) from B(agents - 1)."""
    a_b = traffic * previous_b
    return a_b / (agents + a_b)


def _erlang_b(traffic: float, agents: int) -> float:
    b = 1.0
    for n in range(1, agents + 1):
        b = _next_erlang_b(traffic, n, b)
    return b


def _erlang_c_from_b(traffic: float, agents: int, b: float) -> float:
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    c = agents * b / (agents - traffic * (1.0 - b))
    # The exact value lies in [0, 1]; rounding may step just outside when B is close to 1.
    return min(max(c, 0.0), 1.0)


def _service_level(
    traffic: float, agents: int, p_wait: float, threshold_seconds: float, aht_seconds: float
) -> float:
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    sl = 1.0 - p_wait * math.exp(-(agents - traffic) * threshold_seconds / aht_seconds)
    return min(max(sl, 0.0), 1.0)


def _asa(traffic: float, agents: int, p_wait: float, aht_seconds: float) -> float:
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return p_wait * aht_seconds / (agents - traffic)


def _occupancy(traffic: float, agents: int) -> float:
    if traffic == 0:
        return 0.0
    if agents == 0:
        return 1.0
    return min(traffic / agents, 1.0)


def erlang_b(traffic_erlangs: float, agents: int) -> float:
    """Erlang B: probability that a contact is blocked when there is no queue.

    Args:
        traffic_erlangs: offered traffic A in Erlangs (>= 0).
        agents: number of servers N (>= 0).

    Returns:
        B(A, N) in [0, 1]; 1.0 for N = 0.

    Raises:
        ValueError: negative or non-finite traffic, negative agents.
        TypeError: agents is not an int.
    """
    _check_traffic(traffic_erlangs)
    _check_agents(agents)
    return _erlang_b(traffic_erlangs, agents)


def erlang_c(traffic_erlangs: float, agents: int) -> float:
    """Erlang C: probability that a contact has to wait (METRICS.md, P(wait)).

    Args:
        traffic_erlangs: offered traffic A in Erlangs (>= 0).
        agents: number of agents N (>= 0).

    Returns:
        P(wait) in [0, 1]: 0.0 when there is no traffic, 1.0 when N <= A (unstable queue).

    Raises:
        ValueError: negative or non-finite traffic, negative agents.
        TypeError: agents is not an int.
    """
    _check_traffic(traffic_erlangs)
    _check_agents(agents)
    if traffic_erlangs == 0 or agents <= traffic_erlangs:
        # Decided by the guards alone; skip the O(N) recursion.
        return _erlang_c_from_b(traffic_erlangs, agents, b=1.0)
    return _erlang_c_from_b(traffic_erlangs, agents, _erlang_b(traffic_erlangs, agents))


def service_level(
    arrival_rate_per_hour: float, aht_seconds: float, agents: int, threshold_seconds: float
) -> float:
    """Share of contacts answered within the threshold: SL(T) = 1 - P(wait) x exp(-(N-A) T / AHT).

    Args:
        arrival_rate_per_hour: contacts arriving per hour (>= 0).
        aht_seconds: average handle time in seconds (> 0 when there is traffic).
        agents: number of agents N (>= 0).
        threshold_seconds: service-level threshold T in seconds (>= 0).

    Returns:
        SL in [0, 1]: 1.0 with no traffic, 0.0 when N <= A (unstable queue).

    Raises:
        ValueError: negative or non-finite inputs, zero AHT with traffic, negative agents.
    """
    _check_agents(agents)
    _check_threshold(threshold_seconds)
    traffic = _traffic(arrival_rate_per_hour, aht_seconds)
    p_wait = erlang_c(traffic, agents)
    return _service_level(traffic, agents, p_wait, threshold_seconds, aht_seconds)


def average_speed_of_answer(arrival_rate_per_hour: float, aht_seconds: float, agents: int) -> float:
    """Expected wait over all contacts: ASA = P(wait) x AHT / (N - A).

    Args:
        arrival_rate_per_hour: contacts arriving per hour (>= 0).
        aht_seconds: average handle time in seconds (> 0 when there is traffic).
        agents: number of agents N (>= 0).

    Returns:
        ASA in seconds: 0.0 with no traffic, ``math.inf`` when N <= A (unstable queue).

    Raises:
        ValueError: negative or non-finite inputs, zero AHT with traffic, negative agents.
    """
    _check_agents(agents)
    traffic = _traffic(arrival_rate_per_hour, aht_seconds)
    return _asa(traffic, agents, erlang_c(traffic, agents), aht_seconds)


def occupancy(arrival_rate_per_hour: float, aht_seconds: float, agents: int) -> float:
    """Expected agent occupancy A / N, capped at 1.0 (an unstable queue keeps everyone busy).

    Args:
        arrival_rate_per_hour: contacts arriving per hour (>= 0).
        aht_seconds: average handle time in seconds (> 0 when there is traffic).
        agents: number of agents N (>= 0).

    Returns:
        Occupancy in [0, 1]; 0.0 with no traffic, 1.0 with traffic and no agents.

    Raises:
        ValueError: negative or non-finite inputs, zero AHT with traffic, negative agents.
    """
    _check_agents(agents)
    return _occupancy(_traffic(arrival_rate_per_hour, aht_seconds), agents)


def agents_required(
    arrival_rate_per_hour: float,
    aht_seconds: float,
    threshold_seconds: float,
    target_service_level: float,
    max_occupancy: float = 0.85,
) -> int:
    """Smallest N > A that meets the service-level target and the occupancy ceiling.

    B(N) is carried forward through the search, so the cost is one recursion step per
    candidate N (about 1,200 steps for A = 1,000 Erlangs) instead of a fresh recursion each.

    Args:
        arrival_rate_per_hour: contacts arriving per hour (>= 0).
        aht_seconds: average handle time in seconds (> 0 when there is traffic).
        threshold_seconds: service-level threshold T in seconds (>= 0).
        target_service_level: required SL as a fraction, strictly between 0 and 1.
        max_occupancy: ceiling on A / N, in (0, 1]; the METRICS.md default is 85 %.

    Returns:
        Agents needed on the phones (before shrinkage); 0 when there is no traffic.

    Raises:
        ValueError: invalid rate, AHT or threshold; target outside (0, 1); max_occupancy
            outside (0, 1].
    """
    _check_threshold(threshold_seconds)
    _check_finite("target_service_level", target_service_level)
    _check_finite("max_occupancy", max_occupancy)
    if not 0 < target_service_level < 1:
        raise ValueError(
            f"target_service_level must be strictly between 0 and 1, got {target_service_level}"
        )
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy}")
    traffic = _traffic(arrival_rate_per_hour, aht_seconds)
    if traffic == 0:
        return 0
    b = 1.0
    agents = 0
    # Terminates: as N grows past A, P(wait) falls to 0, so SL reaches 1 > target, and A / N
    # falls below any positive ceiling.
    while True:
        agents += 1
        b = _next_erlang_b(traffic, agents, b)
        if agents <= traffic:
            continue
        if _occupancy(traffic, agents) > max_occupancy * (1 + _TOLERANCE):
            continue
        p_wait = _erlang_c_from_b(traffic, agents, b)
        sl = _service_level(traffic, agents, p_wait, threshold_seconds, aht_seconds)
        if sl >= target_service_level * (1 - _TOLERANCE):
            return agents


def scheduled_agents(required: int, shrinkage: float) -> int:
    """Agents to schedule so that ``required`` remain after shrinkage: ceil(N / (1 - s)).

    Args:
        required: agents needed on the phones (>= 0), e.g. from ``agents_required``.
        shrinkage: share of paid time lost to breaks, training, absence; 0 <= s < 1.

    Returns:
        Agents to schedule.

    Raises:
        ValueError: negative ``required``; shrinkage outside [0, 1).
        TypeError: ``required`` is not an int.
    """
    _check_agents(required)
    _check_finite("shrinkage", shrinkage)
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")
    exact = required / (1.0 - shrinkage)
    # 1 / (1 - 0.8) is 5.000000000000001 in floating point; it must schedule 5, not 6.
    return math.ceil(exact * (1 - _TOLERANCE))


@dataclass(frozen=True)
class StaffingFigures:
    """Every Erlang C figure for one staffing level, as a what-if box shows them.

    Attributes:
        agents: N.
        traffic_erlangs: A = arrival rate (per second) x AHT.
        p_wait: Erlang C probability of waiting, in [0, 1].
        service_level: SL(T) in [0, 1].
        asa_seconds: average speed of answer; ``math.inf`` when unstable.
        occupancy: A / N capped at 1.
        stable: True when N > A or there is no traffic; False means the queue grows forever.
    """

    agents: int
    traffic_erlangs: float
    p_wait: float
    service_level: float
    asa_seconds: float
    occupancy: float
    stable: bool


def staffing_figures(
    arrival_rate_per_hour: float, aht_seconds: float, agents: int, threshold_seconds: float
) -> StaffingFigures:
    """All figures for N agents at once, identical to the single-figure functions.

    Args:
        arrival_rate_per_hour: contacts arriving per hour (>= 0).
        aht_seconds: average handle time in seconds (> 0 when there is traffic).
        agents: number of agents N (>= 0).
        threshold_seconds: service-level threshold T in seconds (>= 0).

    Returns:
        The figures, computed from one Erlang C evaluation.

    Raises:
        ValueError: as ``service_level``.
    """
    _check_agents(agents)
    _check_threshold(threshold_seconds)
    traffic = _traffic(arrival_rate_per_hour, aht_seconds)
    p_wait = erlang_c(traffic, agents)
    return StaffingFigures(
        agents=agents,
        traffic_erlangs=traffic,
        p_wait=p_wait,
        service_level=_service_level(traffic, agents, p_wait, threshold_seconds, aht_seconds),
        asa_seconds=_asa(traffic, agents, p_wait, aht_seconds),
        occupancy=_occupancy(traffic, agents),
        stable=traffic == 0 or agents > traffic,
    )
