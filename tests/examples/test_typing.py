"""Vendors type-check against the installed ml2core: the examples are clean under ``mypy --strict``."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "examples" / "vendor-driver"
EMBEDDING = ROOT / "examples" / "embedding"

# A driver with two type errors against ml2core's API: proves mypy really
# reads ml2core's annotations (an unresolved import would make them Any).
BAD_DRIVER = """
from ml2core.api import MechanismDriver, PortContext


class BadDriver(MechanismDriver):
    def initialize(self) -> None:
        pass

    def bind_port(self, context: PortContext) -> None:
        context.set_binding(42, "ovs", {})
        context.decline(reason=None)
"""

pytestmark = pytest.mark.slow


def _ml2core_search_path() -> list[str]:
    """Where the installed ml2core is, if mypy cannot find it alone.

    An editable install is an import hook mypy does not follow; a regular
    install is in site-packages, where mypy looks by itself (and which it
    refuses on MYPYPATH).
    """
    spec = importlib.util.find_spec("ml2core")
    assert spec is not None and spec.origin is not None
    location = Path(spec.origin).resolve().parent.parent
    site_packages = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    return [] if location in site_packages else [str(location)]


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One ``mypy --strict`` run over both examples and :data:`BAD_DRIVER`, with the vendor's config."""
    workdir = tmp_path_factory.mktemp("mypy")
    (workdir / "bad_vendor_driver.py").write_text(BAD_DRIVER)
    env = dict(os.environ, MYPYPATH=os.pathsep.join(_ml2core_search_path()))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            # Report errors in the files given, not in ml2core's own (installed packages are silent too).
            "--follow-imports=silent",
            "--config-file",
            str(VENDOR / "pyproject.toml"),
            "--cache-dir",
            str(workdir / "cache"),
            "--show-absolute-path",
            str(VENDOR / "example_vendor"),
            str(VENDOR / "tests"),
            str(workdir / "bad_vendor_driver.py"),
            str(EMBEDDING / "servers_app"),
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert "error:" in proc.stdout, f"mypy did not run as expected:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _errors_under(output: str, path: Path) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(str(path)) and ": error:" in line]


def test_example_vendor_package_is_clean_under_mypy_strict(mypy_output: str) -> None:
    assert _errors_under(mypy_output, VENDOR) == []


def test_embedding_example_is_clean_under_mypy_strict(mypy_output: str) -> None:
    assert _errors_under(mypy_output, EMBEDDING) == []


def test_mypy_reads_ml2cores_annotations(mypy_output: str) -> None:
    errors = [
        line for line in mypy_output.splitlines() if "bad_vendor_driver.py" in line and ": error:" in line
    ]

    assert any("set_binding" in line for line in errors), mypy_output
    assert any("decline" in line for line in errors), mypy_output
    assert "import-not-found" not in mypy_output
