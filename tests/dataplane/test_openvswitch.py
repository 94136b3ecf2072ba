"""The Open vSwitch backend on private ovsdb-server + ovs-vswitchd instances, one per namespace host.

The userspace (``netdev``) datapath runs everywhere; the kernel (``system``)
variants run only where the kernel has the OVS datapath (and, for GRE and
GENEVE, the kernel tunnel devices).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from drivers.openvswitch import OpenvswitchBackend
from drivers.openvswitch.desired import tunnel_port_name
from drivers.openvswitch.ofctl import OpenFlow
from ml2core import constants
from ml2core.exceptions import DataplaneError
from ml2core.testing.config import make_conf
from ml2core.testing.hosts import (
    ContinuousPing,
    HostLab,
    PacketCapture,
    dpdk_unavailable,
    link_kind_unavailable,
    ovs_kernel_datapath_unavailable,
)
from tests.dataplane.topology import TUNNEL_MTU, Host, Net, make_port, new_ovs_backend, ovs_host

pytestmark = pytest.mark.dataplane

_KERNEL_TUNNEL_KIND = {"vxlan": "vxlan", "gre": "gretap", "geneve": "geneve"}


def _require_datapath(datapath: str, tunnel_type: str | None = None) -> None:
    if datapath != "system":
        return
    reason = ovs_kernel_datapath_unavailable()
    if reason:
        pytest.skip(reason)
    if tunnel_type:
        reason = link_kind_unavailable(_KERNEL_TUNNEL_KIND[tunnel_type])
        if reason:
            pytest.skip(f"kernel has no {tunnel_type} tunnel devices: {reason}")


def two_hosts(lab: HostLab, **kwargs: Any) -> tuple[Host, Host]:
    wire = lab.wire()
    return ovs_host(lab, wire, 1, **kwargs), ovs_host(lab, wire, 2, **kwargs)


def tunnel_pair(lab: HostLab, tunnel_type: str = "vxlan", seg_id: int = 1001, **kwargs: Any) -> Any:
    h1, h2 = two_hosts(lab, **kwargs)
    net = Net(tunnel_type, seg_id, mtu=TUNNEL_MTU)
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, vm2 = h1.vm(lab, p1), h2.vm(lab, p2)
    return h1, h2, net, p1, p2, vm1, vm2


@pytest.mark.parametrize("datapath", ["netdev", "system"])
@pytest.mark.parametrize("tunnel_type", ["vxlan", "gre", "geneve"])
def test_tunnel_network_vms_on_two_hosts_ping_each_other(
    ovs_lab: HostLab, tunnel_type: str, datapath: str
) -> None:
    _require_datapath(datapath, tunnel_type)
    h1, h2, _, p1, p2, vm1, _ = tunnel_pair(ovs_lab, tunnel_type, datapath_type=datapath)

    r1 = h1.backend.sync([p1.info([h2.ip])])
    r2 = h2.backend.sync([p2.info([h1.ip])])

    assert r1.port_status == {p1.id: "ACTIVE"} and r2.port_status == {p2.id: "ACTIVE"}
    assert vm1.wait_for_ping(p2.ip).ok


@pytest.mark.parametrize(
    ("tunnel_type", "bpf", "expected"),
    [
        ("vxlan", "udp port 4789", "vni 5000"),
        ("geneve", "udp port 6081", "vni 0x1388"),
        ("gre", "ip proto 47", "key=0x1388"),
    ],
)
def test_tunnel_packets_carry_the_segmentation_id_as_key(
    ovs_lab: HostLab, tunnel_type: str, bpf: str, expected: str
) -> None:
    h1, h2, _, p1, p2, vm1, _ = tunnel_pair(ovs_lab, tunnel_type, 5000)
    h1.backend.sync([p1.info([h2.ip])])
    h2.backend.sync([p2.info([h1.ip])])

    with PacketCapture(h2.ns.name, "ul0", bpf, count=2) as capture:
        assert vm1.wait_for_ping(p2.ip).ok

    assert any(expected in line for line in capture.lines), capture.lines


def test_tunnel_networks_sharing_a_subnet_are_isolated(ovs_lab: HostLab) -> None:
    h1, h2 = two_hosts(ovs_lab)
    net_a, net_b = Net("vxlan", 1001, mtu=TUNNEL_MTU), Net("vxlan", 1002, mtu=TUNNEL_MTU)
    a1, a2 = make_port(net_a, "10.0.0.1"), make_port(net_a, "10.0.0.2")
    b1, b2 = make_port(net_b, "10.0.0.3"), make_port(net_b, "10.0.0.4")
    vm_a1, vm_b1 = h1.vm(ovs_lab, a1), h1.vm(ovs_lab, b1)
    h2.vm(ovs_lab, a2), h2.vm(ovs_lab, b2)
    h1.backend.sync([a1.info([h2.ip]), b1.info([h2.ip])])
    h2.backend.sync([a2.info([h1.ip]), b2.info([h1.ip])])
    assert vm_a1.wait_for_ping(a2.ip).ok and vm_b1.wait_for_ping(b2.ip).ok

    assert not vm_a1.ping(b2.ip, count=2, deadline=1.5).ok
    assert not vm_a1.ping(b1.ip, count=2, deadline=1.5).ok


def test_vlan_network_frames_carry_the_provider_tag_on_the_wire(ovs_lab: HostLab) -> None:
    physnet = ovs_lab.wire("phys")
    h1, h2 = two_hosts(ovs_lab, physical=physnet)
    net = Net("vlan", 100, "physnet1")
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(ovs_lab, p1), h2.vm(ovs_lab, p2)
    h1.backend.sync([p1.info()])
    h2.backend.sync([p2.info()])

    with PacketCapture(h2.ns.name, "ph0", "vlan 100 and icmp", count=2) as capture:
        assert vm1.wait_for_ping(p2.ip).ok

    assert any("vlan 100" in line for line in capture.lines), capture.lines


def test_vlan_networks_sharing_a_subnet_are_isolated(ovs_lab: HostLab) -> None:
    physnet = ovs_lab.wire("phys")
    h1, h2 = two_hosts(ovs_lab, physical=physnet)
    net_a, net_b = Net("vlan", 100, "physnet1"), Net("vlan", 200, "physnet1")
    a1, a2, b2 = make_port(net_a, "10.0.0.1"), make_port(net_a, "10.0.0.2"), make_port(net_b, "10.0.0.3")
    vm_a1 = h1.vm(ovs_lab, a1)
    h2.vm(ovs_lab, a2), h2.vm(ovs_lab, b2)
    h1.backend.sync([a1.info()])
    h2.backend.sync([a2.info(), b2.info()])
    assert vm_a1.wait_for_ping(a2.ip).ok

    assert not vm_a1.ping(b2.ip, count=2, deadline=1.5).ok


def test_tunnel_network_does_not_leak_onto_the_provider_network(ovs_lab: HostLab) -> None:
    physnet = ovs_lab.wire("phys")
    h1, h2 = two_hosts(ovs_lab, physical=physnet)
    tunnel, vlan = Net("vxlan", 1001, mtu=TUNNEL_MTU), Net("vlan", 100, "physnet1")
    t1, t2 = make_port(tunnel, "10.0.0.1"), make_port(tunnel, "10.0.0.2")
    v2 = make_port(vlan, "10.0.0.3")
    vm_t1 = h1.vm(ovs_lab, t1)
    h2.vm(ovs_lab, t2), h2.vm(ovs_lab, v2)
    h1.backend.sync([t1.info([h2.ip])])
    h2.backend.sync([t2.info([h1.ip]), v2.info()])
    assert vm_t1.wait_for_ping(t2.ip).ok

    with PacketCapture(h2.ns.name, "ph0", "", count=50) as capture:
        assert not vm_t1.ping(v2.ip, count=2, deadline=1.5).ok

    assert not any("10.0.0.1" in line for line in capture.lines), capture.lines


def test_flat_network_vms_ping_with_untagged_frames_on_the_wire(ovs_lab: HostLab) -> None:
    physnet = ovs_lab.wire("phys")
    h1, h2 = two_hosts(ovs_lab, physical=physnet)
    net = Net("flat", None, "physnet1")
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(ovs_lab, p1), h2.vm(ovs_lab, p2)
    h1.backend.sync([p1.info()])
    h2.backend.sync([p2.info()])

    with PacketCapture(h2.ns.name, "ph0", "icmp", count=2) as capture:
        assert vm1.wait_for_ping(p2.ip).ok

    assert capture.lines and not any("802.1Q" in line for line in capture.lines), capture.lines


def test_provider_patch_port_trunks_only_its_networks_vlans(ovs_lab: HostLab) -> None:
    physnet = ovs_lab.wire("phys")
    h1 = ovs_host(ovs_lab, ovs_lab.wire(), 1, physical=physnet)
    vlan, tunnel = Net("vlan", 100, "physnet1"), Net("vxlan", 1001, mtu=TUNNEL_MTU)
    pv, pt = make_port(vlan, "10.0.0.1"), make_port(tunnel, "10.0.1.1")
    h1.vm(ovs_lab, pv), h1.vm(ovs_lab, pt)
    assert h1.ovs is not None

    h1.backend.sync([pv.info(), pt.info(["198.51.100.9"])])

    vlan_lvid = int(h1.ovs.vsctl("get", "Port", pv.tap, "tag"))
    tunnel_lvid = int(h1.ovs.vsctl("get", "Port", pt.tap, "tag"))
    assert h1.ovs.vsctl("get", "Port", "int-br-phys1", "trunks").strip() == f"[{vlan_lvid}]"
    assert h1.ovs.vsctl("get", "Port", "patch-tun", "trunks").strip() == f"[{tunnel_lvid}]"


def test_second_sync_with_the_same_ports_changes_nothing(ovs_lab: HostLab) -> None:
    h1, h2, _, p1, _, _, _ = tunnel_pair(ovs_lab)
    first = h1.backend.sync([p1.info([h2.ip])])

    second = h1.backend.sync([p1.info([h2.ip])])

    assert first.changes > 0
    assert second.changes == 0 and second.port_status == {p1.id: "ACTIVE"}


def test_vm_port_is_on_br_int_with_iface_id_attached_mac_and_a_local_vlan(ovs_lab: HostLab) -> None:
    h1, h2, _, p1, _, _, _ = tunnel_pair(ovs_lab)
    assert h1.ovs is not None

    h1.backend.sync([p1.info([h2.ip])])

    assert h1.ovs.vsctl("port-to-br", p1.tap).strip() == "br-int"
    assert h1.ovs.vsctl("get", "Interface", p1.tap, "external_ids:iface-id").strip() == f'"{p1.id}"'
    assert h1.ovs.vsctl("get", "Interface", p1.tap, "external_ids:attached-mac").strip() == f'"{p1.mac}"'
    assert 1 <= int(h1.ovs.vsctl("get", "Port", p1.tap, "tag")) < 4095


def test_restarted_backend_keeps_ports_flows_and_traffic_undisturbed(ovs_lab: HostLab) -> None:
    h1, h2, _, p1, p2, vm1, _ = tunnel_pair(ovs_lab)
    h1.backend.sync([p1.info([h2.ip])])
    h2.backend.sync([p2.info([h1.ip])])
    assert vm1.wait_for_ping(p2.ip).ok
    h1.backend.close()

    restarted = new_ovs_backend(h1)
    restarted.initialize()
    report = restarted.sync([p1.info([h2.ip])])
    restarted.close()

    assert report.changes == 0 and report.port_status == {p1.id: "ACTIVE"}


def test_restart_and_resync_do_not_interrupt_traffic(ovs_lab: HostLab) -> None:
    h1, h2, _, p1, p2, vm1, _ = tunnel_pair(ovs_lab)
    h1.backend.sync([p1.info([h2.ip])])
    h2.backend.sync([p2.info([h1.ip])])
    assert vm1.wait_for_ping(p2.ip).ok

    with ContinuousPing(vm1.name, p2.ip) as stream:
        time.sleep(0.3)
        h1.backend.close()
        restarted = new_ovs_backend(h1)
        restarted.initialize()
        restarted.sync([p1.info([h2.ip])])
        restarted.close()
        time.sleep(0.3)

    assert stream.transmitted > 5 and stream.lost == 0, stream.output


def test_port_no_longer_listed_loses_its_ovs_port_tunnel_and_flows(ovs_lab: HostLab) -> None:
    h1, h2, net, p1, _, _, _ = tunnel_pair(ovs_lab)
    assert h1.ovs is not None
    h1.backend.sync([p1.info([h2.ip])])
    tunnel = tunnel_port_name("vxlan", h2.ip)

    report = h1.backend.sync([])

    assert report.removed == [p1.id]
    assert p1.tap not in h1.ovs.interface_names("br-int")
    assert tunnel not in h1.ovs.interface_names("br-tun")
    assert not any(f"tun_id={net.segmentation_id:#x}" in flow for flow in h1.ovs.dump_flows("br-tun"))


def test_removed_endpoint_loses_its_tunnel_port(ovs_lab: HostLab) -> None:
    h1, _, _, p1, _, _, _ = tunnel_pair(ovs_lab)
    assert h1.ovs is not None
    h1.backend.sync([p1.info(["198.51.100.2", "198.51.100.3"])])
    assert {tunnel_port_name("vxlan", "198.51.100.2"), tunnel_port_name("vxlan", "198.51.100.3")} <= (
        h1.ovs.interface_names("br-tun")
    )

    h1.backend.sync([p1.info(["198.51.100.3"])])

    names = h1.ovs.interface_names("br-tun")
    assert tunnel_port_name("vxlan", "198.51.100.2") not in names
    assert tunnel_port_name("vxlan", "198.51.100.3") in names


def test_ports_bridges_and_flows_ml2core_did_not_create_are_left_untouched(ovs_lab: HostLab) -> None:
    h1, h2, _, p1, _, _, _ = tunnel_pair(ovs_lab)
    ovs = h1.ovs
    assert ovs is not None
    h1.ns.ip_batch(["link add foreign0 type veth peer name foreign1", "link set foreign0 up"])
    h1.backend.sync([p1.info([h2.ip])])
    ovs.add_port("br-int", "foreign0")
    ovs.ofctl("add-flow", "br-int", "cookie=0x1234,table=0,priority=50,dl_type=0x88cc,actions=drop")
    ovs.add_bridge("br-foreign")

    h1.backend.sync([])

    assert "foreign0" in ovs.interface_names("br-int")
    assert any("cookie=0x1234" in flow for flow in ovs.dump_flows("br-int"))
    assert "br-foreign" in ovs.vsctl("list-br").split()


def test_vm_port_added_by_someone_else_is_configured_but_never_deleted(ovs_lab: HostLab) -> None:
    h1, h2, _, p1, p2, vm1, _ = tunnel_pair(ovs_lab)
    assert h1.ovs is not None
    h1.ns.ip("link", "set", p1.tap, "mtu", str(TUNNEL_MTU), "up")
    h1.ovs.vsctl(
        "add-port", "br-int", p1.tap, "--", "set", "Interface", p1.tap, f"external_ids:iface-id={p1.id}"
    )
    h2.backend.sync([p2.info([h1.ip])])

    report = h1.backend.sync([p1.info([h2.ip])])
    assert report.port_status == {p1.id: "ACTIVE"} and vm1.wait_for_ping(p2.ip).ok
    h1.backend.sync([])

    assert p1.tap in h1.ovs.interface_names("br-int")


def test_interrupted_sync_is_repaired_by_the_next(ovs_lab: HostLab, monkeypatch: pytest.MonkeyPatch) -> None:
    h1, h2, _, p1, p2, vm1, _ = tunnel_pair(ovs_lab)
    h2.backend.sync([p2.info([h1.ip])])

    def crash(self: OpenFlow, *args: Any, **kwargs: Any) -> int:
        raise RuntimeError("agent killed between the OVSDB transaction and the flows")

    monkeypatch.setattr(OpenFlow, "sync", crash)
    with pytest.raises(RuntimeError):
        h1.backend.sync([p1.info([h2.ip])])
    monkeypatch.undo()

    restarted = new_ovs_backend(h1)
    restarted.initialize()
    report = restarted.sync([p1.info([h2.ip])])
    again = restarted.sync([p1.info([h2.ip])])
    restarted.close()

    assert report.changes > 0 and report.port_status == {p1.id: "ACTIVE"}
    assert again.changes == 0
    assert vm1.wait_for_ping(p2.ip).ok


def test_flows_lost_in_a_vswitchd_restart_are_reinstalled(ovs_lab: HostLab) -> None:
    h1, h2, _, p1, p2, vm1, _ = tunnel_pair(ovs_lab)
    assert h1.ovs is not None
    h1.backend.sync([p1.info([h2.ip])])
    h2.backend.sync([p2.info([h1.ip])])

    h1.ovs.restart_vswitchd()
    report = h1.backend.sync([p1.info([h2.ip])])

    assert report.changes > 0
    assert vm1.wait_for_ping(p2.ip).ok


def test_vm_mtu_equals_the_network_mtu_and_a_full_size_packet_passes(ovs_lab: HostLab) -> None:
    h1, h2, net, p1, p2, vm1, _ = tunnel_pair(ovs_lab)
    h1.backend.sync([p1.info([h2.ip])])
    h2.backend.sync([p2.info([h1.ip])])

    assert h1.ns.link_mtu(p1.tap) == vm1.ns.link_mtu("eth0") == net.mtu
    assert vm1.wait_for_ping(p2.ip, size=net.mtu - 28, dont_fragment=True).ok


def test_port_whose_tap_is_absent_is_down_then_plugged_by_the_next_sync(ovs_lab: HostLab) -> None:
    h1, h2 = two_hosts(ovs_lab)
    p1 = make_port(Net("vxlan", 1001, mtu=TUNNEL_MTU), "10.0.0.1")
    assert h1.ovs is not None

    before = h1.backend.sync([p1.info([h2.ip])])
    h1.vm(ovs_lab, p1)
    after = h1.backend.sync([p1.info([h2.ip])])

    assert before.port_status == {p1.id: "DOWN"} and p1.tap in before.errors[p1.id]
    assert after.port_status == {p1.id: "ACTIVE"} and after.errors == {}


def test_admin_down_port_gets_the_dead_vlan_and_no_traffic(ovs_lab: HostLab) -> None:
    h1, h2, _, p1, p2, vm1, _ = tunnel_pair(ovs_lab)
    assert h1.ovs is not None
    h2.backend.sync([p2.info([h1.ip])])
    h1.backend.sync([p1.info([h2.ip])])
    assert vm1.wait_for_ping(p2.ip).ok
    p1.admin_state_up = False

    report = h1.backend.sync([p1.info([h2.ip])])

    assert report.port_status == {p1.id: "DOWN"} and report.errors == {}
    assert h1.ovs.vsctl("get", "Port", p1.tap, "tag").strip() == "4095"
    assert not vm1.ping(p2.ip, count=2, deadline=1.5).ok


def test_unplug_removes_the_port_and_what_only_it_needed(ovs_lab: HostLab) -> None:
    h1, h2, _, p1, _, _, _ = tunnel_pair(ovs_lab)
    assert h1.ovs is not None
    h1.backend.plug(p1.info([h2.ip]))

    h1.backend.unplug(p1.id)

    assert p1.tap not in h1.ovs.interface_names("br-int")
    assert tunnel_port_name("vxlan", h2.ip) not in h1.ovs.interface_names("br-tun")


def test_unmapped_physical_network_port_is_down_with_reason(ovs_lab: HostLab) -> None:
    h1 = ovs_host(ovs_lab, ovs_lab.wire(), 1, physical=ovs_lab.wire("phys"))
    port = make_port(Net("vlan", 100, "physnet9"), "10.0.0.1")
    h1.vm(ovs_lab, port)

    report = h1.backend.sync([port.info()])

    assert report.port_status == {port.id: "DOWN"}
    assert "physnet9" in report.errors[port.id]


def test_describe_lists_tunnel_types_and_why_provider_networks_are_unavailable(ovs_lab: HostLab) -> None:
    h1, _ = two_hosts(ovs_lab)

    description = h1.backend.describe()

    assert {"vxlan", "gre", "geneve", "local"} <= description.network_types
    assert "bridge_mappings" in description.unavailable["vlan"]
    assert description.vif_types == {constants.VIF_TYPE_OVS}


def test_describe_says_why_vhost_user_ports_are_unavailable(ovs_lab: HostLab) -> None:
    reason = dpdk_unavailable()
    if reason is None:
        pytest.skip("ovs-vswitchd has DPDK here; vhost-user is unavailable for another reason")
    h1 = ovs_host(ovs_lab, ovs_lab.wire(), 1)

    description = h1.backend.describe()

    assert "without DPDK" in description.unavailable[constants.VIF_TYPE_VHOST_USER]
    assert constants.VIF_TYPE_VHOST_USER not in description.vif_types


def test_local_network_vms_on_one_host_ping(ovs_lab: HostLab) -> None:
    h1 = ovs_host(ovs_lab, ovs_lab.wire(), 1)
    net = Net("local")
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, _ = h1.vm(ovs_lab, p1), h1.vm(ovs_lab, p2)

    report = h1.backend.sync([p1.info(), p2.info()])

    assert report.port_status == {p1.id: "ACTIVE", p2.id: "ACTIVE"}
    assert vm1.wait_for_ping(p2.ip).ok


def test_unsupported_datapath_type_fails_initialize_naming_it(ovs_lab: HostLab) -> None:
    if ovs_kernel_datapath_unavailable() is None:
        pytest.skip("this host has the OVS kernel datapath; the sandbox still disables it")
    host = ovs_lab.host("ovs")
    sandbox = ovs_lab.ovs(host)
    backend = OpenvswitchBackend(
        make_conf(ovs={"datapath_type": "system"}),
        ovsdb_connection=sandbox.db_connection,
        ovs_rundir=sandbox.rundir,
        netns=host.name,
    )
    ovs_lab.defer(backend.close)

    with pytest.raises(DataplaneError, match="datapath_type system"):
        backend.initialize()


def test_unreachable_ovsdb_fails_initialize_with_dataplane_error(ovs_lab: HostLab) -> None:
    backend = OpenvswitchBackend(
        make_conf(ovs={"ovsdb_timeout": 1}), ovsdb_connection="unix:/nonexistent/db.sock"
    )
    ovs_lab.defer(backend.close)

    with pytest.raises(DataplaneError, match="OVSDB"):
        backend.initialize()
