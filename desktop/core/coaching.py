"""Coaching indicators: explainable rules that flag an agent for a supervisor's attention.

Each rule reads plain facts about one agent (aggregated in SQL by ``db/queries``) and returns
at most one ``Flag`` per finding: one sentence with the numbers behind it, a suggested focus
and a severity. Thresholds are settings (``coaching.*``), collected in ``CoachingThresholds``.
Nothing here knows who is looking: the query layer leaves out facts the viewer may not see
(an agent's eSat for a team lead), and a rule without its facts stays silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Any

from desktop.core.coaching_facts import (
    AgentFacts,
    CoachingThresholds,
    FollowUpFact,
    QaItemFact,
    QueueChangeFact,
)
from desktop.core.sla import format_duration


class Severity(StrEnum):
    """How soon a flag deserves attention; ``rank`` orders the needs-attention list."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]


__all__ = [
    "AgentFacts",
    "CoachingThresholds",
    "Flag",
    "FollowUpFact",
    "QaItemFact",
    "QueueChangeFact",
    "Rule",
    "Severity",
    "evaluate",
    "follow_up_flags",
    "needs_attention",
    "topic_for",
]


class Rule(StrEnum):
    """The rules; values are stored in a coaching session's linked flags."""

    OCCUPANCY = "sustained_occupancy"
    OVERTIME = "overtime_rising"
    ESAT = "esat_down"
    NO_COACHING = "no_coaching"
    QA_ITEM = "qa_item_low"
    AHT = "aht_outlier"
    QUEUE_CHANGE = "after_queue_change"
    SILENCE = "silence_concentrated"
    FOLLOW_UP = "follow_up_due"


@dataclass(frozen=True)
class Flag:
    """One reason to look at an agent.

    Attributes:
        rule: which rule fired.
        employee_id / agent: who.
        severity: how soon.
        sentence: why, with the numbers behind it.
        focus: a suggested focus for the conversation.
        session_id: for a follow-up, the session it follows.
        due: for a follow-up, its date.
    """

    rule: Rule
    employee_id: int
    agent: str
    severity: Severity
    sentence: str
    focus: str
    session_id: int | None = None
    due: date | None = None

    @property
    def link(self) -> str:
        """How a coaching session records that it addressed this flag."""
        return f"{self.rule.value}: {self.sentence}"


# Figures arrive as floats: 0.70 - 0.62 is 0.0799999..., which must still count as 8 points.
_EPS = 1e-9


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.0f} %"


def _below(value: float, threshold: float) -> str:
    """A value under a threshold, with a decimal when rounding would make them look equal."""
    text = f"{value:.0f}"
    return f"{value:.1f}" if float(text) >= threshold else text


def _hours(value: float) -> str:
    return f"{value:.1f} h"


def _duration(seconds: float) -> str:
    from datetime import timedelta

    return format_duration(timedelta(seconds=round(seconds)))


def _trailing(values: Sequence[float | None], test: Any) -> int:
    """How many of the latest values, counted back from the newest, pass ``test``."""
    count = 0
    for value in reversed(values):
        if value is None or not test(value):
            break
        count += 1
    return count


def sustained_occupancy(f: AgentFacts, t: CoachingThresholds) -> Flag | None:
    """Occupancy above ``occupancy_max`` in each of the last ``occupancy_weeks`` weeks."""
    streak = _trailing(f.weekly_occupancy, lambda v: v > t.occupancy_max)
    if streak < t.occupancy_weeks:
        return None
    recent = [v for v in f.weekly_occupancy[-streak:] if v is not None]
    mean = sum(recent) / len(recent)
    shown = ", ".join(_pct(v) for v in recent[-t.occupancy_weeks :])
    severe = mean >= t.occupancy_max + 0.05 or streak >= 2 * t.occupancy_weeks
    return Flag(
        Rule.OCCUPANCY,
        f.employee_id,
        f.name,
        Severity.HIGH if severe else Severity.MEDIUM,
        f"Occupancy above {_pct(t.occupancy_max)} for {streak} weeks running "
        f"(latest weeks {shown}): burnout risk.",
        "Protect breaks and some off-queue time; ask how they are coping with the pace.",
    )


def overtime_rising(f: AgentFacts, t: CoachingThresholds) -> Flag | None:
    """Overtime higher each week for ``overtime_rising_weeks`` weeks, ending at or above
    ``overtime_min_hours``."""
    weeks = f.weekly_overtime_hours
    needed = t.overtime_rising_weeks + 1
    if len(weeks) < needed:
        return None
    recent = weeks[-needed:]
    if any(v is None for v in recent):
        return None
    values = [float(v) for v in recent if v is not None]
    rising = all(b > a for a, b in pairwise(values))
    if not rising or values[-1] < t.overtime_min_hours:
        return None
    return Flag(
        Rule.OVERTIME,
        f.employee_id,
        f.name,
        Severity.HIGH if values[-1] >= 2 * t.overtime_min_hours else Severity.MEDIUM,
        f"Overtime rose {t.overtime_rising_weeks} weeks running: "
        f"{', '.join(_hours(v) for v in values)} per week.",
        "Find out what keeps them late (backlog, handovers, shift fit) and rebalance work.",
    )


