"""The local 15-minute history: round trip, one snapshot per slot, damaged files survive."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from db.engine import Database
from db.queries.queues import queues_snapshot
from desktop.core.intraday import TimeWindow
from desktop.ui import queues_history as history
from tests.ui.live_demo import DEMO_NOW, demo_db, tiny_demo_file  # noqa: F401


def test_round_trip_and_today_normalisation(demo_db: Database, tmp_path: Path) -> None:  # noqa: F811
    with demo_db.read() as s:
        today = queues_snapshot(s, DEMO_NOW)
        recent = queues_snapshot(s, DEMO_NOW, TimeWindow.LAST_30_MIN)
    assert history.from_json(history.to_json(today)) == today
    kept = history.as_today(recent)
    assert kept.window is TimeWindow.TODAY
    assert [q.volumes for q in kept.queues] == [q.today for q in recent.queues]
    path = tmp_path / "h" / "day.jsonl"
    history.append_point(path, kept)
    with path.open("a", encoding="utf-8") as f:
        f.write('{"broken": \n')  # a half-written line (power cut) is skipped, not fatal
    history.append_point(path, replace(kept, at=kept.at + timedelta(minutes=15)))
    points = history.load_points(path)
    assert [p.at for p in points] == [kept.at, kept.at + timedelta(minutes=15)]
    look = tmp_path / "h" / "look.json"
    history.save_last_look(look, today)
    assert history.load_last_look(look) == today
    look.write_text("garbage", encoding="utf-8")
    assert history.load_last_look(look) is None


def test_one_snapshot_per_quarter_hour(demo_db: Database) -> None:  # noqa: F811
    with demo_db.read() as s:
        snap = queues_snapshot(s, DEMO_NOW)
    keep = history.QueueHistory()
    assert keep.due(snap)
    keep.add(snap)
    assert not keep.due(replace(snap, at=DEMO_NOW + timedelta(minutes=14, seconds=59)))
    assert keep.due(replace(snap, at=DEMO_NOW + timedelta(minutes=15)))


def test_old_day_files_are_pruned(tmp_path: Path) -> None:
    key = "abc"
    old = history.day_file(tmp_path, key, date(2026, 11, 1))
    new = history.day_file(tmp_path, key, date(2026, 11, 22))
    for p in (old, new):
        p.write_text("", encoding="utf-8")
    history.prune(tmp_path, key, date(2026, 11, 23))
    assert not old.exists() and new.exists()
