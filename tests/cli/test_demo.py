"""``ml2core demo`` end to end (control plane only; the dataplane part is in test_demo_dataplane)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ml2core import Context, Ml2Plugin
from ml2core.cli import demo_cloud
from ml2core.cli.allocations import compute_usage
from ml2core.config import new_conf
from tests.cli.conftest import Result, one_line_error, run_main

SCRIPT = Path(sys.executable).with_name("ml2core")

COMMON = [
    "[1/9] Configuration and start-up",
    "[2/9] Three hosts report their agents",
    "[4/9] Ports, bound by each mechanism driver",
    "sriovnicswitch the 'direct' port on compute3",
    "broken-1 (GRE network, on compute2) has binding:vif_type binding_failed",
    "network type gre is not supported by the Linux bridge agent on",
    "broken-1 is now bound: gre key",
    "[7/9] Allocation usage",
    "42: provider-vlan (outside the ranges)",
    "[9/9] Cleanup: every ID goes back",
    "deleted network project-vxlan (with its subnet): released vxlan VNI",
    "Every segmentation ID is back in its pool: 0 in use in every range.",
    "Demo finished in",
]
HIERARCHICAL = [
    "allocated a dynamic VLAN, continued",
    "tor-2, on the same network and host, shares the same dynamic VLAN",
    "stays, tor-2 still uses it",
    "released the dynamic vlan",
    "(no binding uses it now)",
]


@pytest.fixture
def tor_as_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand the test suite's ``tor`` driver in for the example vendor driver."""
    monkeypatch.setattr(demo_cloud, "EXAMPLE_TOR", "tor")
    monkeypatch.setattr(demo_cloud, "example_tor_installed", lambda: True)


def _check(result: Result, needles: list[str]) -> None:
    assert result.code == 0, result.out + result.err
    for needle in needles:
        assert needle in result.out, needle


def test_demo_without_the_vendor_driver_notes_the_hierarchy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_cloud, "example_tor_installed", lambda: False)
    start = time.monotonic()
    result = run_main("demo")
    assert time.monotonic() - start < 15
    _check(result, COMMON)
    assert "Not shown for real: the example vendor driver (example_tor) is not available" in result.out
    assert "is not installed, so it is left out of mechanism_drivers" in " ".join(result.out.split())
    assert "level 0  example_tor" in result.out
    workdir = re.search(r"Working in (\S+) ", result.out)
    assert workdir and not os.path.exists(workdir.group(1))
    assert result.err == ""


@pytest.mark.usefixtures("tor_as_example")
def test_demo_binds_hierarchically_and_returns_every_id(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    result = run_main("demo", "--workdir", str(workdir))
    _check(result, COMMON + HIERARCHICAL)
    # The database stays in a --workdir: nothing is allocated any more.
    with Ml2Plugin(new_conf(config_files=[str(workdir / "ml2.conf")])) as plugin:
        usages = compute_usage(plugin, Context.admin(), ["public"])
        assert usages and all(u.used == 0 and not u.in_use for u in usages)
        assert plugin.get_networks(Context.admin()) == []


@pytest.mark.usefixtures("tor_as_example")
def test_demo_keep_leaves_the_cloud_to_explore(tmp_path: Path) -> None:
    workdir = tmp_path / "kept"
    result = run_main("demo", "--keep", "--workdir", str(workdir))
    assert result.code == 0, result.err
    assert "--keep: the cloud stays" in result.out and "[9/9]" not in result.out
    conf = str(workdir / "ml2.conf")
    assert (workdir / "topology.svg").exists()
    names = run_main("network", "list", "-c", "Name", "-f", "value", "--config-file", conf).out.split()
    assert sorted(names) == ["project-geneve", "project-gre", "project-vxlan", "provider-vlan", "public"]
    explain = run_main("port", "explain", "tor-1", "--config-file", conf)
    assert "bound, vif_type ovs" in explain.out and "(dynamic)" in explain.out


def test_demo_goes_on_when_the_vendor_driver_fails_to_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_cloud, "EXAMPLE_TOR", "no_such_tor")
    monkeypatch.setattr(demo_cloud, "example_tor_installed", lambda: True)
    result = run_main("demo")
    _check(result, COMMON)
    text = " ".join(result.out.split())
    assert "'no_such_tor'" in text and "The demo goes on without no_such_tor." in text


def test_dataplane_demo_needs_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    result = run_main("demo", "--dataplane")
    assert result.code == 1
    assert "needs root" in one_line_error(result)
    assert result.out == ""


REPO = Path(__file__).resolve().parents[2]
VENDOR = REPO / "examples" / "vendor-driver"


def _vendor_env(tmp_path: Path) -> dict[str, str]:
    """An environment where the example vendor package is importable and its entry point visible."""
    env = dict(os.environ)
    if demo_cloud.example_tor_installed():
        return env
    dist = tmp_path / "ml2core_example_vendor-0.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ml2core-example-vendor\nVersion: 0.0.0\n")
    (dist / "entry_points.txt").write_text(
        "[ml2core.mechanism_drivers]\nexample_tor = example_vendor.tor:ExampleTorMechanismDriver\n"
    )
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(VENDOR), env.get("PYTHONPATH", "")])
    return env


@pytest.mark.skipif(not (VENDOR / "example_vendor" / "tor.py").exists(), reason="no examples/vendor-driver")
def test_demo_with_the_example_vendor_driver(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(SCRIPT), "demo"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=_vendor_env(tmp_path),
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    _check(result, [*COMMON, *HIERARCHICAL, "| 0     | example_tor |", "| example_tor >  |"])


def test_demo_through_the_console_script() -> None:
    proc = subprocess.run([str(SCRIPT), "demo"], capture_output=True, text=True, check=False, timeout=60)
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    _check(result, COMMON)
    if demo_cloud.example_tor_installed():
        for needle in HIERARCHICAL:
            assert needle in result.out.replace("example_tor", "tor"), needle
    else:
        assert "is not installed" in result.out
