"""Facts about the machine and the software a run measured, for the JSON and the report."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sqlite3
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.backends import Backend
from benchmarks.neutron import NeutronPeer
from benchmarks.probe import REPO_ROOT


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def collect(backends: Sequence[Backend], peer: NeutronPeer | None) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "ml2core_commit": _git_commit(),
        "sqlalchemy": _version("SQLAlchemy"),
        "sqlite_library": sqlite3.sqlite_version,
        "psycopg": _version("psycopg"),
        "pymysql": _version("PyMySQL"),
        "neutron": peer.version if peer else "not run",
        "neutron_pg_driver": peer.pg_driver if peer else None,
    }
    for backend in backends:
        try:
            facts[f"server_{backend.name}"] = backend.version()
        except Exception as exc:  # a fact we could not read is not a failure
            facts[f"server_{backend.name}"] = f"unknown ({type(exc).__name__})"
    return facts


def describe(facts: dict[str, Any]) -> str:
    servers = ", ".join(str(v).split(" on ")[0] for k, v in facts.items() if k.startswith("server_"))
    return (
        f"{facts['cpus']} x {facts['cpu']}, Linux {facts['kernel']}, Python {facts['python']}, "
        f"SQLAlchemy {facts['sqlalchemy']}; {servers}; {facts['neutron']}; "
        f"ml2core {facts['ml2core_commit']}"
    )
