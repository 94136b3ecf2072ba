"""``ml2core demo --dataplane``: real namespaces, bridges, Open vSwitch and pings (root only)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ml2core.testing.hosts import dataplane_unavailable, ovs_unavailable
from tests.cli.conftest import run_main

pytestmark = pytest.mark.dataplane
SCRIPT = Path(sys.executable).with_name("ml2core")


@pytest.fixture(autouse=True)
def _needs_a_dataplane() -> None:
    reason = dataplane_unavailable() or ovs_unavailable()
    if reason:
        pytest.skip(reason)


def _demo_namespaces() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith("m2cdemo-")]


def _orphaned_sandbox_daemons() -> set[str]:
    """Sandbox daemons whose parent went away (other tests' live sandboxes still have theirs)."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True, check=True).stdout
    found = set()
    for line in out.splitlines():
        pid, ppid, args = line.split(None, 2)
        if ppid == "1" and args.startswith("ovs") and "m2c-ovs-" in args:
            found.add(f"{pid} {args}")
    return found


def test_vms_ping_across_hosts_and_networks_are_isolated() -> None:
    before = set(_demo_namespaces())
    result = run_main("demo", "--dataplane")
    assert result.code == 0, result.out + result.err
    for needle in (
        "[10/10] Real packets",
        "Building the hosts ... wires dp-host-a dp-host-b done",
        "| Linux bridge VXLAN across hosts  ",
        "| Open vSwitch GENEVE across hosts ",
        "full-size 1450-byte packet passes",
        "no reply, as it should be",
        "Removed the namespaces, veths and Open vSwitch daemons.",
    ):
        assert needle in result.out, needle
    assert result.out.count("| ACTIVE |") == 4
    assert set(_demo_namespaces()) == before


def test_sigterm_in_the_middle_still_removes_everything() -> None:
    before = set(_demo_namespaces())
    orphans = _orphaned_sandbox_daemons()
    proc = subprocess.Popen(
        [str(SCRIPT), "demo", "--dataplane"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        seen.append(line)
        if "Creating networks, ports and VMs" in line or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=60)
    output = "".join(seen) + rest
    assert proc.returncode == 130, output
    assert "ml2core: interrupted" in output
    assert set(_demo_namespaces()) == before
    assert _orphaned_sandbox_daemons() <= orphans
