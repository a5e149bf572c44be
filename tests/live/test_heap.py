"""Settling the heap: what exists at start-up is exempt from later full collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from desktop.live.heap import settle_after_startup


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_long_lived_objects_leave_the_collectors_reach(unfrozen: None) -> None:
    survivor = [[n] for n in range(1000)]  # tracked containers alive at "start-up"
    before = sum(len(gc.get_objects(generation)) for generation in range(3))
    frozen = settle_after_startup()
    assert frozen == gc.get_freeze_count() and frozen >= len(survivor)
    remaining = sum(len(gc.get_objects(generation)) for generation in range(3))
    assert remaining < before / 10  # a full pass now walks almost nothing


def test_garbage_made_afterwards_is_still_collected(unfrozen: None) -> None:
    settle_after_startup()

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a reference cycle only the collector can free
    del a, b
    assert gc.collect() >= 2


def test_the_collector_paused_for_start_up_runs_again(unfrozen: None) -> None:
    gc.disable()
    try:
        settle_after_startup()
        assert gc.isenabled()
    finally:
        gc.enable()
