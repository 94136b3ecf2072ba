"""The Linux bridge backend on real kernel bridges and VXLAN devices between namespace hosts."""

from __future__ import annotations

import time
from typing import Any

import pytest

from drivers.linuxbridge.desired import bridge_name, vxlan_device_name
from drivers.linuxbridge.netlink import Netlink
from ml2core import constants
from ml2core.exceptions import DataplaneError
from ml2core.testing.hosts import ContinuousPing, HostLab, PacketCapture, link_kind_unavailable
from tests.dataplane.topology import TUNNEL_MTU, Host, Net, lb_host, make_port, new_lb_backend

pytestmark = pytest.mark.dataplane


def two_hosts(lab: HostLab, **kwargs: Any) -> tuple[Host, Host]:
    wire = lab.wire()
    return lb_host(lab, wire, 1, **kwargs), lb_host(lab, wire, 2, **kwargs)


def test_vxlan_vms_on_two_hosts_ping_each_other(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(host_lab, p1), h2.vm(host_lab, p2)

    r1 = h1.backend.sync([p1.info([h2.ip])])
    r2 = h2.backend.sync([p2.info([h1.ip])])

    assert r1.port_status == {p1.id: "ACTIVE"} and r2.port_status == {p2.id: "ACTIVE"}
    assert vm1.wait_for_ping(p2.ip).ok


def test_vxlan_traffic_crosses_the_underlay_with_the_segment_vni(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1234, mtu=TUNNEL_MTU)
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(host_lab, p1), h2.vm(host_lab, p2)
    h1.backend.sync([p1.info([h2.ip])])
    h2.backend.sync([p2.info([h1.ip])])

    with PacketCapture(h2.ns.name, "ul0", "udp port 4789", count=2) as capture:
        assert vm1.wait_for_ping(p2.ip).ok

    assert any("vni 1234" in line for line in capture.lines), capture.lines


def test_vxlan_networks_sharing_a_subnet_are_isolated(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net_a, net_b = Net("vxlan", 1001, mtu=TUNNEL_MTU), Net("vxlan", 1002, mtu=TUNNEL_MTU)
    a1, a2 = make_port(net_a, "10.0.0.1"), make_port(net_a, "10.0.0.2")
    b1, b2 = make_port(net_b, "10.0.0.3"), make_port(net_b, "10.0.0.4")
    vm_a1, vm_b1 = h1.vm(host_lab, a1), h1.vm(host_lab, b1)
    h2.vm(host_lab, a2), h2.vm(host_lab, b2)
    h1.backend.sync([a1.info([h2.ip]), b1.info([h2.ip])])
    h2.backend.sync([a2.info([h1.ip]), b2.info([h1.ip])])
    assert vm_a1.wait_for_ping(a2.ip).ok and vm_b1.wait_for_ping(b2.ip).ok

    assert not vm_a1.ping(b2.ip, count=2, deadline=1.5).ok  # other network, other host
    assert not vm_a1.ping(b1.ip, count=2, deadline=1.5).ok  # other network, same host


def test_bridges_and_vxlan_devices_it_creates_have_no_ipv6_address(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1005, mtu=TUNNEL_MTU)
    p1 = make_port(net, "10.0.0.1")
    h1.vm(host_lab, p1)
    h1.backend.sync([p1.info([h2.ip])])
    time.sleep(0.3)  # an address would appear as the devices come up

    for device in (bridge_name(net.id), vxlan_device_name(1005)):
        assert h1.ns.run("ip", "-6", "addr", "show", "dev", device).stdout.strip() == "", device


def test_vxlan_multicast_group_carries_traffic_without_flood_entries(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab, vxlan={"ttl": 1})
    net = Net("vxlan", 1003, mtu=TUNNEL_MTU, vxlan_group="239.1.1.1")
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(host_lab, p1), h2.vm(host_lab, p2)
    h1.backend.sync([p1.info([h2.ip])])
    h2.backend.sync([p2.info([h1.ip])])

    assert vm1.wait_for_ping(p2.ip).ok
    assert h1.ns.fdb_destinations(vxlan_device_name(1003)) == {"239.1.1.1"}


def test_flat_network_vms_ping_through_the_physical_interface(host_lab: HostLab) -> None:
    physnet = host_lab.wire("phys")
    h1, h2 = two_hosts(host_lab, physical=physnet)
    net = Net("flat", None, "physnet1")
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(host_lab, p1), h2.vm(host_lab, p2)

    h1.backend.sync([p1.info()])
    h2.backend.sync([p2.info()])

    assert h1.ns.link_master("ph0") == bridge_name(net.id)
    assert vm1.wait_for_ping(p2.ip).ok


def test_local_network_vms_on_one_host_ping_and_nothing_leaves_it(host_lab: HostLab) -> None:
    h1, _ = two_hosts(host_lab)
    net = Net("local")
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(host_lab, p1), h1.vm(host_lab, p2)

    h1.backend.sync([p1.info(), p2.info()])

    with PacketCapture(h1.ns.name, "ul0", "icmp", count=5) as capture:
        assert vm1.wait_for_ping(p2.ip).ok
    assert capture.lines == []


def test_vlan_network_vms_ping_through_8021q_devices(host_lab: HostLab) -> None:
    reason = link_kind_unavailable("vlan")
    if reason:
        pytest.skip(f"kernel has no 802.1Q VLAN devices (CONFIG_VLAN_8021Q): {reason}")
    physnet = host_lab.wire("phys")
    h1, h2 = two_hosts(host_lab, physical=physnet)
    net = Net("vlan", 100, "physnet1")
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(host_lab, p1), h2.vm(host_lab, p2)
    h1.backend.sync([p1.info()])
    h2.backend.sync([p2.info()])

    with PacketCapture(h2.ns.name, "ph0", "vlan 100", count=2) as capture:
        assert vm1.wait_for_ping(p2.ip).ok
    assert any("vlan 100" in line for line in capture.lines)


def test_vlan_port_is_down_with_the_missing_kernel_feature_named(host_lab: HostLab) -> None:
    if link_kind_unavailable("vlan") is None:
        pytest.skip("this kernel has 802.1Q VLAN devices; the unavailable path cannot be shown")
    physnet = host_lab.wire("phys")
    h1 = lb_host(host_lab, host_lab.wire(), 1, physical=physnet)
    port = make_port(Net("vlan", 100, "physnet1"), "10.0.0.1")
    h1.vm(host_lab, port)

    report = h1.backend.sync([port.info()])

    assert "8021q" in h1.backend.describe().unavailable["vlan"]
    assert "vlan" not in h1.backend.describe().network_types
    assert report.port_status == {port.id: "DOWN"}
    assert "8021q" in report.errors[port.id]
    assert not h1.ns.link_exists("ph0.100")


def test_second_sync_with_the_same_ports_changes_nothing(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1 = make_port(net, "10.0.0.1")
    h1.vm(host_lab, p1)
    first = h1.backend.sync([p1.info([h2.ip])])

    second = h1.backend.sync([p1.info([h2.ip])])

    assert first.changes > 0
    assert second.changes == 0
    assert second.port_status == {p1.id: "ACTIVE"}


def test_restarted_backend_finds_the_host_already_right(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    p1 = make_port(Net("vxlan", 1001, mtu=TUNNEL_MTU), "10.0.0.1")
    h1.vm(host_lab, p1)
    h1.backend.sync([p1.info([h2.ip])])
    h1.backend.close()

    restarted = new_lb_backend(h1)
    restarted.initialize()
    report = restarted.sync([p1.info([h2.ip])])
    restarted.close()

    assert report.changes == 0 and report.port_status == {p1.id: "ACTIVE"}


def test_restart_and_resync_do_not_interrupt_traffic(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(host_lab, p1), h2.vm(host_lab, p2)
    h1.backend.sync([p1.info([h2.ip])])
    h2.backend.sync([p2.info([h1.ip])])
    assert vm1.wait_for_ping(p2.ip).ok

    with ContinuousPing(vm1.name, p2.ip) as stream:
        time.sleep(0.3)
        h1.backend.close()
        restarted = new_lb_backend(h1)
        restarted.initialize()
        restarted.sync([p1.info([h2.ip])])
        restarted.close()
        time.sleep(0.3)

    assert stream.transmitted > 5 and stream.lost == 0, stream.output


def test_port_no_longer_listed_is_released_and_its_network_devices_deleted(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1 = make_port(net, "10.0.0.1")
    h1.vm(host_lab, p1)
    h1.backend.sync([p1.info([h2.ip])])

    report = h1.backend.sync([])

    assert report.removed == [p1.id]
    assert h1.ns.link_master(p1.tap) is None
    assert not h1.ns.link_exists(bridge_name(net.id))
    assert not h1.ns.link_exists(vxlan_device_name(1001))


def test_port_removal_keeps_the_network_of_the_remaining_port(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1, p3 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.3")
    h1.vm(host_lab, p1), h1.vm(host_lab, p3)
    h1.backend.sync([p1.info([h2.ip]), p3.info([h2.ip])])

    h1.backend.sync([p3.info([h2.ip])])

    assert h1.ns.link_master(p1.tap) is None
    assert h1.ns.link_master(p3.tap) == bridge_name(net.id)


def test_flood_entries_follow_the_endpoint_list(host_lab: HostLab) -> None:
    h1, _ = two_hosts(host_lab)
    p1 = make_port(Net("vxlan", 1001, mtu=TUNNEL_MTU), "10.0.0.1")
    h1.vm(host_lab, p1)
    h1.backend.sync([p1.info(["198.51.100.2", "198.51.100.3"])])
    device = vxlan_device_name(1001)
    assert h1.ns.fdb_destinations(device) == {"198.51.100.2", "198.51.100.3"}

    h1.backend.sync([p1.info(["198.51.100.3", "198.51.100.4"])])

    assert h1.ns.fdb_destinations(device) == {"198.51.100.3", "198.51.100.4"}


def test_devices_ml2core_did_not_create_are_left_untouched(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1 = make_port(net, "10.0.0.1")
    h1.vm(host_lab, p1)
    h1.ns.ip_batch(
        [
            "link add brqforeign01 type bridge",  # named like ours
            "link add vxlan-77 type vxlan id 77 dstport 4789",
            "link add tapforeign01 type veth peer name tapforeign02",
            "link set tapforeign01 master brqforeign01",
        ]
    )
    h1.backend.sync([p1.info([h2.ip])])

    h1.backend.sync([])

    for name in ("brqforeign01", "vxlan-77", "tapforeign01"):
        assert h1.ns.link_exists(name)
    assert h1.ns.link_master("tapforeign01") == "brqforeign01"


def test_foreign_device_with_our_bridge_name_fails_only_that_network(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    taken, free = Net("vxlan", 1001, mtu=TUNNEL_MTU), Net("vxlan", 1002, mtu=TUNNEL_MTU)
    p1, p2 = make_port(taken, "10.0.0.1"), make_port(free, "10.0.0.2")
    h1.vm(host_lab, p1), h1.vm(host_lab, p2)
    h1.ns.ip("link", "add", bridge_name(taken.id), "type", "bridge")

    report = h1.backend.sync([p1.info([h2.ip]), p2.info([h2.ip])])

    assert report.port_status == {p1.id: "DOWN", p2.id: "ACTIVE"}
    assert "not created by ml2core" in report.errors[p1.id]
    assert h1.ns.link_master(p1.tap) is None


def test_interrupted_sync_is_repaired_by_the_next(host_lab: HostLab, monkeypatch: pytest.MonkeyPatch) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(host_lab, p1), h2.vm(host_lab, p2)
    h2.backend.sync([p2.info([h1.ip])])
    netlink: Netlink = h1.backend._netlink
    real_create = netlink.create
    calls = {"n": 0}

    def create_then_crash(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the bridge exists, the VXLAN device never comes
            raise RuntimeError("agent killed mid-sync")
        real_create(*args, **kwargs)

    monkeypatch.setattr(netlink, "create", create_then_crash)
    with pytest.raises(RuntimeError):
        h1.backend.sync([p1.info([h2.ip])])
    monkeypatch.undo()
    assert h1.ns.link_exists(bridge_name(net.id)) and not h1.ns.link_exists(vxlan_device_name(1001))

    repaired = new_lb_backend(h1)
    repaired.initialize()
    report = repaired.sync([p1.info([h2.ip])])
    again = repaired.sync([p1.info([h2.ip])])
    repaired.close()

    assert report.changes > 0 and report.port_status == {p1.id: "ACTIVE"}
    assert again.changes == 0
    assert vm1.wait_for_ping(p2.ip).ok


def test_vm_mtu_equals_the_network_mtu_and_a_full_size_packet_passes(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(host_lab, p1), h2.vm(host_lab, p2)
    h1.backend.sync([p1.info([h2.ip])])
    h2.backend.sync([p2.info([h1.ip])])

    assert h1.ns.link_mtu(p1.tap) == vm1.ns.link_mtu("eth0") == net.mtu
    assert vm1.wait_for_ping(p2.ip, size=net.mtu - 28, dont_fragment=True).ok
    assert not vm1.ping(p2.ip, size=net.mtu - 27, dont_fragment=True).ok  # one byte more cannot


def test_port_whose_tap_is_absent_is_down_then_plugged_by_the_next_sync(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    p1 = make_port(Net("vxlan", 1001, mtu=TUNNEL_MTU), "10.0.0.1")

    before = h1.backend.sync([p1.info([h2.ip])])
    h1.vm(host_lab, p1)
    after = h1.backend.sync([p1.info([h2.ip])])

    assert before.port_status == {p1.id: "DOWN"} and p1.tap in before.errors[p1.id]
    assert after.port_status == {p1.id: "ACTIVE"} and after.errors == {}


def test_admin_down_port_is_down_and_out_of_the_bridge(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    p1 = make_port(Net("vxlan", 1001, mtu=TUNNEL_MTU), "10.0.0.1", admin_state_up=False)
    h1.vm(host_lab, p1)

    report = h1.backend.sync([p1.info([h2.ip])])

    assert report.port_status == {p1.id: "DOWN"} and report.errors == {}
    assert h1.ns.link_master(p1.tap) is None


def test_plug_adds_one_port_without_removing_others(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1, p3 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.3")
    h1.vm(host_lab, p1), h1.vm(host_lab, p3)
    h1.backend.sync([p1.info([h2.ip])])

    h1.backend.plug(p3.info([h2.ip]))

    assert h1.ns.link_master(p1.tap) == h1.ns.link_master(p3.tap) == bridge_name(net.id)


def test_plug_of_an_unrealizable_port_raises_dataplane_error(host_lab: HostLab) -> None:
    h1, _ = two_hosts(host_lab)
    port = make_port(Net("flat", None, "nowhere"), "10.0.0.1")
    h1.vm(host_lab, port)

    with pytest.raises(DataplaneError, match="nowhere"):
        h1.backend.plug(port.info())


def test_unplug_of_the_last_port_deletes_its_bridge_and_vxlan_device(host_lab: HostLab) -> None:
    h1, h2 = two_hosts(host_lab)
    net = Net("vxlan", 1001, mtu=TUNNEL_MTU)
    p1 = make_port(net, "10.0.0.1")
    h1.vm(host_lab, p1)
    h1.backend.plug(p1.info([h2.ip]))

    h1.backend.unplug(p1.id)

    assert h1.ns.link_master(p1.tap) is None
    assert not h1.ns.link_exists(bridge_name(net.id))
    assert not h1.ns.link_exists(vxlan_device_name(1001))


def test_describe_lists_what_this_host_supports(host_lab: HostLab) -> None:
    h1, _ = two_hosts(host_lab)

    description = h1.backend.describe()

    assert {"vxlan", "flat", "local"} <= description.network_types
    assert description.vif_types == {constants.VIF_TYPE_BRIDGE, constants.VIF_TYPE_TAP}
    assert set(description.unavailable).isdisjoint(description.network_types)


def test_missing_namespace_fails_initialize_with_dataplane_error(host_lab: HostLab) -> None:
    from drivers.linuxbridge import LinuxBridgeBackend
    from ml2core.testing.config import make_conf

    backend = LinuxBridgeBackend(make_conf(), netns="m2c-no-such-namespace")

    with pytest.raises(DataplaneError, match="m2c-no-such-namespace"):
        backend.initialize()
