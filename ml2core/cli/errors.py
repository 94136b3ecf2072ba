"""Errors the CLI reports as one line, with their exit codes."""

from __future__ import annotations

__all__ = ["EXIT_ERROR", "EXIT_USAGE", "CliError", "UsageError"]

EXIT_ERROR = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report as one line on stderr; ``exit_code`` 1."""

    exit_code = EXIT_ERROR


class UsageError(CliError):
    """The command line itself is wrong (unknown column, malformed value); exit code 2."""

    exit_code = EXIT_USAGE
