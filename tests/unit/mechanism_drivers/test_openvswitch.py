"""The Open vSwitch mechanism driver, on fake contexts (Neutron's mech-driver matrix and more)."""

from __future__ import annotations

from typing import Any

import pytest

from mechanism_drivers.openvswitch import OpenvswitchMechanismDriver
from ml2core import constants
from ml2core.exceptions import ConfigError
from ml2core.testing.fakes import FakePortContext, make_agent, make_port, make_segment
from tests.unit.mechanism_drivers.conftest import DriverFactory

HOST = "compute3"
PORT_ID = "0123456789abcdef-port"

BASE_CONFIG: dict[str, Any] = {
    "bridge_mappings": {"physnet1": "br-ex"},
    "tunnel_types": ["vxlan"],
    "integration_bridge": "br-int",
    "datapath_type": "system",
    "ovs_capabilities": {"iface_types": ["internal", "system", "tap", "vxlan"]},
}
DPDK_CONFIG: dict[str, Any] = {
    **BASE_CONFIG,
    "datapath_type": "netdev",
    "ovs_capabilities": {"iface_types": ["dpdk", "dpdkvhostuser", "internal", "vxlan"]},
}

OVS_DETAILS = {
    "port_filter": False,
    "connectivity": "l2",
    "ovs_hybrid_plug": False,
    "datapath_type": "system",
    "bridge_name": "br-int",
}


@pytest.fixture
def driver(make_driver: DriverFactory) -> OpenvswitchMechanismDriver:
    driver: OpenvswitchMechanismDriver = make_driver(OpenvswitchMechanismDriver, "openvswitch")
    return driver


def ovs_agent(*, alive: bool = True, host: str = HOST, **config: Any) -> dict[str, Any]:
    return make_agent(constants.AGENT_TYPE_OVS, host, alive=alive, configurations={**BASE_CONFIG, **config})


def port_context(
    segments: list[dict[str, Any]],
    agents: list[dict[str, Any]],
    *,
    vnic_type: str = constants.VNIC_NORMAL,
    profile: dict[str, Any] | None = None,
) -> FakePortContext:
    port = make_port(host=HOST, vnic_type=vnic_type, profile=profile, port_id=PORT_ID)
    return FakePortContext(port, segments=segments, agents=agents)


# -- network types --------------------------------------------------------------------


@pytest.mark.parametrize(
    "segment",
    [
        make_segment("local"),
        make_segment("flat", "physnet1"),
        make_segment("vlan", "physnet1", 100),
        make_segment("vxlan", segmentation_id=1001),
    ],
    ids=["local", "flat", "vlan", "vxlan"],
)
def test_allowed_network_type_binds_with_exact_ovs_vif_details(
    driver: OpenvswitchMechanismDriver, segment: dict[str, Any]
) -> None:
    context = port_context([segment], [ovs_agent()])
    driver.bind_port(context)
    assert context.bound_segment_id == segment["id"]
    assert context.bound_vif_type == constants.VIF_TYPE_OVS
    assert context.bound_vif_details == OVS_DETAILS


@pytest.mark.parametrize("network_type", ["gre", "geneve"])
def test_tunnel_type_listed_by_agent_binds(driver: OpenvswitchMechanismDriver, network_type: str) -> None:
    segment = make_segment(network_type, segmentation_id=5)
    context = port_context([segment], [ovs_agent(tunnel_types=["vxlan", network_type])])
    driver.bind_port(context)
    assert context.bound_segment_id == segment["id"]


def test_unknown_network_type_is_declined_with_reason(driver: OpenvswitchMechanismDriver) -> None:
    context = port_context([make_segment("mpls", segmentation_id=7)], [ovs_agent()])
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [
        f"network type mpls is not supported by the Open vSwitch agent on {HOST} "
        "(it supports local, flat, vlan, vxlan)"
    ]


def test_tunnel_type_not_in_agent_tunnel_types_is_declined_with_reason(
    driver: OpenvswitchMechanismDriver,
) -> None:
    context = port_context([make_segment("gre", segmentation_id=5)], [ovs_agent()])
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [
        f"network type gre is not in the tunnel_types [vxlan] of the Open vSwitch agent on {HOST}"
    ]


def test_physnet_not_in_bridge_mappings_is_declined_with_reason(
    driver: OpenvswitchMechanismDriver,
) -> None:
    context = port_context([make_segment("vlan", "physnet2", 100)], [ovs_agent()])
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [
        f"physnet physnet2 is not in the bridge_mappings of the Open vSwitch agent on {HOST}"
    ]


def test_first_reachable_segment_is_bound(driver: OpenvswitchMechanismDriver) -> None:
    unreachable = make_segment("vlan", "physnet2", 100)
    reachable = make_segment("vxlan", segmentation_id=1001)
    context = port_context([unreachable, reachable], [ovs_agent()])
    driver.bind_port(context)
    assert context.bound_segment_id == reachable["id"]


def test_decline_reason_names_every_refused_segment(driver: OpenvswitchMechanismDriver) -> None:
    context = port_context(
        [make_segment("vlan", "physnet2", 100), make_segment("gre", segmentation_id=5)],
        [ovs_agent()],
    )
    driver.bind_port(context)
    (reason,) = context.decline_reasons
    assert "physnet physnet2" in reason
    assert "network type gre" in reason


