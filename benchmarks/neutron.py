"""Neutron's ML2 as the measurement peer: its own virtualenv, the peer harness's scripts.

Neutron is never a dependency of ml2core. Its virtualenv lives outside the
repository (default ``~/.cache/ml2core-bench/neutron-venv``); when it is
missing it is created and ``neutron`` plus the database drivers are
pip-installed into it. Its scripts come from the peer harness
(``shared/peers/neutron-bench/scripts``), each printing one ``RESULT {json}``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.probe import ProbeError, run_command

DEFAULT_VENV = Path.home() / ".cache" / "ml2core-bench" / "neutron-venv"
DEFAULT_SCRIPTS = Path(__file__).resolve().parents[2] / "shared" / "peers" / "neutron-bench" / "scripts"
SCRIPTS = ("nbcommon.py", "bench_sync.py", "bench_alloc.py", "bench_concurrency.py")
# What the venv needs: the package, then the drivers for the servers. psycopg2
# is what Neutron deployments on PostgreSQL use; psycopg 3 is the fallback.
REQUIREMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("neutron", ("neutron",)),
    ("pymysql", ("PyMySQL",)),
    ("psycopg2", ("psycopg2-binary",)),
)
INSTALL_TIMEOUT_S = 1800


@dataclass(frozen=True)
class NeutronPeer:
    python: Path
    scripts: Path
    version: str
    pg_driver: str
    workdir: Path

    def run(self, script: str, args: Sequence[str], *, timeout: float = 900) -> dict[str, Any]:
        """Run one peer script: its RESULT record, or ProbeError (also if it reports ``error``)."""
        env = dict(os.environ)
        env["PYTHONWARNINGS"] = "ignore"
        env["TMPDIR"] = str(self.workdir)  # bench_concurrency leaves a mkdtemp() folder behind
        env.pop("PYTHONPATH", None)
        record = run_command(
            [str(self.python), str(self.scripts / script), *args],
            timeout=timeout,
            cwd=self.workdir,
            env=env,
        )
        if record.get("error"):
            raise ProbeError(str(record["error"]).splitlines()[0][:300])
        return record

    def driver_for(self, backend: str) -> str:
        return {"postgresql": self.pg_driver, "mariadb": "mysql+pymysql"}.get(backend, "sqlite")


def _missing_modules(python: Path) -> list[str]:
    names = [module for module, _ in REQUIREMENTS]
    code = (
        "import importlib.util,sys\n"
        f"print(' '.join(m for m in {names!r} if importlib.util.find_spec(m) is None))"
    )
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        return names
    return done.stdout.split()


def _pip_install(python: Path, packages: Sequence[str], log: Callable[[str], None]) -> bool:
    log(f"neutron peer: pip install {' '.join(packages)} into {python.parent.parent}")
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", *packages],
        capture_output=True,
        text=True,
        check=False,
        timeout=INSTALL_TIMEOUT_S,
    )
    if done.returncode != 0:
        log(f"neutron peer: pip install failed: {done.stderr.strip().splitlines()[-1:]}")
    return done.returncode == 0


def _version(python: Path) -> str:
    code = "import importlib.metadata as m; print(m.version('neutron'), m.version('neutron-lib'))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False, timeout=120)
    parts = done.stdout.split()
    return f"neutron {parts[0]}, neutron-lib {parts[1]}" if len(parts) == 2 else "neutron (version unknown)"


def locate(
    venv: Path, scripts: Path, workdir: Path, *, install: bool, log: Callable[[str], None]
) -> tuple[NeutronPeer | None, str]:
    """The peer ready to run, or ``None`` and the reason it cannot run here."""
    missing_scripts = [s for s in SCRIPTS if not (scripts / s).is_file()]
    if missing_scripts:
        return None, f"peer scripts not found in {scripts} ({', '.join(missing_scripts)})"
    python = venv / "bin" / "python"
    if not python.exists():
        if not install:
            return None, f"no Neutron virtualenv at {venv} (installation disabled)"
        log(f"neutron peer: creating virtualenv {venv}")
        venv.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            return None, f"cannot create a virtualenv at {venv}: {done.stderr.strip()[:200]}"
        _pip_install(python, ["-U", "pip", "wheel", "setuptools"], log)
    missing = _missing_modules(python)
    if missing and install:
        packages = [pkg for module, pkgs in REQUIREMENTS if module in missing for pkg in pkgs]
        _pip_install(python, packages, log)
        if "psycopg2" in _missing_modules(python):
            _pip_install(python, ["psycopg[binary]"], log)
        missing = _missing_modules(python)
    if "neutron" in missing:
        return None, f"neutron is not installed in {venv}"
    pg_driver = "postgresql+psycopg2" if "psycopg2" not in missing else "postgresql+psycopg"
    return NeutronPeer(python, scripts, _version(python), pg_driver, workdir), ""