def esat_down(f: AgentFacts, t: CoachingThresholds) -> Flag | None:
    """The agent's eSat mean fell by at least ``esat_drop`` against the previous period."""
    if f.esat_now is None or f.esat_before is None:
        return None
    drop = f.esat_before - f.esat_now
    if drop < t.esat_drop - _EPS or drop <= 0:
        return None
    return Flag(
        Rule.ESAT,
        f.employee_id,
        f.name,
        Severity.HIGH if drop >= 2 * t.esat_drop else Severity.MEDIUM,
        f"eSat fell from {f.esat_before:.1f} to {f.esat_now:.1f} on 1-5 "
        f"(-{drop:.1f}) against the previous period.",
        "A one-to-one about workload, recognition and what changed; agree one thing to fix.",
    )


def no_coaching(f: AgentFacts, t: CoachingThresholds, today: date) -> Flag | None:
    """No held session for more than ``no_coaching_days`` (counted from hire if never)."""
    since = f.last_coaching or f.hire_date
    if since is None:
        return Flag(
            Rule.NO_COACHING,
            f.employee_id,
            f.name,
            Severity.MEDIUM,
            "No coaching session on record.",
            "Book a first one-to-one: strengths, one goal, a follow-up date.",
        )
    days = (today - since).days
    if days <= t.no_coaching_days:
        return None
    if f.last_coaching is not None:
        sentence = f"No coaching session for {days} days (last on {f.last_coaching:%d %b %Y})."
    else:
        sentence = f"Never coached since joining {days} days ago ({f.hire_date:%d %b %Y})."
    return Flag(
        Rule.NO_COACHING,
        f.employee_id,
        f.name,
        Severity.HIGH if days > 2 * t.no_coaching_days else Severity.MEDIUM,
        sentence + f" Threshold {t.no_coaching_days} days.",
        "Book a session: review recent QA and surveys together and set one goal.",
    )


def qa_items_low(f: AgentFacts, t: CoachingThresholds) -> list[Flag]:
    """Each rubric item whose mean is below ``qa_item_min_pct`` over enough reviews."""
    flags = []
    for item in f.qa_items:
        if item.reviews < t.qa_item_min_reviews or item.mean_pct >= t.qa_item_min_pct:
            continue
        flags.append(
            Flag(
                Rule.QA_ITEM,
                f.employee_id,
                f.name,
                Severity.HIGH if item.mean_pct < t.qa_item_min_pct - 20 else Severity.MEDIUM,
                f"QA item '{item.label}' averaged {_below(item.mean_pct, t.qa_item_min_pct)} % "
                f"over the last "
                f"{item.reviews} reviews (threshold {t.qa_item_min_pct:.0f} %).",
                f"Coach on '{item.label}': review a contact together and practise one behaviour.",
            )
        )
    return flags


def aht_outlier(f: AgentFacts, t: CoachingThresholds) -> Flag | None:
    """AHT far from the team median while CSAT moved by ``csat_move_points`` or more."""
    if None in (f.aht_s, f.team_median_aht_s, f.csat_now, f.csat_before):
        return None
    assert f.aht_s is not None and f.team_median_aht_s is not None
    assert f.csat_now is not None and f.csat_before is not None
    if f.team_median_aht_s <= 0:
        return None
    deviation = (f.aht_s - f.team_median_aht_s) / f.team_median_aht_s
    moved = f.csat_now - f.csat_before
    if abs(deviation) < t.aht_deviation - _EPS or abs(moved) < t.csat_move_points - _EPS:
        return None
    side = "above" if deviation > 0 else "below"
    verb = "fell" if moved < 0 else "rose"
    if moved >= 0:
        focus = "Learn what works and share it with the team; check the pace is sustainable."
        severity = Severity.LOW
    elif deviation > 0:
        focus = "Review long contacts together: holds, searches and after-contact work."
        severity = Severity.HIGH
    else:
        focus = "Short contacts and falling CSAT: check customers are not being rushed."
        severity = Severity.HIGH
    return Flag(
        Rule.AHT,
        f.employee_id,
        f.name,
        severity,
        f"AHT {_duration(f.aht_s)} is {abs(deviation) * 100:.0f} % {side} the team median "
        f"({_duration(f.team_median_aht_s)}) while CSAT {verb} from {f.csat_before:.0f} % to "
        f"{f.csat_now:.0f} %.",
        focus,
    )


