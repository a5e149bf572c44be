"""METRICS.md definitions with hand-computed expectations."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.core.domain import Priority
from desktop.core.metrics import (
    DEFAULT_PRIORITY_WEIGHTS,
    ESat,
    QaItem,
    ServiceLevelVariant,
    abandonment_rate,
    average_handle_time,
    average_speed_of_answer,
    coaching_recency_days,
    csat,
    enps,
    esat,
    first_contact_resolution,
    format_threshold,
    gini,
    median,
    nps,
    occupancy,
    overtime,
    pearson,
    qa_score,
    resolved_first_time,
    service_level,
    utilisation,
    weighted_load,
)

# --- Queues ---------------------------------------------------------------------------------


def test_service_level_variants() -> None:
    # 80 answered (60 within T), 20 abandoned after the short-abandon limit, 110 offered
    # (10 still waiting).
    counts = {"answered_within": 60, "answered": 80, "abandoned": 20, "offered": 110}
    assert service_level(**counts) == pytest.approx(60 / 100)
    assert service_level(**counts, variant=ServiceLevelVariant.OFFERED) == pytest.approx(60 / 110)
    assert service_level(**counts, variant=ServiceLevelVariant.ANSWERED) == pytest.approx(60 / 80)


def test_service_level_without_data_is_none_not_zero() -> None:
    assert service_level(0, 0, 0) is None
    assert service_level(0, 0, 0, 0, ServiceLevelVariant.OFFERED) is None
    assert service_level(0, 0, 5) == 0.0  # only abandons: a real 0 %


def test_service_level_rejects_inconsistent_counts() -> None:
    with pytest.raises(ValueError, match="cannot exceed answered"):
        service_level(11, 10, 0)
    with pytest.raises(ValueError, match="offered is required"):
        service_level(1, 2, 0, variant=ServiceLevelVariant.OFFERED)
    with pytest.raises(ValueError, match="abandoned"):
        service_level(1, 2, -1)


@pytest.mark.parametrize(
    ("variant", "threshold", "expected"),
    [
        (
            ServiceLevelVariant.ANSWERED_PLUS_ABANDONED,
            20,
            "SL: answered within 20 s / (answered + abandoned after 5 s)",
        ),
        (ServiceLevelVariant.OFFERED, 60, "SL: answered within 60 s / offered"),
        (ServiceLevelVariant.ANSWERED, 4 * 3600, "SL: answered within 4 h / answered"),
    ],
)
def test_service_level_describe(
    variant: ServiceLevelVariant, threshold: int, expected: str
) -> None:
    assert variant.describe(threshold) == expected


def test_describe_uses_the_queue_short_abandon_limit() -> None:
    text = ServiceLevelVariant.ANSWERED_PLUS_ABANDONED.describe(30, short_abandon_seconds=10)
    assert text == "SL: answered within 30 s / (answered + abandoned after 10 s)"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(20, "20 s"), (60, "60 s"), (90, "90 s"), (120, "2 min"), (3600, "1 h"), (5400, "90 min")],
)
def test_format_threshold(seconds: float, text: str) -> None:
    assert format_threshold(seconds) == text


def test_asa_aht_abandonment() -> None:
    assert average_speed_of_answer(1200.0, 40) == 30.0
    assert average_speed_of_answer(0.0, 0) is None
    # (3000 + 600 + 900) / 25 = 180
    assert average_handle_time(3000, 600, 900, 25) == 180.0
    assert average_handle_time(0, 0, 0, 0) is None
    assert abandonment_rate(7, 140) == pytest.approx(0.05)
    assert abandonment_rate(0, 0) is None
    with pytest.raises(ValueError, match="talk_seconds"):
        average_handle_time(-1, 0, 0, 1)


# --- Surveys ----------------------------------------------------------------------------------


def test_csat_counts_4_and_5_and_ignores_blanks() -> None:
    # 5, 4, 4 satisfied out of 5 scored answers; the two blanks do not count.
    assert csat([5, 4, None, 3, 1, 4, None]) == pytest.approx(60.0)
    assert csat([None, None]) is None
    assert csat([]) is None
    assert csat([3, 3]) == 0.0


def test_csat_rejects_out_of_scale_scores() -> None:
    with pytest.raises(ValueError, match=r"outside 1\.\.5"):
        csat([4, 6])
    with pytest.raises(ValueError, match=r"outside 1\.\.5"):
        csat([0])


def test_nps() -> None:
    # 10, 9, 9 promoters; 7, 8 passives; 6, 0, 3 detractors -> (3 - 3) / 8 = 0
    assert nps([10, 9, 9, 7, 8, 6, 0, 3]) == 0.0
    # 4 promoters, 1 passive, 0 detractors -> 80
    assert nps([9, 10, 9, 10, 8, None]) == pytest.approx(80.0)
    assert nps([0, 6]) == -100.0
    assert nps([10]) == 100.0
    assert nps([None]) is None
    with pytest.raises(ValueError, match=r"outside 0\.\.10"):
        nps([11])


def test_enps_is_nps_on_the_employee_question() -> None:
    assert enps([9, 7, 3]) == pytest.approx(0.0)
    assert enps([10, 10, 5, 8]) == pytest.approx(25.0)
    assert enps([]) is None


def test_esat_mean_and_favourable() -> None:
    assert esat([5, 4, 3, 2, None]) == ESat(mean=3.5, favourable_pct=50.0, responses=4)
    assert esat([None]) is None
    with pytest.raises(ValueError):
        esat([7])


def test_first_contact_resolution() -> None:
    assert resolved_first_time(1) is True
    assert resolved_first_time(3) is False
    # The customer's own answer wins over the contact count, both ways.
    assert resolved_first_time(3, survey_answer=True) is True
    assert resolved_first_time(1, survey_answer=False) is False
    tickets = [(1, None), (2, None), (1, False), (4, True)]
    count = sum(resolved_first_time(c, a) for c, a in tickets)
    assert first_contact_resolution(count, len(tickets)) == pytest.approx(0.5)
    assert first_contact_resolution(0, 0) is None
    with pytest.raises(ValueError):
        first_contact_resolution(3, 2)


# --- Employees: time -----------------------------------------------------------------------


def test_occupancy_and_utilisation() -> None:
    # Logged in 8 h: 5 h busy, 2 h available, 1 h away.
    busy, available, logged_in = 5 * 3600, 2 * 3600, 8 * 3600
    assert occupancy(busy, available) == pytest.approx(5 / 7)
    assert utilisation(busy, logged_in) == pytest.approx(5 / 8)
    assert occupancy(0, 0) is None
    assert utilisation(0, 0) is None
    assert occupancy(0, 3600) == 0.0
    with pytest.raises(ValueError, match="cannot exceed"):
        utilisation(10, 5)


def test_overtime_is_never_negative() -> None:
    assert overtime(9 * 3600, 8 * 3600) == 3600.0
    assert overtime(7 * 3600, 8 * 3600) == 0.0
    assert overtime(8 * 3600, 8 * 3600) == 0.0
    assert overtime(3600, None) is None
    with pytest.raises(ValueError):
        overtime(-1, 3600)


def test_coaching_recency() -> None:
    assert coaching_recency_days(date(2024, 2, 20), date(2024, 3, 1)) == 10  # leap year
    assert coaching_recency_days(date(2024, 3, 1), date(2024, 3, 1)) == 0
    assert coaching_recency_days(None, date(2024, 3, 1)) is None
    with pytest.raises(ValueError):
        coaching_recency_days(date(2024, 3, 2), date(2024, 3, 1))


# --- QA ---------------------------------------------------------------------------------------


def test_qa_score_weighted_and_scaled() -> None:
    items = [
        QaItem(selected=4, scale_min=1, scale_max=5, weight=2),  # 0.75 x 2
        QaItem(selected=1, scale_min=0, scale_max=1, weight=1),  # 1.0 x 1
        QaItem(selected=0, scale_min=0, scale_max=10, weight=1),  # 0.0 x 1
    ]
    assert qa_score(items) == pytest.approx(100 * 2.5 / 4)


def test_qa_critical_item_zeroes_the_review_below_the_pass_mark() -> None:
    good = QaItem(selected=5, scale_min=1, scale_max=5, weight=3)
    failed_critical = QaItem(selected=2, scale_min=1, scale_max=5, critical=True)  # 0.25
    assert qa_score([good, failed_critical]) == 0.0
    # Exactly on the pass mark passes: 3 on 1..5 scales to 0.5.
    on_mark = QaItem(selected=3, scale_min=1, scale_max=5, critical=True)
    assert qa_score([good, on_mark]) == pytest.approx(100 * (3 * 1.0 + 0.5) / 4)
    # A stricter pass mark fails it.
    assert qa_score([good, on_mark], pass_mark=0.75) == 0.0
    # A non-critical low score only lowers the mean.
    low = QaItem(selected=1, scale_min=1, scale_max=5)
    assert qa_score([good, low]) == pytest.approx(75.0)


def test_qa_no_data_and_validation() -> None:
    assert qa_score([]) is None
    assert qa_score([QaItem(selected=1, scale_min=0, scale_max=1, weight=0)]) is None
    with pytest.raises(ValueError, match="must exceed"):
        QaItem(selected=1, scale_min=1, scale_max=1)
    with pytest.raises(ValueError, match="outside"):
        QaItem(selected=6, scale_min=1, scale_max=5)
    with pytest.raises(ValueError, match="weight"):
        QaItem(selected=1, scale_min=1, scale_max=5, weight=-1)
    with pytest.raises(ValueError, match="pass_mark"):
        qa_score([], pass_mark=1.5)


# --- Workload fairness -------------------------------------------------------------------------


def test_weighted_load_default_weights() -> None:
    counts = {Priority.URGENT: 1, Priority.HIGH: 2, Priority.NORMAL: 3, Priority.LOW: 4}
    assert weighted_load(counts) == 4 + 4 + 3 + 2
    # Plain strings as read from the database work too.
    assert weighted_load({"urgent": 2, "low": 1}) == 8.5
    assert weighted_load({}) == 0.0
    assert DEFAULT_PRIORITY_WEIGHTS[Priority.NORMAL] == 1.0


def test_weighted_load_custom_weights_and_errors() -> None:
    weights = {"urgent": 10.0, "normal": 1.0}
    assert weighted_load({"urgent": 1, "normal": 5}, weights) == 15.0
    with pytest.raises(ValueError, match="no weight"):
        weighted_load({"high": 1}, weights)
    with pytest.raises(ValueError, match="must be >= 0"):
        weighted_load({"normal": -1})


@pytest.mark.parametrize(
    ("loads", "expected"),
    [
        ([], 0.0),
        ([7.0], 0.0),
        ([0.0, 0.0, 0.0], 0.0),
        ([3.0, 3.0, 3.0, 3.0], 0.0),
        ([0.0, 0.0, 0.0, 10.0], 0.75),  # one carries all: (n - 1) / n
        ([1.0, 2.0, 3.0], 2 / 9),  # mean |xi - xj| = 8/9 over 2 * mean 2
        ([4.0, 1.0], 0.3),  # |4 - 1| x 2 / (2 x 4 x 2.5)
    ],
)
def test_gini(loads: list[float], expected: float) -> None:
    assert gini(loads) == pytest.approx(expected, abs=1e-12)


def test_gini_matches_pairwise_definition_and_ignores_order() -> None:
    loads = [5.5, 0.0, 2.0, 9.0, 1.0, 1.0, 4.0]
    n, mean = len(loads), sum(loads) / len(loads)
    pairwise = sum(abs(a - b) for a in loads for b in loads) / (2 * n * n * mean)
    assert gini(loads) == pytest.approx(pairwise, rel=1e-12)
    assert gini(reversed(loads)) == pytest.approx(pairwise, rel=1e-12)
    with pytest.raises(ValueError):
        gini([1.0, -1.0])


def test_pearson() -> None:
    assert pearson([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx(1.0)
    assert pearson([1, 2, 3, 4], [8, 6, 4, 2]) == pytest.approx(-1.0)
    # Hand computed: dx = -1, 0, 1; dy = -1, 1, 0 -> sxy = 1, sxx = 2, syy = 2 -> 0.5
    assert pearson([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)


def test_pearson_returns_none_without_enough_information() -> None:
    assert pearson([1, 2], [3, 4]) is None
    assert pearson([], []) is None
    assert pearson([0.1, 0.1, 0.1], [1, 2, 3]) is None  # constant, despite float noise
    assert pearson([1, 2, 3], [4, 4, 4]) is None
    with pytest.raises(ValueError, match="lengths differ"):
        pearson([1, 2, 3], [1, 2])


def test_median() -> None:
    assert median([5, 1, 3]) == 3.0
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) is None
