"""What changed since I last looked: notable moves only, bad news first."""

from __future__ import annotations

from desktop.core.queue_changes import QueueFacts, compare


def facts(**kw) -> QueueFacts:  # type: ignore[no-untyped-def]
    base = dict(
        name="Voice",
        waiting=2,
        longest_wait_s=30.0,
        service_level=0.85,
        abandoned=3,
        staffing_gap=0,
        breaches=(),
    )
    base.update(kw)
    return QueueFacts(**base)  # type: ignore[arg-type]


def test_small_moves_are_not_news() -> None:
    assert compare({1: facts()}, {1: facts(waiting=4, service_level=0.83, abandoned=5)}) == []


def test_notable_changes_bad_news_first() -> None:
    before = {1: facts(), 2: facts(name="Chat", breaches=("waiting",), staffing_gap=2)}
    after = {
        1: facts(
            service_level=0.72,
            waiting=9,
            longest_wait_s=150.0,
            abandoned=9,
            staffing_gap=3,
            breaches=("longest wait",),
        ),
        2: facts(name="Chat", staffing_gap=-1),
        3: facts(name="SMS"),
    }
    lines = [(c.name, c.text, c.worse) for c in compare(before, after)]
    assert lines[:6] == [
        ("Voice", "longest wait went into breach", True),
        ("Voice", "SL 85.0 % → 72.0 %", True),
        ("Voice", "waiting 2 → 9", True),
        ("Voice", "longest wait 30 s → 2 m 30 s", True),
        ("Voice", "6 more abandoned", True),
        ("Voice", "now 3 agent(s) short", True),
    ]
    assert ("Chat", "waiting back within its limit", False) in lines
    assert ("Chat", "staffing now meets the target", False) in lines
    assert ("SMS", "new queue", False) in lines
    assert [c.text for c in compare({4: facts(name="Old")}, {})] == ["no longer shown"]
