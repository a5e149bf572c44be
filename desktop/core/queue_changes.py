"""What changed on the queues between two moments ("what changed since I last looked").

Pure comparison of two sets of queue facts; the view decides which two (the snapshot shown
when the team lead last looked, a 15-minute history snapshot, now).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from desktop.core.sla import format_duration

__all__ = ["QueueChange", "QueueFacts", "compare"]

SL_POINTS = 0.05  # an SL move of 5 points or more is worth a line
WAIT_FACTOR = 2.0  # the longest wait doubling (and past a minute) is worth a line
WAITING_STEP = 5  # five more or fewer waiting contacts is worth a line


@dataclass(frozen=True)
class QueueFacts:
    """The figures of one queue that a team lead compares over time.

    Attributes:
        name: queue name.
        waiting: contacts waiting.
        longest_wait_s: longest current wait, seconds.
        service_level: SL as a fraction (None = no data).
        abandoned: abandoned contacts so far.
        staffing_gap: agents needed beyond those on the queue (negative = spare).
        breaches: labels of the figures in breach, e.g. ("longest wait",).
    """

    name: str
    waiting: int
    longest_wait_s: float | None
    service_level: float | None
    abandoned: int
    staffing_gap: int | None
    breaches: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueueChange:
    """One line of the comparison.

    Attributes:
        key: the queue.
        name: its name.
        text: e.g. "SL 85.0 % → 72.4 %".
        worse: True when the change is bad news (sorted first, shown in the warning colour).
    """

    key: Hashable
    name: str
    text: str
    worse: bool


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _wait(seconds: float | None) -> str:
    return "—" if seconds is None else format_duration(timedelta(seconds=seconds))


def _queue_changes(key: Hashable, old: QueueFacts, new: QueueFacts) -> list[QueueChange]:
    out: list[QueueChange] = []

    def add(text: str, worse: bool) -> None:
        out.append(QueueChange(key, new.name, text, worse))

    for label in sorted(set(new.breaches) - set(old.breaches)):
        add(f"{label} went into breach", True)
    for label in sorted(set(old.breaches) - set(new.breaches)):
        add(f"{label} back within its limit", False)
    if old.service_level is not None and new.service_level is not None:
        delta = new.service_level - old.service_level
        if abs(delta) >= SL_POINTS:
            add(f"SL {_pct(old.service_level)} → {_pct(new.service_level)}", delta < 0)
    if abs(new.waiting - old.waiting) >= WAITING_STEP:
        add(f"waiting {old.waiting} → {new.waiting}", new.waiting > old.waiting)
    old_wait, new_wait = old.longest_wait_s or 0.0, new.longest_wait_s or 0.0
    if max(old_wait, new_wait) >= 60 and (
        new_wait >= WAIT_FACTOR * old_wait or old_wait >= WAIT_FACTOR * new_wait
    ):
        add(
            f"longest wait {_wait(old.longest_wait_s)} → {_wait(new.longest_wait_s)}",
            new_wait > old_wait,
        )
    if new.abandoned - old.abandoned >= WAITING_STEP:
        add(f"{new.abandoned - old.abandoned} more abandoned", True)
    if old.staffing_gap is not None and new.staffing_gap is not None:
        if new.staffing_gap > 0 >= old.staffing_gap:
            add(f"now {new.staffing_gap} agent(s) short", True)
        elif old.staffing_gap > 0 >= new.staffing_gap:
            add("staffing now meets the target", False)
    return out


def compare(
    before: Mapping[Hashable, QueueFacts], after: Mapping[Hashable, QueueFacts]
) -> list[QueueChange]:
    """The notable changes from ``before`` to ``after``, bad news first, then by queue name.

    Queues that appeared or disappeared are reported too.
    """
    changes: list[QueueChange] = []
    for key, new in after.items():
        old = before.get(key)
        if old is None:
            changes.append(QueueChange(key, new.name, "new queue", False))
        else:
            changes.extend(_queue_changes(key, old, new))
    for key, old in before.items():
        if key not in after:
            changes.append(QueueChange(key, old.name, "no longer shown", False))
    changes.sort(key=lambda c: (not c.worse, c.name))
    return changes