# -- agents ---------------------------------------------------------------------------


def test_no_agent_on_host_is_declined_with_reason(driver: OpenvswitchMechanismDriver) -> None:
    context = port_context([make_segment("local")], [ovs_agent(host="compute9")])
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [f"no Open vSwitch agent is registered on host {HOST}"]


def test_agent_of_another_type_is_not_used(driver: OpenvswitchMechanismDriver) -> None:
    lb_agent = make_agent(constants.AGENT_TYPE_LINUXBRIDGE, HOST)
    context = port_context([make_segment("local")], [lb_agent])
    driver.bind_port(context)
    assert context.outcome == "declined"


def test_dead_agent_is_not_bound_and_reason_says_dead_since(
    driver: OpenvswitchMechanismDriver,
) -> None:
    agent = ovs_agent(alive=False)
    context = port_context([make_segment("local")], [agent])
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [
        f"the Open vSwitch agent on {HOST} is dead since {agent['heartbeat_timestamp']}"
    ]


def test_live_agent_binds_beside_a_dead_one(driver: OpenvswitchMechanismDriver) -> None:
    context = port_context([make_segment("local")], [ovs_agent(alive=False), ovs_agent()])
    driver.bind_port(context)
    assert context.outcome == "bound"


# -- vnic types -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "vnic_type", [constants.VNIC_MACVTAP, constants.VNIC_DIRECT_PHYSICAL, constants.VNIC_BAREMETAL]
)
def test_unsupported_vnic_type_is_declined_with_reason(
    driver: OpenvswitchMechanismDriver, vnic_type: str
) -> None:
    context = port_context([make_segment("local")], [ovs_agent()], vnic_type=vnic_type)
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [
        f"vnic type {vnic_type} is not supported by openvswitch (supported: normal, direct)"
    ]


def test_direct_vnic_without_switchdev_is_declined_with_reason(
    driver: OpenvswitchMechanismDriver,
) -> None:
    context = port_context([make_segment("local")], [ovs_agent()], vnic_type=constants.VNIC_DIRECT)
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert "switchdev" in context.decline_reasons[0]


def test_direct_vnic_with_switchdev_binds_ovs_vif(driver: OpenvswitchMechanismDriver) -> None:
    context = port_context(
        [make_segment("vlan", "physnet1", 100)],
        [ovs_agent()],
        vnic_type=constants.VNIC_DIRECT,
        profile={"capabilities": ["switchdev"], "pci_slot": "0000:03:10.1"},
    )
    driver.bind_port(context)
    assert context.bound_vif_type == constants.VIF_TYPE_OVS
    assert context.bound_vif_details == OVS_DETAILS


def test_direct_vnic_with_switchdev_on_dpdk_agent_is_still_ovs(
    driver: OpenvswitchMechanismDriver,
) -> None:
    context = port_context(
        [make_segment("local")],
        [ovs_agent(**DPDK_CONFIG)],
        vnic_type=constants.VNIC_DIRECT,
        profile={"capabilities": ["switchdev"]},
    )
    driver.bind_port(context)
    assert context.bound_vif_type == constants.VIF_TYPE_OVS


def test_prohibited_vnic_type_is_declined_naming_the_option(
    make_driver: DriverFactory,
) -> None:
    driver = make_driver(
        OpenvswitchMechanismDriver, "openvswitch", OVS_DRIVER={"vnic_type_prohibit_list": ["direct"]}
    )
    context = port_context(
        [make_segment("local")],
        [ovs_agent()],
        vnic_type=constants.VNIC_DIRECT,
        profile={"capabilities": ["switchdev"]},
    )
    driver.bind_port(context)
    assert context.decline_reasons == [
        "vnic type direct is prohibited by [OVS_DRIVER] vnic_type_prohibit_list of openvswitch"
    ]


def test_prohibit_list_keeps_the_other_vnic_types(make_driver: DriverFactory) -> None:
    driver = make_driver(
        OpenvswitchMechanismDriver, "openvswitch", OVS_DRIVER={"vnic_type_prohibit_list": ["direct"]}
    )
    assert driver.supported_vnic_types == [constants.VNIC_NORMAL]


def test_prohibit_list_naming_an_unknown_vnic_type_is_a_config_error(
    make_driver: DriverFactory,
) -> None:
    with pytest.raises(ConfigError, match=r"\[OVS_DRIVER\] vnic_type_prohibit_list: 'macvtap'"):
        make_driver(
            OpenvswitchMechanismDriver,
            "openvswitch",
            OVS_DRIVER={"vnic_type_prohibit_list": ["macvtap"]},
        )


def test_prohibit_list_with_every_vnic_type_is_a_config_error(make_driver: DriverFactory) -> None:
    with pytest.raises(ConfigError, match="every vnic type"):
        make_driver(
            OpenvswitchMechanismDriver,
            "openvswitch",
            OVS_DRIVER={"vnic_type_prohibit_list": ["normal", "direct"]},
        )


