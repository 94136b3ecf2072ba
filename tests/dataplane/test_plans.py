"""What the backends compute before touching the host: names, local VLANs, cookies, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from drivers.linuxbridge.config import LinuxBridgeSettings
from drivers.linuxbridge.desired import build_desired as lb_desired
from drivers.linuxbridge.desired import vlan_device_name
from drivers.openvswitch.config import OvsSettings
from drivers.openvswitch.desired import build_desired as ovs_desired
from drivers.openvswitch.desired import tunnel_port_name
from drivers.openvswitch.flows import COOKIE_MARK, COOKIE_MASK, cookie_of
from tests.dataplane.topology import Net, make_port

pytestmark = pytest.mark.dataplane

LB = LinuxBridgeSettings(
    interface_mappings={"physnet1": "eth1"},
    netns=None,
    device_group=7,
    enable_vxlan=True,
    local_ip="198.51.100.1",
    udp_dstport=4789,
    vxlan_group=None,
    ttl=None,
    udp_csum=True,
)
OVS = OvsSettings(
    integration_bridge="br-int",
    tunnel_bridge="br-tun",
    int_peer_patch_port="patch-tun",
    tun_peer_patch_port="patch-int",
    bridge_mappings={"physnet1": "br-phys1"},
    local_ip="198.51.100.1",
    datapath_type="netdev",
    ovsdb_connection="unix:/x",
    ovsdb_timeout=10,
    ovs_rundir=None,
    netns=None,
    tunnel_csum=False,
)


def _ovs(infos: list[dict[str, Any]], recorded: dict[str, int] | None = None) -> Any:
    return ovs_desired(infos, OVS, {}, {"br-int", "br-phys1"}, recorded or {})


def test_vlan_device_names_stay_within_15_characters_and_distinct() -> None:
    short = vlan_device_name("eth1", 100)
    long_a = vlan_device_name("enp129s0f1np1", 4094)
    long_b = vlan_device_name("enp129s0f1np2", 4094)

    assert short == "eth1.100"
    assert len(long_a) <= 15 and long_a.endswith(".4094")
    assert long_a != long_b


def test_tunnel_port_names_encode_the_remote_address_within_15_characters() -> None:
    assert tunnel_port_name("vxlan", "198.51.100.2") == "vxlan-c6336402"
    assert len(tunnel_port_name("geneve", "2001:db8::1")) <= 15
    assert tunnel_port_name("gre", "198.51.100.2") != tunnel_port_name("gre", "198.51.100.3")


def test_flood_targets_are_the_other_hosts_vteps_only() -> None:
    port = make_port(Net("vxlan", 10), "10.0.0.1")

    desired = lb_desired([port.info(["198.51.100.1", "198.51.100.2"])], LB, {})

    vxlan = desired.networks[port.net.id].vxlan
    assert vxlan is not None and vxlan.flood == {("198.51.100.2", None)}


def test_unavailable_network_type_is_an_error_naming_the_reason() -> None:
    port = make_port(Net("vlan", 100, "physnet1"), "10.0.0.1")

    desired = lb_desired([port.info()], LB, {"vlan": "no 8021q"})

    assert desired.ports == {} and "no 8021q" in desired.errors[port.id]


def test_second_flat_network_on_one_interface_is_refused() -> None:
    first = make_port(Net("flat", None, "physnet1"), "10.0.0.1")
    second = make_port(Net("flat", None, "physnet1"), "10.0.0.2")

    desired = lb_desired([first.info(), second.info()], LB, {})

    assert first.id in desired.ports
    assert "eth1 already serves network" in desired.errors[second.id]


def test_malformed_port_info_is_an_error_not_an_exception() -> None:
    desired = lb_desired([{"port": {"id": "p1"}}], LB, {})

    assert "malformed" in desired.errors["p1"]


def test_recorded_local_vlans_are_kept_and_new_networks_get_the_lowest_free() -> None:
    a, b, c = (make_port(Net("vxlan", n), "10.0.0.1") for n in (1, 2, 3))

    desired = _ovs([a.info(), b.info(), c.info()], recorded={a.net.id: 2})

    lvids = desired.lvids
    assert lvids[a.net.id] == 2
    assert sorted([lvids[b.net.id], lvids[c.net.id]]) == [1, 3]


def test_one_tunnel_port_per_remote_endpoint_shared_by_networks() -> None:
    a, b = make_port(Net("vxlan", 1), "10.0.0.1"), make_port(Net("vxlan", 2), "10.0.0.2")

    desired = _ovs([a.info(["198.51.100.2"]), b.info(["198.51.100.2", "198.51.100.3"])])

    assert set(desired.tunnels) == {
        tunnel_port_name("vxlan", "198.51.100.2"),
        tunnel_port_name("vxlan", "198.51.100.3"),
    }
    assert desired.networks[a.net.id].tunnels == {tunnel_port_name("vxlan", "198.51.100.2")}


def test_endpoints_of_another_tunnel_type_are_ignored() -> None:
    port = make_port(Net("geneve", 7), "10.0.0.1")
    info = port.info(["198.51.100.2"], tunnel_type="vxlan")

    desired = _ovs([info])

    assert desired.tunnels == {}


def test_missing_provider_bridge_is_an_error_naming_it() -> None:
    port = make_port(Net("vlan", 100, "physnet1"), "10.0.0.1")

    desired = ovs_desired([port.info()], OVS, {}, {"br-int"}, {})

    assert "br-phys1" in desired.errors[port.id]


def test_flow_cookies_carry_the_ml2core_mark_and_change_with_the_flow() -> None:
    flow = "table=0,priority=0,actions=NORMAL"

    assert cookie_of(flow) & COOKIE_MASK == COOKIE_MARK
    assert cookie_of(flow) == cookie_of(flow)
    assert cookie_of(flow) != cookie_of("table=0,priority=0,actions=drop")
