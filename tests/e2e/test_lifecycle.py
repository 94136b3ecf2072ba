"""Ports move, ports go, agents restart: connectivity follows and nothing stale stays on any host."""

from __future__ import annotations

import time
from typing import Any

import pytest

from drivers.linuxbridge.desired import bridge_name
from drivers.openvswitch.desired import tunnel_port_name
from ml2core.testing.hosts import HostLab, tap_device_name
from tests.e2e.cloud import Cloud, E2eHost, lb_host, ovs_host, start_agents, sync_all

pytestmark = pytest.mark.dataplane

VNI = 1201


def _ip(port: dict[str, Any]) -> str:
    return str(port["fixed_ips"][0]["ip_address"])


def _hosts(backend: str, request: pytest.FixtureRequest, cloud: Cloud) -> tuple[HostLab, E2eHost, E2eHost]:
    if backend == "linuxbridge":
        lab: HostLab = request.getfixturevalue("host_lab")
        wire = lab.wire()
        return lab, lb_host(cloud, lab, wire, 1), lb_host(cloud, lab, wire, 2)
    lab = request.getfixturevalue("ovs_lab")
    wire = lab.wire()
    return lab, ovs_host(cloud, lab, wire, 1), ovs_host(cloud, lab, wire, 2)


def _wait_gone(host: E2eHost, device: str, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while host.ns.link_exists(device):
        assert time.monotonic() < end, f"{device} still on {host.name}"
        time.sleep(0.02)


def _ovs_ports_of(host: E2eHost, port_id: str) -> str:
    assert host.ovs is not None
    return host.ovs.vsctl("--bare", "--columns=name", "find", "Interface", f"external_ids:iface-id={port_id}")


def _tunnel_ports(host: E2eHost) -> set[str]:
    assert host.ovs is not None
    return host.ovs.interface_names("br-tun") - {"patch-int"}


@pytest.mark.parametrize("backend", ["linuxbridge", "openvswitch"])
def test_moved_port_is_followed_and_deleted_ports_leave_nothing_behind(
    backend: str, request: pytest.FixtureRequest, cloud: Cloud
) -> None:
    _, h1, h2 = _hosts(backend, request, cloud)
    start_agents([h1, h2])
    net = cloud.network("vxlan", VNI)
    mtu = int(net["mtu"])
    a1, moving, a2 = cloud.port(net, h1, 1), cloud.port(net, h1, 5), cloud.port(net, h2, 2)
    vm_a1, vm_moving, vm_a2 = h1.vm(a1, mtu), h1.vm(moving, mtu), h2.vm(a2, mtu)
    sync_all([h1, h2])
    assert vm_a2.wait_for_ping(_ip(moving)).ok

    # The VM migrates: its tap goes from host 1, a tap of the same name appears on host 2.
    vm_moving.close()
    _wait_gone(h1, tap_device_name(moving["id"]))
    cloud.plugin.update_port(cloud.ctx, moving["id"], {"binding:host_id": h2.name})
    vm_moved = h2.vm(moving, mtu)
    sync_all([h1, h2])

    assert cloud.get_port(moving["id"])["binding:host_id"] == h2.name
    assert cloud.status(moving) == "ACTIVE"
    assert vm_a1.wait_for_ping(_ip(moving)).ok  # now across hosts
    assert vm_a2.wait_for_ping(_ip(moving)).ok  # now on the same host
    assert vm_moved.ping(_ip(a1)).ok
    if backend == "openvswitch":
        assert _ovs_ports_of(h1, moving["id"]).strip() == ""

    # The last port of the network on host 1 goes: its bridge / tunnels go on both sides.
    cloud.plugin.delete_port(cloud.ctx, a1["id"])
    sync_all([h1, h2])

    assert not vm_a1.ping(_ip(moving), count=2, deadline=1.0).ok
    if backend == "linuxbridge":
        assert not h1.ns.link_exists(bridge_name(net["id"]))
        assert not h1.ns.link_exists(f"vxlan-{VNI}")
        assert h1.ns.link_master(tap_device_name(a1["id"])) is None
        assert h2.ns.fdb_destinations(f"vxlan-{VNI}") == set()
    else:
        assert h1.ovs is not None
        assert _ovs_ports_of(h1, a1["id"]).strip() == ""
        assert _tunnel_ports(h1) == set()
        assert not [f for f in h1.ovs.dump_flows("br-tun") if f"tun_id={VNI:#x}" in f]
        assert tunnel_port_name("vxlan", h1.ip) not in _tunnel_ports(h2)
    assert vm_a2.wait_for_ping(_ip(moving)).ok  # what remains still works


@pytest.mark.parametrize("backend", ["linuxbridge", "openvswitch"])
def test_restarted_agent_changes_nothing_and_reports_nothing(
    backend: str, request: pytest.FixtureRequest, cloud: Cloud
) -> None:
    _, h1, h2 = _hosts(backend, request, cloud)
    start_agents([h1, h2])
    net = cloud.network("vxlan", VNI)
    p1, p2 = cloud.port(net, h1, 1), cloud.port(net, h2, 2)
    vm1, _ = h1.vm(p1, int(net["mtu"])), h2.vm(p2, int(net["mtu"]))
    sync_all([h1, h2])
    assert vm1.wait_for_ping(_ip(p2)).ok

    result = h1.restart_agent().run_once()

    assert result.sync.changes == 0 and result.sync.removed == [] and result.status_updates == {}
    assert result.report_error is None
    assert vm1.ping(_ip(p2)).ok
    agent = h1.agent().report_state()  # the next report counts the port the first pass found
    assert agent["alive"] and agent["configurations"]["devices"] == 1
    expected_types = ["vxlan"] if backend == "linuxbridge" else ["vxlan", "gre", "geneve"]
    assert agent["configurations"]["tunnel_types"] == expected_types
    assert agent["configurations"]["tunneling_ip"] == h1.ip