# -- vhost-user or ovs ------------------------------------------------------------------


def test_netdev_datapath_with_dpdkvhostuser_binds_vhostuser_client_with_exact_details(
    driver: OpenvswitchMechanismDriver,
) -> None:
    context = port_context([make_segment("local")], [ovs_agent(**DPDK_CONFIG)])
    driver.bind_port(context)
    assert context.bound_vif_type == constants.VIF_TYPE_VHOST_USER
    assert context.bound_vif_details == {
        "port_filter": False,
        "connectivity": "l2",
        "ovs_hybrid_plug": False,
        "datapath_type": "netdev",
        "bridge_name": "br-int",
        "vhostuser_mode": "client",
        "vhostuser_ovs_plug": True,
        "vhostuser_socket": "/var/run/openvswitch/vhu0123456789a",
    }


def test_dpdkvhostuserclient_makes_qemu_the_server(driver: OpenvswitchMechanismDriver) -> None:
    agent = ovs_agent(**{**DPDK_CONFIG, "ovs_capabilities": {"iface_types": ["dpdkvhostuserclient"]}})
    context = port_context([make_segment("local")], [agent])
    driver.bind_port(context)
    assert context.bound_vif_type == constants.VIF_TYPE_VHOST_USER
    assert context.bound_vif_details is not None
    assert context.bound_vif_details["vhostuser_mode"] == "server"


def test_netdev_datapath_without_dpdk_binds_ovs(driver: OpenvswitchMechanismDriver) -> None:
    # The test sandbox's OVS: userspace datapath, no DPDK interface types.
    agent = ovs_agent(
        datapath_type="netdev",
        ovs_capabilities={"iface_types": ["internal", "system", "tap", "vxlan", "geneve"]},
    )
    context = port_context([make_segment("local")], [agent])
    driver.bind_port(context)
    assert context.bound_vif_type == constants.VIF_TYPE_OVS
    assert context.bound_vif_details == {**OVS_DETAILS, "datapath_type": "netdev"}


def test_system_datapath_with_dpdk_iface_types_binds_ovs(
    driver: OpenvswitchMechanismDriver,
) -> None:
    agent = ovs_agent(**{**DPDK_CONFIG, "datapath_type": "system"})
    context = port_context([make_segment("local")], [agent])
    driver.bind_port(context)
    assert context.bound_vif_type == constants.VIF_TYPE_OVS


def test_vhostuser_socket_is_in_the_agent_socket_dir(driver: OpenvswitchMechanismDriver) -> None:
    agent = ovs_agent(**DPDK_CONFIG, vhostuser_socket_dir="/run/vhu")
    context = port_context([make_segment("local")], [agent])
    driver.bind_port(context)
    assert context.bound_vif_details is not None
    assert context.bound_vif_details["vhostuser_socket"] == "/run/vhu/vhu0123456789a"


# -- details from the agent --------------------------------------------------------------


def test_bridge_name_is_the_agent_integration_bridge(driver: OpenvswitchMechanismDriver) -> None:
    context = port_context([make_segment("local")], [ovs_agent(integration_bridge="br-tenant")])
    driver.bind_port(context)
    assert context.bound_vif_details is not None
    assert context.bound_vif_details["bridge_name"] == "br-tenant"


def test_bridge_name_defaults_to_br_int(driver: OpenvswitchMechanismDriver) -> None:
    agent = make_agent(constants.AGENT_TYPE_OVS, HOST, configurations={})
    context = port_context([make_segment("local")], [agent])
    driver.bind_port(context)
    assert context.bound_vif_details == OVS_DETAILS


def test_hybrid_plug_follows_the_agent(driver: OpenvswitchMechanismDriver) -> None:
    context = port_context([make_segment("local")], [ovs_agent(ovs_hybrid_plug=True)])
    driver.bind_port(context)
    assert context.bound_vif_details is not None
    assert context.bound_vif_details["ovs_hybrid_plug"] is True


def test_malformed_agent_configurations_decline_instead_of_raising(
    driver: OpenvswitchMechanismDriver,
) -> None:
    agent = make_agent(
        constants.AGENT_TYPE_OVS,
        HOST,
        configurations={"bridge_mappings": ["physnet1"], "tunnel_types": "vxlan"},
    )
    context = port_context([make_segment("flat", "physnet1")], [agent])
    driver.bind_port(context)
    assert context.outcome == "declined"


# -- driver properties -------------------------------------------------------------------


def test_connectivity_is_l2(driver: OpenvswitchMechanismDriver) -> None:
    assert driver.connectivity == constants.CONNECTIVITY_L2


def test_hosts_with_segment_access_are_those_with_a_live_mapped_agent(
    driver: OpenvswitchMechanismDriver,
) -> None:
    agents = {
        "good": [ovs_agent(host="good")],
        "dead": [ovs_agent(host="dead", alive=False)],
        "unmapped": [ovs_agent(host="unmapped", bridge_mappings={})],
    }
    hosts = driver.filter_hosts_with_segment_access(
        None, [make_segment("flat", "physnet1")], set(agents), lambda host: agents[host]
    )
    assert hosts == {"good"}
