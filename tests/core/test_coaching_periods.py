"""Reporting periods and the scorecard's count-based metric forms."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from desktop.core import metrics
from desktop.core.periods import (
    PeriodKind,
    last_days,
    local_day_starts,
    make_period,
    parse_period,
    trend_weeks,
)
from desktop.core.scorecard import (
    MIN_ANSWERS,
    Metric,
    change,
    csat_from_counts,
    esat_from_sums,
    nps_from_counts,
    survey_figure,
)

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # a Wednesday


def test_last_n_days_and_its_comparison_have_the_same_length() -> None:
    p = make_period(PeriodKind.LAST_30, NOW)
    assert p.end == NOW and p.start == NOW - timedelta(days=30)
    assert p.previous_end == p.start and p.previous_start == NOW - timedelta(days=60)
    assert p.days == 30 and p.label == "Last 30 days"


def test_this_week_compares_with_the_same_part_of_last_week_in_the_team_zone() -> None:
    p = make_period(PeriodKind.THIS_WEEK, NOW, "Europe/Berlin")
    assert p.start == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Monday 00:00 in Berlin
    assert p.previous_start == p.start - timedelta(days=7)
    assert p.previous_end == NOW - timedelta(days=7)


def test_this_week_on_monday_midnight_falls_back_to_the_last_week() -> None:
    monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    p = make_period(PeriodKind.THIS_WEEK, monday)
    assert p.start == monday - timedelta(days=7)


def test_custom_period_includes_both_days_and_stops_at_now() -> None:
    p = make_period(PeriodKind.CUSTOM, NOW, "UTC", date(2026, 11, 1), date(2026, 11, 10))
    assert p.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert p.end == datetime(2026, 11, 11, tzinfo=UTC)
    assert p.previous_end == p.start and p.days == 10
    running = make_period(PeriodKind.CUSTOM, NOW, "UTC", date(2026, 11, 20), date(2026, 11, 30))
    assert running.end == NOW


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2026, 11, 10), date(2026, 11, 1)), (date(2026, 12, 1), date(2026, 12, 2))],
)
def test_impossible_custom_periods_are_refused(first: date, last: date) -> None:
    with pytest.raises(ValueError):
        make_period(PeriodKind.CUSTOM, NOW, "UTC", first, last)


def test_parse_period_accepts_the_command_line_forms() -> None:
    assert parse_period("30d", NOW).start == NOW - timedelta(days=30)
    assert parse_period(" 7 days", NOW).days == 7
    assert parse_period("week", NOW).label == "This week"
    custom = parse_period("2026-11-01..2026-11-10", NOW)
    assert custom.start == datetime(2026, 11, 1, tzinfo=UTC)
    for bad in ("month", "0d", "999d", "2026-13-01..2026-13-02", ""):
        with pytest.raises(ValueError):
            parse_period(bad, NOW)


def test_trend_weeks_are_twelve_rolling_weeks_ending_now() -> None:
    weeks = trend_weeks(NOW)
    assert len(weeks) == 12 and weeks[-1] == (NOW - timedelta(days=7), NOW)
    assert all(b[0] == a[1] for a, b in itertools.pairwise(weeks))


def test_each_local_day_belongs_to_exactly_one_of_two_adjacent_periods() -> None:
    p = last_days(7, NOW)
    now_days = local_day_starts(p.start, p.end, "Europe/Berlin")
    before = local_day_starts(p.previous_start, p.previous_end, "Europe/Berlin")
    assert len(now_days) == 7 and len(before) == 7
    assert not set(now_days) & set(before)


# Scorecard forms agree with desktop.core.metrics --------------------------------------------
def test_count_forms_equal_the_list_definitions() -> None:
    rng = random.Random(4)
    for _ in range(50):
        csat = [rng.choice([None, 1, 2, 3, 4, 5]) for _ in range(rng.randint(0, 30))]
        kept = [s for s in csat if s is not None]
        assert csat_from_counts(sum(s >= 4 for s in kept), len(kept)) == metrics.csat(csat)
        nps = [rng.randint(0, 10) for _ in range(rng.randint(0, 30))]
        promoters, detractors = sum(s >= 9 for s in nps), sum(s <= 6 for s in nps)
        assert (
            nps_from_counts(promoters, detractors, len(nps))
            == pytest.approx(metrics.nps(nps) if nps else None)
            or not nps
        )
        pulse = [rng.randint(1, 5) for _ in range(rng.randint(1, 20))]
        e = esat_from_sums(sum(pulse), sum(s >= 4 for s in pulse), len(pulse))
        ref = metrics.esat(pulse)
        assert e is not None and ref is not None
        assert e.mean == pytest.approx(ref.mean) and e.favourable_pct == ref.favourable_pct


def test_survey_figures_under_five_answers_are_withheld() -> None:
    assert survey_figure(Metric.CSAT, 100.0, MIN_ANSWERS - 1).value is None
    assert survey_figure(Metric.CSAT, 100.0, MIN_ANSWERS - 1).withheld == "fewer than 5 answers"
    assert survey_figure(Metric.CSAT, 100.0, MIN_ANSWERS).value == 100.0
    assert survey_figure(Metric.CSAT, None, 0).withheld is None


def test_change_knows_which_direction_is_good() -> None:
    assert change(Metric.CSAT, 80, 85).good is False
    assert change(Metric.FRT, 100, 200).good is True
    assert change(Metric.OCCUPANCY, 0.9, 0.8).good is None
    assert change(Metric.CSAT, None, 80).delta is None
    assert change(Metric.CSAT, 80, 80).good is None


def test_inconsistent_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        csat_from_counts(6, 5)
