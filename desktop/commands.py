"""Headless commands behind the command line (no Qt widgets here)."""

from __future__ import annotations

import argparse
import logging
import sys

from desktop.config import Settings, describe, token_source

log = logging.getLogger(__name__)


def _fail(message: str, code: int = 1) -> int:
    print(f"proximity: {message}", file=sys.stderr)
    return code


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Create (or upgrade) the schema and fill it with the demo data set."""
    from db.errors import DatabaseError
    from desktop.bootstrap import open_database
    from desktop.sources.demo import generate_demo

    def progress(stage: str, fraction: float) -> None:
        print(f"[{fraction * 100:5.1f} %] {stage}", flush=True)

    try:
        db = open_database(settings)
        summary = generate_demo(db, scale=args.scale, seed=args.seed, progress=progress)
    except (DatabaseError, ValueError) as exc:
        return _fail(str(exc))
    print(summary)
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    """Upgrade, show or downgrade the schema."""
    from db import migrate
    from db.engine import Database
    from db.errors import DatabaseError
    from desktop.bootstrap import database_url

    try:
        db = Database(database_url(settings))
        if args.action == "upgrade":
            migrate.upgrade(db.engine, args.revision or "head")
        elif args.action == "downgrade":
            migrate.downgrade(db.engine, args.revision or "base")
        current = migrate.current_revision(db.engine)
        print(
            f"{db.display_name}: schema revision {current or '(empty)'}, "
            f"latest {migrate.head_revision(db.engine)}"
        )
    except DatabaseError as exc:
        return _fail(exc.user_message)
    except Exception as exc:  # noqa: BLE001 - report driver errors plainly on the CLI
        return _fail(f"database error: {exc}")
    return 0


def cmd_config(settings: Settings, args: argparse.Namespace) -> int:
    """Print the effective configuration, or validate it and test the database."""
    if args.action == "show":
        print(describe(settings, token_source))
        return 0
    from sqlalchemy import text

    from db import migrate
    from db.engine import Database
    from desktop.bootstrap import database_url
    from desktop.config_check import check_settings

    findings = check_settings(settings, token_source)
    errors = [f for f in findings if f.severity == "error"]
    source = settings.config_file or "no file; defaults and environment"
    print(f"configuration: {'FAILED' if errors else 'OK'} ({source})")
    for finding in findings:
        print(f"  {finding.severity}: {finding.text}")
    try:
        db = Database(database_url(settings))
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = migrate.current_revision(db.engine), migrate.head_revision(db.engine)
        db.dispose()
    except Exception as exc:  # noqa: BLE001 - the check reports any failure
        return _fail(f"database: cannot connect: {exc}")
    state = "up to date" if current == head else f"will be upgraded to {head} on start"
    print(f"database: OK ({db.display_name}; schema {current or '(empty)'}, {state})")
    return 1 if errors else 0


def cmd_notifier(settings: Settings, args: argparse.Namespace) -> int:
    """Run the notification dispatcher headless until SIGTERM/SIGINT."""
    try:
        from desktop.notify.service import run_headless
    except ImportError:
        return _fail("the notification dispatcher is not available in this build yet")
    return run_headless(settings)


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import tickets, pulse surveys or QA results from a CSV file."""
    try:
        from desktop.sources.csv_import import run_import_cli
    except ImportError:
        return _fail("CSV import is not available in this build yet")
    return run_import_cli(settings, args)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Export supervisor scorecards to CSV or PDF."""
    try:
        from desktop.ui.export import run_export_cli
    except ImportError:
        return _fail("export is not available in this build yet")
    return run_export_cli(settings, args)
