"""The three drivers loaded by entry point into a real plugin (SQLite) bind each port to the right one."""

from __future__ import annotations

from typing import Any

import pytest

from ml2core import Context, Ml2Plugin, constants
from tests.conftest import PluginFactory

ML2 = {
    "type_drivers": ["flat", "vlan", "vxlan", "local"],
    "mechanism_drivers": ["openvswitch", "linuxbridge", "sriovnicswitch"],
    "project_network_types": ["vxlan"],
}
AGENTS = [
    {
        "host": "ovs-host",
        "agent_type": constants.AGENT_TYPE_OVS,
        "binary": "ml2core-agent",
        # This machine's OVS: userspace datapath without DPDK.
        "configurations": {
            "bridge_mappings": {"physnet1": "br-ex"},
            "tunnel_types": ["vxlan"],
            "datapath_type": "netdev",
            "ovs_capabilities": {"iface_types": ["internal", "tap", "vxlan"]},
        },
    },
    {
        "host": "lb-host",
        "agent_type": constants.AGENT_TYPE_LINUXBRIDGE,
        "binary": "ml2core-agent",
        "configurations": {"interface_mappings": {"physnet1": "eth1"}, "tunnel_types": ["vxlan"]},
    },
    {
        "host": "sriov-host",
        "agent_type": constants.AGENT_TYPE_NIC_SWITCH,
        "binary": "ml2core-agent",
        "configurations": {"device_mappings": {"physnet1": ["enp3s0f0"]}},
    },
]


@pytest.fixture
def plugin(make_sqlite_plugin: PluginFactory) -> Ml2Plugin:
    plugin = make_sqlite_plugin(
        ml2=ML2,
        ml2_type_vxlan={"vni_ranges": ["1:100"]},
        ml2_type_vlan={"network_vlan_ranges": ["physnet1:100:200"]},
        ml2_type_flat={"flat_networks": ["physnet1"]},
    )
    for state in AGENTS:
        plugin.report_agent_state(Context.admin(), state)
    return plugin


@pytest.fixture
def vlan_network(plugin: Ml2Plugin) -> dict[str, Any]:
    return plugin.create_network(
        Context.admin(),
        {
            "name": "vlan",
            "provider:network_type": "vlan",
            "provider:physical_network": "physnet1",
            "provider:segmentation_id": 150,
        },
    )


@pytest.mark.parametrize(
    ("host", "vnic_type", "vif_type"),
    [
        ("ovs-host", constants.VNIC_NORMAL, constants.VIF_TYPE_OVS),
        ("lb-host", constants.VNIC_NORMAL, constants.VIF_TYPE_BRIDGE),
        ("sriov-host", constants.VNIC_DIRECT, constants.VIF_TYPE_HW_VEB),
        ("ovs-host", constants.VNIC_DIRECT_PHYSICAL, constants.VIF_TYPE_HOSTDEV_PHY),
    ],
)
def test_port_binds_to_the_driver_of_its_host_and_vnic_type(
    plugin: Ml2Plugin, vlan_network: dict[str, Any], host: str, vnic_type: str, vif_type: str
) -> None:
    port = plugin.create_port(
        Context.admin(),
        {"network_id": vlan_network["id"], "binding:host_id": host, "binding:vnic_type": vnic_type},
    )
    assert port["binding:vif_type"] == vif_type


def test_direct_physical_port_is_active_at_once(plugin: Ml2Plugin, vlan_network: dict[str, Any]) -> None:
    port = plugin.create_port(
        Context.admin(),
        {
            "network_id": vlan_network["id"],
            "binding:host_id": "sriov-host",
            "binding:vnic_type": constants.VNIC_DIRECT_PHYSICAL,
        },
    )
    assert port["status"] == constants.PORT_STATUS_ACTIVE


def test_netdev_ovs_without_dpdk_gets_an_ovs_vif(plugin: Ml2Plugin) -> None:
    network = plugin.create_network(Context.admin(), {"name": "tenant"})
    port = plugin.create_port(Context.admin(), {"network_id": network["id"], "binding:host_id": "ovs-host"})
    assert (port["binding:vif_type"], port["binding:vif_details"]["datapath_type"]) == (
        constants.VIF_TYPE_OVS,
        "netdev",
    )


def test_explain_binding_gives_each_driver_reason(plugin: Ml2Plugin, vlan_network: dict[str, Any]) -> None:
    port = plugin.create_port(
        Context.admin(), {"network_id": vlan_network["id"], "binding:host_id": "nowhere"}
    )
    (level,) = plugin.explain_binding(Context.admin(), port["id"])["levels"]
    assert {d["driver"]: d["reason"] for d in level["drivers"]} == {
        "openvswitch": "no Open vSwitch agent is registered on host nowhere",
        "linuxbridge": "no Linux bridge agent is registered on host nowhere",
        "sriovnicswitch": "vnic type normal is not supported by sriovnicswitch "
        "(supported: direct, macvtap, direct-physical)",
    }
