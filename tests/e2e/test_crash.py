"""An agent SIGKILLed in the middle of a sync of many ports leaves a host the next ``--once`` repairs fully.

Netlink and OVSDB have no transaction across a host, so an agent killed
mid-sync leaves half a host: some taps plugged and some not (Linux
bridge), or every port on ``br-int`` but no tunnel flows (Open vSwitch).
The promise (ARCHITECTURE, issue 10) is that the next pass repairs it:
every port realized and ``ACTIVE``, traffic flowing, isolation intact, and
a further pass finding nothing to change.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ml2core.testing.hosts import HostLab, tap_device_name
from tests.e2e.cloud import Cloud, E2eHost, lb_host, ovs_host, start_agents, sync_all
from tests.e2e.conftest import require_agent_script

pytestmark = pytest.mark.dataplane

ROOT = Path(__file__).resolve().parents[2]
PORTS_PER_NETWORK = 30  # on the host whose agent is killed, VM ports included


def _ip(port: dict[str, Any]) -> str:
    return str(port["fixed_ips"][0]["ip_address"])


def _plain_taps(host: E2eHost, ports: list[dict[str, Any]]) -> None:
    """Host ends for VM-less ports: veth pairs inside the host (all a backend needs is the tap)."""
    commands = []
    for index, port in enumerate(ports):
        commands += [
            f"link add {tap_device_name(port['id'])} type veth peer name pk{index}",
            f"link set pk{index} up",
        ]
    host.ns.ip_batch(commands)


def _crash(host: E2eHost, kill_at: str) -> subprocess.CompletedProcess[str]:
    env = {"ML2CORE_E2E_KILL_AT": kill_at, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "tests.e2e.crash_agent", *host.argv(), "--once"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        env=env,
    )


@pytest.mark.parametrize(
    ("backend", "kill_at"),
    [("linuxbridge", f"netlink-set:{PORTS_PER_NETWORK}"), ("openvswitch", "flows:4")],
)
def test_agent_killed_mid_sync_leaves_a_host_the_next_pass_repairs(
    backend: str, kill_at: str, request: pytest.FixtureRequest, cloud: Cloud
) -> None:
    require_agent_script()
    lab: HostLab = request.getfixturevalue("host_lab" if backend == "linuxbridge" else "ovs_lab")
    wire = lab.wire()
    make = lb_host if backend == "linuxbridge" else ovs_host
    h1, h2 = make(cloud, lab, wire, 1), make(cloud, lab, wire, 2)
    start_agents([h1, h2])
    net_a, net_b = cloud.network("vxlan", 1401), cloud.network("vxlan", 1402)
    mtu = int(net_a["mtu"])
    a1, b1 = cloud.port(net_a, h1, 1), cloud.port(net_b, h1, 3)
    a2, b2 = cloud.port(net_a, h2, 2), cloud.port(net_b, h2, 4)
    others = [cloud.port(net, h1, 10 + i) for i in range(PORTS_PER_NETWORK - 1) for net in (net_a, net_b)]
    vm_a1, vm_b1 = h1.vm(a1, mtu), h1.vm(b1, mtu)
    h2.vm(a2, mtu), h2.vm(b2, mtu)
    _plain_taps(h1, others)
    sync_all([h2])
    on_h1 = [a1, b1, *others]

    crashed = _crash(h1, kill_at)

    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert {cloud.status(p) for p in on_h1} == {"DOWN"}  # killed before any status went out
    if backend == "linuxbridge":  # half the taps plugged, half not
        plugged = sum(h1.ns.link_master(tap_device_name(p["id"])) is not None for p in on_h1)
        assert 0 < plugged < len(on_h1)
    else:  # every port on br-int, no tunnel flows yet
        assert h1.ovs is not None
        assert {tap_device_name(p["id"]) for p in on_h1} <= h1.ovs.interface_names("br-int")
        assert not [flow for flow in h1.ovs.dump_flows("br-tun") if "tun_id=" in flow]
        assert not vm_a1.ping(_ip(a2), count=2, deadline=1.0).ok

    repaired = h1.cli("--once")

    assert repaired.returncode == 0, repaired.stderr
    assert {cloud.status(p) for p in on_h1} == {"ACTIVE"}
    assert vm_a1.wait_for_ping(_ip(a2)).ok and vm_b1.wait_for_ping(_ip(b2)).ok
    assert not vm_a1.ping(_ip(b2), count=2, deadline=1.0).ok
    again = h1.new_agent().run_once()
    assert again.sync.changes == 0 and again.status_updates == {} and again.sync.errors == {}
