"""Command line: the GUI by default, plus the headless commands IT and scripts use.

Heavy modules (Qt, SQLAlchemy, twilio) are imported inside the command that needs them, so
``proximity --help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys


def version() -> str:
    """The package version (pyproject.toml takes it from here: one source, no metadata look-up
    on every start)."""
    from desktop import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="proximity",
        description=(
            "Proximity: live queues, open tickets, workload, customer status notifications "
            "and supervisor indicators. Without a command, opens the dashboard."
        ),
    )
    parser.add_argument("--version", action="version", version=f"proximity {version()}")
    parser.add_argument(
        "--database", metavar="URL", help="database URL (SQLite file or PostgreSQL)"
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    parser.add_argument("--user", metavar="USERNAME", help="act as this employee")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="start offscreen, build every view, load its data once, exit 0 on success",
    )
    parser.add_argument(
        "--self-test-timeout", type=float, default=120.0, metavar="S", help=argparse.SUPPRESS
    )
    # For benchmarks/startup.py: exit once the first view has painted its data.
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="fill an empty database with the demo data set")
    demo.add_argument("--scale", choices=["small", "large"], default="small")
    demo.add_argument("--seed", type=int, default=7)

    dbp = sub.add_parser("db", help="database schema: upgrade, current revision, downgrade")
    dbp.add_argument("action", choices=["upgrade", "current", "downgrade"])
    dbp.add_argument("--revision", default=None, help="target revision (default head / base)")

    sub.add_parser("notifier", help="run the notification dispatcher headless")

    imp = sub.add_parser("import", help="import tickets, pulse surveys or QA results from CSV")
    imp.add_argument("kind", choices=["tickets", "pulse", "qa"])
    imp.add_argument("file")
    imp.add_argument("--mapping", help="column mapping: proximity, zendesk, freshdesk or a file")
    imp.add_argument("--valid-rows", action="store_true", help="import the valid rows anyway")

    cfg = sub.add_parser("config", help="show or check the effective configuration")
    cfg.add_argument("action", choices=["show", "check"])

    exp = sub.add_parser("export", help="export scorecards")
    exp.add_argument("what", choices=["scorecards"])
    exp.add_argument("--team", required=True)
    exp.add_argument("--period", default="30d")
    exp.add_argument("--format", choices=["pdf", "csv"], default="csv")
    exp.add_argument("--out", required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``proximity`` console script and ``python -m desktop``."""
    args = build_parser().parse_args(argv)
    if args.command is not None or not gc.isenabled():
        return _run(args)
    # Start-up allocates hundreds of thousands of long-lived objects (modules, classes,
    # SQLAlchemy mappers, Qt wrappers) and little garbage: without the collector's repeated
    # passes over them the window shows its data sooner. The app turns it back on, freezing
    # what start-up made, once the first view has loaded (desktop.app.end_startup_pause).
    gc.disable()
    # The charts' arrays are tiny: one BLAS thread, not a pool per core started while numpy
    # loads (and spinning beside the GUI thread on a shared machine). A user's setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        return _run(args)
    finally:
        gc.enable()  # also when the window closed before its first data


def _run(args: argparse.Namespace) -> int:
    from desktop import crash, logging_setup
    from desktop.config import ConfigError, load_settings

    # A windowed start (no terminal) shows start-up failures in a dialog, or nobody sees them.
    gui_without_terminal = (
        args.command is None and not args.self_test and not logging_setup.started_from_terminal()
    )
    try:
        settings = load_settings(
            cli={"database.url": args.database, "user.name": args.user},
            config_file=args.config,
        )
    except ConfigError as exc:
        logging_setup.configure_logging(None)
        logging.getLogger("proximity").error("configuration error: %s", exc)
        print(f"proximity: configuration error: {exc}", file=sys.stderr)
        if gui_without_terminal:
            from desktop.ui.crash_dialog import show_blocking_error

            show_blocking_error("Proximity: configuration error", str(exc))
        return 2
    if args.command is None:
        from desktop.bootstrap import load_data_layer

        load_data_layer(settings)  # see its docstring
        import desktop.ui  # noqa: F401 - Qt with its import-hook workaround, before any thread
    log_path = logging_setup.configure_logging(settings, **logging_setup.console_for(args.command))
    logging.getLogger("proximity").info("Proximity %s: %s", version(), args.command or "GUI")
    preparing = None
    if args.command is None:
        from desktop.bootstrap import prepare_in_background

        # The database opens while Qt loads and the window is built.
        preparing = prepare_in_background(settings)
    fallback = None
    if gui_without_terminal:
        from desktop.ui.crash_dialog import blocking_presenter as fallback
    crash.install(log_path, fallback)

    from desktop import commands

    if args.command is None:
        from desktop.app import run_gui

        return run_gui(
            settings,
            self_test=args.self_test or args.startup_probe,
            timeout_s=args.self_test_timeout,
            first_view_only=args.startup_probe,
            preparing=preparing,
        )
    handler = getattr(commands, f"cmd_{args.command}")
    return int(handler(settings, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
