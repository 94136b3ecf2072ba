"""``ml2core``: the operator CLI's entry point (argument parsing, dispatch, exit codes).

Exit codes: 0 success, 1 an error (the message of the ml2core exception,
on one line), 2 a usage error (unknown option, malformed value, unknown
column), 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from ml2core import __version__
from ml2core.cli import (
    agents,
    allocations,
    config_sample,
    db,
    demo,
    networks,
    ports,
    segment_ranges,
    subnets,
    topology,
)
from ml2core.cli.commands import Parser, Registry, add_common_options
from ml2core.cli.errors import EXIT_ERROR, CliError
from ml2core.cli.output import emit
from ml2core.cli.session import Session
from ml2core.exceptions import Ml2CoreError

__all__ = ["build_parser", "main"]

PROG = "ml2core"
DESCRIPTION = """\
Inspect and operate an ml2core deployment: networks, subnets, ports and their
bindings, agents, segment ranges and allocations, the database schema and the
sample configuration. Every command runs as admin on the database given by
--db-url or [database] connection of the --config-file files.

Start with:  ml2core demo
"""


def build_parser() -> Parser:
    """The full ``ml2core`` argument parser."""
    parser = Parser(
        prog=PROG,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ml2core {__version__}")
    add_common_options(parser, prefix="global_")
    root = parser.add_subparsers(dest="noun", metavar="COMMAND", title="commands", parser_class=Parser)
    root.required = True
    registry = Registry(root)
    for module in (
        networks,
        subnets,
        ports,
        agents,
        segment_ranges,
        allocations,
        topology,
        db,
        config_sample,
        demo,
    ):
        module.register(registry)
    return parser


class _Formatter(logging.Formatter):
    """Log lines without tracebacks unless ``--debug``: errors stay one line."""

    def __init__(self, debug: bool) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.debug = debug

    def format(self, record: logging.LogRecord) -> str:
        if not self.debug:
            record = logging.makeLogRecord(record.__dict__)
            record.exc_info = None
            record.exc_text = None
        return super().format(record)


#: Chatty libraries: driver discovery (about 100 lines a command) and alembic's
#: per-connection notes stay out of ``--debug`` unless they warn.
_QUIET = ("stevedore", "alembic")


def _setup_logging(debug: bool, err: TextIO) -> tuple[logging.Handler, int]:
    handler = logging.StreamHandler(err)
    handler.setFormatter(_Formatter(debug))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.ERROR)
    if debug:
        for name in _QUIET:
            logging.getLogger(name).setLevel(logging.WARNING)
    return handler, previous


def _error(err: TextIO, message: str, exc: BaseException, debug: bool) -> None:
    """One line; with ``--debug`` the traceback first."""
    if debug:
        traceback.print_exception(exc, file=err)
    err.write(message)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``ml2core`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out):  # --help and --version print to stdout
            args = parser.parse_args(args_list)
    except CliError as exc:
        err.write(f"{PROG}: error: {_one_line(str(exc))}\n")
        return exc.exit_code
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    ns = vars(args)
    debug = bool(ns.get("global_debug") or ns.get("debug"))
    session = Session(
        [*ns.get("global_config_files", []), *ns.get("config_files", [])],
        ns.get("db_url") if ns.get("db_url") is not None else ns.get("global_db_url"),
        out=out,
        err=err,
    )
    handler, level = _setup_logging(debug, err)
    try:
        result = args.handler(session, args)
        if isinstance(result, int):
            return result
        emit(result, getattr(args, "format", "table"), getattr(args, "columns", []), out)
        return 0
    except CliError as exc:
        _error(err, f"{PROG}: error: {_one_line(str(exc))}\n", exc, debug)
        return exc.exit_code
    except Ml2CoreError as exc:
        _error(err, f"{PROG}: error: {_one_line(str(exc))}\n", exc, debug)
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as exc:
        hint = "" if debug else " (--debug shows the traceback)"
        _error(err, f"{PROG}: error: {type(exc).__name__}: {_one_line(str(exc))}{hint}\n", exc, debug)
        return EXIT_ERROR
    finally:
        session.close()
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)
        if debug:
            for name in _QUIET:
                logging.getLogger(name).setLevel(logging.NOTSET)


if __name__ == "__main__":
    sys.exit(main())
