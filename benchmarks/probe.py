"""Run a measurement in a fresh Python process and read its one ``RESULT {json}`` line.

Both sides use this protocol: ml2core's probes (``benchmarks/*_probe.py``, run
with this interpreter) and Neutron's scripts (run with Neutron's interpreter).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "RESULT "


class ProbeError(Exception):
    """The process failed or printed no result; the message is short and printable."""


def emit(record: Mapping[str, Any]) -> None:
    """Print the result line a probe hands back (call once, at the end)."""
    print(RESULT_PREFIX + json.dumps(record), flush=True)


def run_command(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``argv``; return the JSON of its last ``RESULT`` line, or raise ProbeError."""
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProbeError(f"timed out after {timeout:.0f} s") from exc
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        raise ProbeError(f"exit {done.returncode}, no result: {_last_error_line(done.stderr)}")
    record: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX) :])
    record.setdefault("_returncode", done.returncode)
    return record


def run_probe(module: str, args: Sequence[str], *, timeout: float = 600) -> dict[str, Any]:
    """Run ``python -m benchmarks.<module> ARGS`` with this interpreter, in a fresh process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONWARNINGS", "ignore")
    return run_command(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        timeout=timeout,
        cwd=REPO_ROOT,
        env=env,
    )


def _last_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line[:300]
    return lines[-1][:300] if lines else "(no output)"
