"""How noun modules declare their commands: a parser that fails in one line, and a registry.

Each noun module has ``register(registry)``; a command is a handler
``(session, args) -> Result | int | None`` attached to a sub-parser. The
registry adds the shared options to every command so they may follow the
verb (``ml2core network list --db-url …``), as ``openstack`` allows.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from ml2core.cli.errors import UsageError
from ml2core.cli.output import FORMATS, Result
from ml2core.cli.session import Session

__all__ = ["Handler", "Parser", "Registry", "add_common_options", "add_output_options"]

Handler = Callable[[Session, argparse.Namespace], "Result | int | None"]


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (exit code 2), raised as :class:`UsageError`."""

    def error(self, message: str) -> NoReturn:
        """Raise UsageError: ``<prog>: <message> (see '<prog> --help')``."""
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def add_common_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """``--config-file``, ``--db-url``, ``--debug`` (dests prefixed by ``prefix``; unset when absent)."""
    parser.add_argument(
        "--config-file",
        dest=f"{prefix}config_files",
        action="append",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="oslo.config file to read (as the controllers do); may be repeated, later files win",
    )
    parser.add_argument(
        "--db-url",
        dest=f"{prefix}db_url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="SQLAlchemy URL of the database (overrides [database] connection), "
        "e.g. sqlite:///ml2core.sqlite or postgresql+psycopg://user:pw@host/ml2core",
    )
    parser.add_argument(
        "--debug",
        dest=f"{prefix}debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log at DEBUG level and show tracebacks",
    )


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``-f/--format`` and ``-c/--column``."""
    group = parser.add_argument_group("output formatters")
    group.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        default="table",
        help="output format (default: table)",
    )
    group.add_argument(
        "-c",
        "--column",
        dest="columns",
        action="append",
        default=[],
        metavar="COLUMN",
        help="show only this column (may be repeated)",
    )


@dataclass
class Registry:
    """Where noun modules add their commands."""

    root: argparse._SubParsersAction[Parser]

    def noun(self, name: str, help: str) -> argparse._SubParsersAction[Parser]:
        """A noun (``network``) whose verbs are added with :meth:`command`."""
        parser = self.root.add_parser(name, help=help, description=help)
        verbs = parser.add_subparsers(dest="verb", metavar="VERB", title="commands")
        verbs.required = True
        return verbs

    def command(
        self,
        parent: argparse._SubParsersAction[Parser] | None,
        name: str,
        handler: Handler,
        help: str,
        description: str | None = None,
        *,
        output: bool = True,
    ) -> Parser:
        """A command ``name`` under ``parent`` (a noun's verbs, or the root when ``None``)."""
        where = parent if parent is not None else self.root
        parser = where.add_parser(
            name,
            help=help,
            description=description or help,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add_common_options(parser)
        if output:
            add_output_options(parser)
        parser.set_defaults(handler=handler)
        return parser
