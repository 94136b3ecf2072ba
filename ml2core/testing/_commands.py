"""Running a command for a test host: one helper and its error (internal to ml2core.testing)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence


class HostError(RuntimeError):
    """A command that set up or inspected a test host failed (stderr in the message)."""


def run_command(
    argv: Sequence[str],
    *,
    check: bool = True,
    timeout: float = 30.0,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input_text,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise HostError(f"{' '.join(argv)}: timed out after {timeout} s") from exc
    if check and proc.returncode != 0:
        raise HostError(
            f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc
