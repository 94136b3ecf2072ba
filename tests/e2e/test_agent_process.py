"""The real ``ml2core-agent`` as a daemon: converges, stops cleanly, restarts without a flap."""

from __future__ import annotations

import re
import signal
import time
from typing import Any

import pytest

from ml2core.testing.hosts import ContinuousPing, HostLab
from tests.e2e.cloud import AgentDaemon, Cloud, E2eHost, lb_host, ovs_host
from tests.e2e.conftest import require_agent_script

pytestmark = pytest.mark.dataplane


def _ip(port: dict[str, Any]) -> str:
    return str(port["fixed_ips"][0]["ip_address"])


def lost_sequence_numbers(stream: ContinuousPing) -> list[int]:
    """Echo requests without a reply, but the last one: ping stops on SIGINT with it maybe in flight."""
    answered = {int(seq) for seq in re.findall(r"icmp_seq=(\d+) ", stream.output)}
    return sorted(set(range(1, stream.transmitted)) - answered)


def _wait_active(cloud: Cloud, ports: list[dict[str, Any]], timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while {cloud.status(p) for p in ports} != {"ACTIVE"}:
        assert time.monotonic() < end, [cloud.get_port(p["id"]) for p in ports]
        time.sleep(0.1)


def _hosts(backend: str, request: pytest.FixtureRequest, cloud: Cloud) -> tuple[E2eHost, E2eHost]:
    fixture = "host_lab" if backend == "linuxbridge" else "ovs_lab"
    lab: HostLab = request.getfixturevalue(fixture)
    wire = lab.wire()
    make = lb_host if backend == "linuxbridge" else ovs_host
    return make(cloud, lab, wire, 1), make(cloud, lab, wire, 2)


@pytest.mark.parametrize("backend", ["linuxbridge", "openvswitch"])
def test_agent_daemons_converge_and_a_restart_loses_no_packet(
    backend: str, request: pytest.FixtureRequest, cloud: Cloud
) -> None:
    require_agent_script()
    h1, h2 = _hosts(backend, request, cloud)
    d1, d2 = AgentDaemon(h1), AgentDaemon(h2)
    d1.wait_for("pass done:")  # registered (first report) and idle
    d2.wait_for("pass done:")
    net = cloud.network("vxlan", 1301)
    mtu = int(net["mtu"])
    p1, p2 = cloud.port(net, h1, 1), cloud.port(net, h2, 2)
    vm1, _ = h1.vm(p1, mtu), h2.vm(p2, mtu)
    _wait_active(cloud, [p1, p2])
    assert vm1.wait_for_ping(_ip(p2)).ok

    with ContinuousPing(vm1.name, _ip(p2), interval=0.02) as stream:
        time.sleep(0.3)
        assert d1.stop(signal.SIGTERM) == 0
        restarted = AgentDaemon(h1)
        first = restarted.wait_for("pass done:")
        time.sleep(0.5)

    assert any("stopped by SIGTERM" in line for line in d1.lines), d1.lines
    assert stream.transmitted > 20 and lost_sequence_numbers(stream) == [], stream.output
    assert "1 ports, 0 changes, 0 removed, 0 status updates, 0 errors" in first
    assert restarted.stop(signal.SIGINT) == 0 and d2.stop() == 0
