"""The demo database the live benchmarks run on: built once, reused afterwards.

``python benchmarks/live_db.py --scale large`` builds /tmp/proximity-large.db (minutes) into
a temporary file and renames it when complete, so an interrupted build is never reused.
A reused database gets any index the current models define that it lacks.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from db import migrate  # noqa: E402
from db.engine import Database, sqlite_url  # noqa: E402
from db.models import AppMeta, Base  # noqa: E402


def default_path(scale: str) -> Path:
    return Path(f"/tmp/proximity-{scale}.db")


def busy_afternoon(now: datetime | None = None) -> datetime:
    """The latest weekday 15:00 UTC before ``now``: a busy moment on every continent's day."""
    now = now or datetime.now(UTC)
    moment = now.replace(hour=15, minute=0, second=0, microsecond=0)
    if moment > now:
        moment -= timedelta(days=1)
    while moment.isoweekday() > 5:
        moment -= timedelta(days=1)
    return moment


def ensure_indexes(db: Database) -> list[str]:
    """Create the indexes the models define that a reused database lacks."""
    created = []
    with db.engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            for index in table.indexes:
                exists = conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                    (index.name,),
                ).first()
                if exists is None:
                    index.create(conn)
                    created.append(str(index.name))
        if created:
            conn.exec_driver_sql("ANALYZE")
    return created


def demo_now(db: Database) -> datetime:
    """The moment the demo history ends (``now`` of the generator)."""
    with db.read() as session:
        value = session.scalar(select(AppMeta.value).where(AppMeta.key == "demo_generated_at"))
    if value is None:
        raise SystemExit(f"{db.display_name} is not a finished demo database")
    return datetime.fromisoformat(value)


def build_or_reuse(scale: str, path: Path | None = None, quiet: bool = False) -> Path:
    """The demo database of ``scale`` at ``path``, built when missing."""
    from desktop.sources.demo import generate_demo

    path = path or default_path(scale)
    if path.exists():
        db = Database(sqlite_url(path))
        created = ensure_indexes(db)
        db.dispose()
        if created and not quiet:
            print(f"added indexes: {', '.join(created)}", file=sys.stderr)
        return path
    partial = path.with_suffix(".building")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    db = Database(sqlite_url(partial))
    migrate.upgrade(db.engine)
    started = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        if not quiet:
            print(f"[{fraction * 100:5.1f} %] {stage}", file=sys.stderr, flush=True)

    generate_demo(db, scale=scale, now=busy_afternoon(), progress=progress)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    raw = db.engine.raw_connection()
    try:  # outside any transaction: fold the WAL into the file the benchmark reopens
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    db.dispose()
    partial.rename(path)
    if not quiet:
        print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=("tiny", "small", "large"))
    parser.add_argument("--path", type=Path, default=None)
    args = parser.parse_args()
    print(build_or_reuse(args.scale, args.path))


if __name__ == "__main__":
    main()