def after_queue_change(f: AgentFacts, t: CoachingThresholds) -> list[Flag]:
    """CSAT or FCR fell by ``queue_change_drop_points`` since the agent started on a queue."""
    flags = []
    for change in f.queue_changes:
        parts = []
        worst = 0.0
        if change.csat_before is not None and change.csat_after is not None:
            drop = change.csat_before - change.csat_after
            if drop >= t.queue_change_drop_points - _EPS and drop > 0:
                parts.append(
                    f"CSAT fell from {change.csat_before:.0f} % to {change.csat_after:.0f} %"
                )
                worst = max(worst, drop)
        if change.fcr_before is not None and change.fcr_after is not None:
            drop = 100 * (change.fcr_before - change.fcr_after)
            if drop >= t.queue_change_drop_points - _EPS and drop > 0:
                parts.append(f"FCR fell from {_pct(change.fcr_before)} to {_pct(change.fcr_after)}")
                worst = max(worst, drop)
        if not parts:
            continue
        flags.append(
            Flag(
                Rule.QUEUE_CHANGE,
                f.employee_id,
                f.name,
                Severity.HIGH if worst >= 2 * t.queue_change_drop_points else Severity.MEDIUM,
                f"Since starting on {change.queue} on {change.changed_on:%d %b}, "
                + " and ".join(parts)
                + ".",
                f"A refresher on {change.queue}'s products and procedures; pair them with an "
                "experienced colleague for a few contacts.",
            )
        )
    return flags


def silence_concentrated(f: AgentFacts, t: CoachingThresholds) -> Flag | None:
    """A large share of the team's silence breaches on this agent's tickets."""
    team = f.team_silence_breaches
    if team < t.silence_min_breaches or f.team_agents < 3 or f.silence_breaches < 2:
        return None
    share = f.silence_breaches / team
    if share < t.silence_share - _EPS:
        return None
    return Flag(
        Rule.SILENCE,
        f.employee_id,
        f.name,
        Severity.HIGH if share >= min(1.0, 1.5 * t.silence_share) else Severity.MEDIUM,
        f"{f.silence_breaches} of the team's {team} silence breaches ({_pct(share)}) in the "
        f"period were on their tickets (threshold {_pct(t.silence_share)}).",
        "Keep customers posted: go through their open tickets together and plan updates.",
    )


def evaluate(facts: AgentFacts, thresholds: CoachingThresholds, today: date) -> list[Flag]:
    """Every flag the rules raise for one agent."""
    flags: list[Flag | None] = [
        sustained_occupancy(facts, thresholds),
        overtime_rising(facts, thresholds),
        esat_down(facts, thresholds),
        no_coaching(facts, thresholds, today),
        aht_outlier(facts, thresholds),
        silence_concentrated(facts, thresholds),
    ]
    found = [flag for flag in flags if flag is not None]
    found += qa_items_low(facts, thresholds)
    found += after_queue_change(facts, thresholds)
    return found


def follow_up_flags(
    follow_ups: Iterable[FollowUpFact], thresholds: CoachingThresholds, today: date
) -> list[Flag]:
    """Follow-ups due today or overdue, for the coach's needs-attention list."""
    flags = []
    for fu in follow_ups:
        late = (today - fu.due).days
        if late < 0:
            continue
        when = "due today" if late == 0 else f"overdue by {late} day{'s' if late != 1 else ''}"
        flags.append(
            Flag(
                Rule.FOLLOW_UP,
                fu.employee_id,
                fu.agent,
                Severity.HIGH if late >= thresholds.follow_up_overdue_days else Severity.MEDIUM,
                f"Follow-up of '{fu.topic}' {when} ({fu.due:%d %b}).",
                "Check progress on the goals agreed in that session.",
                fu.session_id,
                fu.due,
            )
        )
    return flags


_TOPICS = {
    Rule.OCCUPANCY: "Workload and breaks",
    Rule.OVERTIME: "Workload and breaks",
    Rule.ESAT: "Wellbeing check-in",
    Rule.NO_COACHING: "Regular one-to-one",
    Rule.AHT: "Call control and AHT",
    Rule.QUEUE_CHANGE: "New queue: products and procedures",
    Rule.SILENCE: "Keeping customers posted",
}


def topic_for(flag: Flag) -> str:
    """A session topic that addresses ``flag`` ("QA: Empathy", "Workload and breaks")."""
    if flag.rule is Rule.QA_ITEM:
        match = re.search(r"'(.+?)'", flag.sentence)
        return f"QA: {match.group(1)}" if match else "QA results"
    if flag.rule is Rule.FOLLOW_UP:
        match = re.search(r"'(.+?)'", flag.sentence)
        return f"Follow-up: {match.group(1)}" if match else "Follow-up"
    return _TOPICS[flag.rule]


_RULE_ORDER = {rule: i for i, rule in enumerate(Rule)}


def needs_attention(flags: Iterable[Flag]) -> list[Flag]:
    """Flags most severe first; then by rule and agent, so the list is stable."""
    return sorted(flags, key=lambda f: (-f.severity.rank, _RULE_ORDER[f.rule], f.agent))
