"""Coaching rules: each threshold tested on both sides, sentences carry the numbers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from desktop.core.coaching import (
    AgentFacts,
    CoachingThresholds,
    FollowUpFact,
    QaItemFact,
    QueueChangeFact,
    Rule,
    Severity,
    after_queue_change,
    aht_outlier,
    esat_down,
    evaluate,
    follow_up_flags,
    needs_attention,
    no_coaching,
    overtime_rising,
    qa_items_low,
    silence_concentrated,
    sustained_occupancy,
)

T = CoachingThresholds()
TODAY = date(2026, 11, 23)


def facts(**kw) -> AgentFacts:  # type: ignore[no-untyped-def]
    kw.setdefault("last_coaching", TODAY - timedelta(days=5))
    return AgentFacts(employee_id=7, name="Ana Diaz", **kw)


# Sustained occupancy ------------------------------------------------------------------------
def test_occupancy_above_85_for_3_weeks_flags_with_the_weeks_in_the_sentence() -> None:
    flag = sustained_occupancy(facts(weekly_occupancy=(0.7, 0.86, 0.88, 0.87)), T)
    assert flag is not None and flag.rule is Rule.OCCUPANCY
    assert "3 weeks running" in flag.sentence and "86 %, 88 %, 87 %" in flag.sentence
    assert flag.severity is Severity.MEDIUM
    assert "burnout" in flag.sentence


def test_occupancy_exactly_at_the_threshold_does_not_flag() -> None:
    assert sustained_occupancy(facts(weekly_occupancy=(0.85, 0.9, 0.9)), T) is None
    assert sustained_occupancy(facts(weekly_occupancy=(0.9, 0.85, 0.9, 0.9)), T) is None


def test_occupancy_streak_one_week_short_or_broken_by_missing_data_does_not_flag() -> None:
    assert sustained_occupancy(facts(weekly_occupancy=(0.5, 0.9, 0.9)), T) is None
    assert sustained_occupancy(facts(weekly_occupancy=(0.9, 0.9, None, 0.9, 0.9)), T) is None


def test_occupancy_far_above_or_long_is_high() -> None:
    assert sustained_occupancy(facts(weekly_occupancy=(0.95,) * 3), T).severity is Severity.HIGH  # type: ignore[union-attr]
    assert sustained_occupancy(facts(weekly_occupancy=(0.86,) * 6), T).severity is Severity.HIGH  # type: ignore[union-attr]


# Overtime ----------------------------------------------------------------------------------
def test_overtime_rising_two_weeks_to_the_minimum_flags() -> None:
    flag = overtime_rising(facts(weekly_overtime_hours=(0.0, 0.5, 1.2, 2.0)), T)
    assert flag is not None and "0.5 h, 1.2 h, 2.0 h" in flag.sentence


def test_overtime_just_below_the_minimum_does_not_flag() -> None:
    assert overtime_rising(facts(weekly_overtime_hours=(0.5, 1.2, 1.99)), T) is None


def test_overtime_flat_or_falling_does_not_flag() -> None:
    assert overtime_rising(facts(weekly_overtime_hours=(3.0, 3.0, 4.0)), T) is None
    assert overtime_rising(facts(weekly_overtime_hours=(1.0, 5.0, 4.0)), T) is None
    assert overtime_rising(facts(weekly_overtime_hours=(1.0, None, 4.0)), T) is None
    assert overtime_rising(facts(weekly_overtime_hours=(4.0,)), T) is None


def test_overtime_doubling_the_minimum_is_high() -> None:
    flag = overtime_rising(facts(weekly_overtime_hours=(1.0, 2.0, 4.0)), T)
    assert flag is not None and flag.severity is Severity.HIGH


# eSat --------------------------------------------------------------------------------------
def test_esat_down_by_the_set_amount_flags() -> None:
    flag = esat_down(facts(esat_before=4.0, esat_now=3.5), T)
    assert flag is not None and "4.0 to 3.5" in flag.sentence and "-0.5" in flag.sentence


def test_esat_down_by_less_does_not_flag() -> None:
    assert esat_down(facts(esat_before=4.0, esat_now=3.51), T) is None
    assert esat_down(facts(esat_before=3.0, esat_now=4.0), T) is None


def test_esat_without_figures_stays_silent() -> None:
    # A team lead's facts carry no individual eSat: the rule says nothing.
    assert esat_down(facts(esat_before=None, esat_now=2.0), T) is None


# Coaching recency --------------------------------------------------------------------------
def test_no_coaching_for_exactly_n_days_does_not_flag_one_more_day_does() -> None:
    assert no_coaching(facts(last_coaching=TODAY - timedelta(days=30)), T, TODAY) is None
    flag = no_coaching(facts(last_coaching=TODAY - timedelta(days=31)), T, TODAY)
    assert flag is not None and "31 days" in flag.sentence
    assert flag.severity is Severity.MEDIUM


def test_no_coaching_for_twice_n_is_high() -> None:
    flag = no_coaching(facts(last_coaching=TODAY - timedelta(days=61)), T, TODAY)
    assert flag is not None and flag.severity is Severity.HIGH


def test_never_coached_counts_from_the_hire_date() -> None:
    recent = facts(last_coaching=None, hire_date=TODAY - timedelta(days=10))
    assert no_coaching(recent, T, TODAY) is None
    old = facts(last_coaching=None, hire_date=TODAY - timedelta(days=40))
    flag = no_coaching(old, T, TODAY)
    assert flag is not None and "Never coached" in flag.sentence and "40 days" in flag.sentence
    assert no_coaching(facts(last_coaching=None), T, TODAY) is not None


# QA items ----------------------------------------------------------------------------------
def test_qa_item_below_the_threshold_over_enough_reviews_flags() -> None:
    flags = qa_items_low(facts(qa_items=(QaItemFact("Empathy", 59.9, 3),)), T)
    assert len(flags) == 1 and "'Empathy' averaged 60 %" not in flags[0].sentence
    assert "Empathy" in flags[0].sentence and "3 reviews" in flags[0].sentence
    assert "Empathy" in flags[0].focus


def test_qa_item_at_the_threshold_or_over_too_few_reviews_does_not_flag() -> None:
    assert qa_items_low(facts(qa_items=(QaItemFact("Empathy", 60.0, 3),)), T) == []
    assert qa_items_low(facts(qa_items=(QaItemFact("Empathy", 10.0, 2),)), T) == []


def test_qa_item_far_below_is_high() -> None:
    flags = qa_items_low(facts(qa_items=(QaItemFact("Accuracy", 35.0, 4),)), T)
    assert flags[0].severity is Severity.HIGH


# AHT ---------------------------------------------------------------------------------------
def test_aht_30_percent_above_median_with_csat_falling_flags_high() -> None:
    flag = aht_outlier(facts(aht_s=390, team_median_aht_s=300, csat_before=80, csat_now=75), T)
    assert flag is not None and flag.severity is Severity.HIGH
    assert "30 % above" in flag.sentence and "fell from 80 % to 75 %" in flag.sentence


def test_aht_just_inside_the_band_or_csat_barely_moving_does_not_flag() -> None:
    assert (
        aht_outlier(facts(aht_s=389, team_median_aht_s=300, csat_before=80, csat_now=70), T) is None
    )
    assert (
        aht_outlier(facts(aht_s=500, team_median_aht_s=300, csat_before=80, csat_now=75.1), T)
        is None
    )


def test_aht_far_below_with_csat_rising_is_a_low_severity_good_practice_flag() -> None:
    flag = aht_outlier(facts(aht_s=200, team_median_aht_s=300, csat_before=80, csat_now=86), T)
    assert flag is not None and flag.severity is Severity.LOW and "below" in flag.sentence


def test_aht_without_csat_stays_silent() -> None:
    assert aht_outlier(facts(aht_s=900, team_median_aht_s=300), T) is None


# Queue change ------------------------------------------------------------------------------
def test_csat_falling_8_points_after_a_queue_change_flags() -> None:
    change = QueueChangeFact("Tech e-mail", TODAY - timedelta(days=20), 90.0, 82.0)
    flags = after_queue_change(facts(queue_changes=(change,)), T)
    assert len(flags) == 1 and "Tech e-mail" in flags[0].sentence
    assert "CSAT fell from 90 % to 82 %" in flags[0].sentence


def test_csat_falling_less_after_a_queue_change_does_not_flag() -> None:
    change = QueueChangeFact("Tech e-mail", TODAY, 90.0, 82.1)
    assert after_queue_change(facts(queue_changes=(change,)), T) == []


def test_fcr_falling_after_a_queue_change_flags_on_both_sides_of_the_threshold() -> None:
    falling = QueueChangeFact("Chat", TODAY, fcr_before=0.70, fcr_after=0.62)
    flags = after_queue_change(facts(queue_changes=(falling,)), T)
    assert len(flags) == 1 and "FCR fell from 70 % to 62 %" in flags[0].sentence
    steady = QueueChangeFact("Chat", TODAY, fcr_before=0.70, fcr_after=0.621)
    assert after_queue_change(facts(queue_changes=(steady,)), T) == []


# Silence -----------------------------------------------------------------------------------
def test_silence_breaches_concentrated_on_one_agent_flag() -> None:
    flag = silence_concentrated(
        facts(silence_breaches=4, team_silence_breaches=10, team_agents=6), T
    )
    assert flag is not None and "4 of the team's 10 silence breaches (40 %)" in flag.sentence


def test_silence_breaches_below_the_share_or_the_minimum_do_not_flag() -> None:
    f = facts(silence_breaches=3, team_silence_breaches=10, team_agents=6)
    assert silence_concentrated(f, T) is None
    few = facts(silence_breaches=4, team_silence_breaches=4, team_agents=6)
    assert silence_concentrated(few, T) is None
    tiny_team = facts(silence_breaches=5, team_silence_breaches=5, team_agents=2)
    assert silence_concentrated(tiny_team, T) is None


# Follow-ups and the list --------------------------------------------------------------------
def test_follow_ups_due_today_and_overdue() -> None:
    ups = [
        FollowUpFact(1, 7, "Ana Diaz", "Holds", TODAY + timedelta(days=1)),
        FollowUpFact(2, 7, "Ana Diaz", "Empathy", TODAY),
        FollowUpFact(3, 8, "Bo Li", "Notes", TODAY - timedelta(days=7)),
    ]
    flags = follow_up_flags(ups, T, TODAY)
    assert [f.session_id for f in flags] == [2, 3]
    assert "due today" in flags[0].sentence and flags[0].severity is Severity.MEDIUM
    assert "overdue by 7 days" in flags[1].sentence and flags[1].severity is Severity.HIGH


def test_needs_attention_puts_high_severity_first() -> None:
    f = facts(
        weekly_occupancy=(0.9, 0.9, 0.9),
        last_coaching=TODAY - timedelta(days=100),
        aht_s=200,
        team_median_aht_s=300,
        csat_before=80,
        csat_now=90,
    )
    ranked = needs_attention(evaluate(f, T, TODAY))
    assert [x.severity for x in ranked] == sorted(
        (x.severity for x in ranked), key=lambda s: -s.rank
    )
    assert ranked[0].severity is Severity.HIGH and ranked[-1].severity is Severity.LOW
    assert {x.rule for x in ranked} == {Rule.OCCUPANCY, Rule.NO_COACHING, Rule.AHT}


def test_a_healthy_agent_raises_nothing() -> None:
    f = facts(
        weekly_occupancy=(0.7,) * 12,
        weekly_overtime_hours=(0.0,) * 12,
        esat_before=4.0,
        esat_now=4.1,
        qa_items=(QaItemFact("Empathy", 90, 5),),
        aht_s=310,
        team_median_aht_s=300,
        csat_before=88,
        csat_now=90,
        silence_breaches=1,
        team_silence_breaches=6,
        team_agents=6,
    )
    assert evaluate(f, T, TODAY) == []


# Settings ----------------------------------------------------------------------------------
def test_thresholds_come_from_settings_values() -> None:
    t = CoachingThresholds.from_settings(
        {"coaching.no_coaching_days": 21.0, "coaching.occupancy_max": 0.9, "other.key": 1}
    )
    assert t.no_coaching_days == 21 and isinstance(t.no_coaching_days, int)
    assert t.occupancy_max == 0.9 and t.esat_drop == CoachingThresholds().esat_drop
    assert no_coaching(facts(last_coaching=TODAY - timedelta(days=22)), t, TODAY) is not None


@pytest.mark.parametrize("bad", [{"occupancy_max": 1.5}, {"occupancy_weeks": 0}, {"esat_drop": -1}])
def test_invalid_thresholds_are_refused(bad: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError):
        CoachingThresholds(**bad)
