"""Time the demo generator and print one JSON line of figures.

    python benchmarks/demo_generate.py --scale small
    python benchmarks/demo_generate.py --scale large --database sqlite:////tmp/large.db
    python benchmarks/demo_generate.py --scale small --reset \
        --database postgresql://postgres@127.0.0.1/test

Without ``--database`` a fresh SQLite file in a temporary directory is used (and removed).
Progress goes to stderr; the JSON line to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db import migrate
from db.engine import Database, sqlite_url
from desktop.sources.demo import SCALES, generate_demo


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument(
        "--reset",
        action="store_true",
        help="downgrade and upgrade the schema first (drops all data)",
    )
    args = parser.parse_args(argv)

    tmp = None
    url = args.database
    if not url:
        tmp = tempfile.TemporaryDirectory(prefix="proximity-demo-")
        url = sqlite_url(Path(tmp.name) / "demo.db")
    db = Database(url)
    if args.reset:
        migrate.downgrade(db.engine)
    migrate.upgrade(db.engine)

    started = time.perf_counter()
    cpu = time.process_time()

    def progress(stage: str, fraction: float) -> None:
        elapsed = time.perf_counter() - started
        used = time.process_time() - cpu
        print(
            f"[{elapsed:7.1f} s, cpu {used:6.1f} s, {fraction * 100:5.1f} %] {stage}",
            file=sys.stderr,
            flush=True,
        )

    summary = generate_demo(db, scale=args.scale, seed=args.seed, progress=progress)
    seconds = time.perf_counter() - started
    size = None
    if db.is_sqlite and db.engine.url.database:
        size = os.path.getsize(db.engine.url.database)
    figures = {
        "scale": args.scale,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "tickets": summary.tickets,
        "open_tickets": summary.open_tickets,
        "contacts": summary.contacts,
        "agent_states": summary.agent_states,
        "ticket_events": summary.ticket_events,
        "notifications": summary.notifications,
        "customers": summary.customers,
        "customer_surveys": summary.customer_surveys,
        "employees": summary.employees,
        "queues": summary.queues,
        "backend": db.engine.dialect.name,
        "database_mb": round(size / 1e6, 1) if size else None,
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures))
    db.dispose()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
