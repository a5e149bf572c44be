"""Local history of the queues view: a snapshot every 15 minutes, and the last look.

Kept in memory and in small JSON-lines files in the user data directory (one per database
and day), so the day can be replayed after a restart and "what changed since I last looked"
survives closing the app. The files hold only queue figures, no customer data. The
functions that touch files run on a worker (``TaskRunner``), never in a slot.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from db.queries.queue_figures import SourceAge, StaffingInputs, Volumes
from db.queries.queues import QueueLine, QueueSettings, QueuesSnapshot
from desktop.core.intraday import INTERVAL_SECONDS, TimeWindow

log = logging.getLogger(__name__)
KEEP_DAYS = 7


def history_dir() -> Path:
    """<user data dir>/history (created on demand)."""
    from platformdirs import user_data_path

    return user_data_path("Proximity", "Proximity") / "history"


def database_key(url: str) -> str:
    """A short stable name for a database (a hash: no host or password in a file name)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def day_file(folder: Path, key: str, day: date) -> Path:
    return folder / f"queues-{key}-{day.isoformat()}.jsonl"


def last_look_file(folder: Path, key: str) -> Path:
    return folder / f"queues-{key}-last-look.json"


def slot_of(at: datetime) -> int:
    """The 15-minute slot number of an instant (snapshots are kept one per slot)."""
    return int(at.timestamp() // INTERVAL_SECONDS)


# (De)serialisation ---------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$t" in value:
            return time.fromisoformat(value["$t"])
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return value


def _line(d: dict[str, Any]) -> QueueLine:
    settings = d.get("settings")
    return QueueLine(
        **{
            **d,
            "queue_ids": tuple(d["queue_ids"]),
            "settings": QueueSettings(**settings) if settings else None,
            "volumes": Volumes(**d["volumes"]),
            "today": Volumes(**d["today"]),
            "staffing": StaffingInputs(**d["staffing"]),
        }
    )


def to_json(snapshot: QueuesSnapshot) -> str:
    """One line of JSON for a snapshot."""
    return json.dumps(_plain(asdict(snapshot)), separators=(",", ":"))


def from_json(text: str) -> QueuesSnapshot:
    """The snapshot of one JSON line (raises ValueError/KeyError/TypeError when malformed)."""
    d = _typed(json.loads(text))
    return QueuesSnapshot(
        at=d["at"],
        window=TimeWindow(d["window"]),
        queues=tuple(_line(x) for x in d["queues"]),
        channels=tuple(_line(x) for x in d["channels"]),
        total=_line(d["total"]),
        sources=tuple(SourceAge(**x) for x in d["sources"]),
    )


def as_today(snapshot: QueuesSnapshot) -> QueuesSnapshot:
    """The snapshot with its volumes over "today", whatever window was on screen: the
    history is one consistent day."""
    if snapshot.window is TimeWindow.TODAY:
        return snapshot

    def today(line: QueueLine) -> QueueLine:
        return replace(line, volumes=line.today, window_start=None)

    return replace(
        snapshot,
        window=TimeWindow.TODAY,
        queues=tuple(today(x) for x in snapshot.queues),
        channels=tuple(today(x) for x in snapshot.channels),
        total=today(snapshot.total),
    )


# Files (worker side) --------------------------------------------------------------------------
def append_point(path: Path, snapshot: QueuesSnapshot) -> None:
    """Append one snapshot to a day file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(to_json(snapshot) + "\n")


def load_points(path: Path) -> list[QueuesSnapshot]:
    """Every readable snapshot of a day file, oldest first (a damaged line is skipped)."""
    if not path.is_file():
        return []
    points = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            points.append(from_json(text))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("skipping damaged history line %s:%d: %s", path.name, number, exc)
    points.sort(key=lambda p: p.at)
    return points


def save_last_look(path: Path, snapshot: QueuesSnapshot) -> None:
    """Remember what the team lead saw last (written atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary name of its own per write: two saves at once (two workers, two windows)
    # must not rename each other's half-written file away.
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    partial = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(to_json(snapshot))
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def load_last_look(path: Path) -> QueuesSnapshot | None:
    try:
        return from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable last-look file %s: %s", path, exc)
        return None


def prune(folder: Path, key: str, today: date) -> None:
    """Delete day files older than a week."""
    if not folder.is_dir():
        return
    oldest = today - timedelta(days=KEEP_DAYS)
    for path in folder.glob(f"queues-{key}-*.jsonl"):
        try:
            day = date.fromisoformat(path.stem[-10:])
        except ValueError:
            continue
        if day < oldest:
            path.unlink(missing_ok=True)


@dataclass
class LoadedHistory:
    """What a worker read for the view at start."""

    points: list[QueuesSnapshot]
    last_look: QueuesSnapshot | None


def load_history(folder: Path, key: str, today: date) -> LoadedHistory:
    """Worker function: today's points and the last look; old day files are pruned."""
    prune(folder, key, today)
    return LoadedHistory(
        load_points(day_file(folder, key, today)), load_last_look(last_look_file(folder, key))
    )


class QueueHistory:
    """Today's 15-minute snapshots in memory; says when the next one is due."""

    def __init__(self) -> None:
        self.points: list[QueuesSnapshot] = []
        self._slots: set[int] = set()

    def extend(self, points: list[QueuesSnapshot]) -> None:
        for p in points:
            if slot_of(p.at) not in self._slots:
                self._slots.add(slot_of(p.at))
                self.points.append(p)
        self.points.sort(key=lambda p: p.at)

    def due(self, snapshot: QueuesSnapshot) -> bool:
        """True for the first live snapshot of a 15-minute slot not yet kept."""
        return slot_of(snapshot.at) not in self._slots

    def add(self, snapshot: QueuesSnapshot) -> QueuesSnapshot:
        """Keep the snapshot (as "today") and return what was kept."""
        kept = as_today(snapshot)
        self.extend([kept])
        return kept

    def for_day(self, day: date) -> list[QueuesSnapshot]:
        return [p for p in self.points if p.at.astimezone().date() == day]
