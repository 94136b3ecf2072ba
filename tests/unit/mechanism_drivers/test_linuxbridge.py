"""The Linux bridge mechanism driver, on fake contexts (Neutron's mech-driver matrix)."""

from __future__ import annotations

from typing import Any

import pytest

from mechanism_drivers.linuxbridge import LinuxBridgeMechanismDriver
from ml2core import constants
from ml2core.exceptions import ConfigError
from ml2core.testing.fakes import FakeNetworkContext, FakePortContext, make_agent, make_port, make_segment
from tests.unit.mechanism_drivers.conftest import DriverFactory

HOST = "compute2"
BASE_CONFIG: dict[str, Any] = {
    "interface_mappings": {"physnet1": "eth1"},
    "bridge_mappings": {"physnet3": "br-provider"},
    "tunnel_types": ["vxlan"],
}
LB_DETAILS = {"port_filter": False, "connectivity": "l2"}


@pytest.fixture
def driver(make_driver: DriverFactory) -> LinuxBridgeMechanismDriver:
    driver: LinuxBridgeMechanismDriver = make_driver(LinuxBridgeMechanismDriver, "linuxbridge")
    return driver


def lb_agent(*, alive: bool = True, host: str = HOST, **config: Any) -> dict[str, Any]:
    return make_agent(
        constants.AGENT_TYPE_LINUXBRIDGE,
        host,
        alive=alive,
        configurations={**BASE_CONFIG, **config},
    )


def port_context(
    segments: list[dict[str, Any]],
    agents: list[dict[str, Any]],
    *,
    vnic_type: str = constants.VNIC_NORMAL,
) -> FakePortContext:
    return FakePortContext(make_port(host=HOST, vnic_type=vnic_type), segments=segments, agents=agents)


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
def test_allowed_network_type_binds_bridge_with_exact_vif_details(
    driver: LinuxBridgeMechanismDriver, segment: dict[str, Any]
) -> None:
    context = port_context([segment], [lb_agent()])
    driver.bind_port(context)
    assert context.bound_segment_id == segment["id"]
    assert context.bound_vif_type == constants.VIF_TYPE_BRIDGE
    assert context.bound_vif_details == LB_DETAILS


def test_physnet_in_bridge_mappings_binds(driver: LinuxBridgeMechanismDriver) -> None:
    segment = make_segment("vlan", "physnet3", 200)
    context = port_context([segment], [lb_agent()])
    driver.bind_port(context)
    assert context.bound_segment_id == segment["id"]


def test_physnet_in_neither_mapping_is_declined_with_reason(
    driver: LinuxBridgeMechanismDriver,
) -> None:
    context = port_context([make_segment("flat", "physnet2")], [lb_agent()])
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [
        "physnet physnet2 is not in the interface_mappings or bridge_mappings of the "
        f"Linux bridge agent on {HOST}"
    ]


def test_vxlan_not_in_agent_tunnel_types_is_declined_with_reason(
    driver: LinuxBridgeMechanismDriver,
) -> None:
    context = port_context([make_segment("vxlan", segmentation_id=1001)], [lb_agent(tunnel_types=[])])
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [
        f"network type vxlan is not in the tunnel_types [] of the Linux bridge agent on {HOST}"
    ]


@pytest.mark.parametrize("network_type", ["gre", "geneve"])
def test_tunnel_type_other_than_vxlan_is_declined_even_if_agent_lists_it(
    driver: LinuxBridgeMechanismDriver, network_type: str
) -> None:
    segment = make_segment(network_type, segmentation_id=5)
    context = port_context([segment], [lb_agent(tunnel_types=["vxlan", network_type])])
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [
        f"network type {network_type} is not supported by the Linux bridge agent on {HOST} "
        "(its only tunnel type is vxlan)"
    ]


def test_unknown_network_type_is_declined_with_reason(driver: LinuxBridgeMechanismDriver) -> None:
    context = port_context([make_segment("mpls", segmentation_id=7)], [lb_agent()])
    driver.bind_port(context)
    assert context.decline_reasons == [
        f"network type mpls is not supported by the Linux bridge agent on {HOST} "
        "(it supports local, flat, vlan, vxlan)"
    ]


def test_no_agent_on_host_is_declined_with_reason(driver: LinuxBridgeMechanismDriver) -> None:
    context = port_context([make_segment("local")], [])
    driver.bind_port(context)
    assert context.decline_reasons == [f"no Linux bridge agent is registered on host {HOST}"]


def test_dead_agent_is_not_bound_and_reason_says_dead_since(
    driver: LinuxBridgeMechanismDriver,
) -> None:
    agent = lb_agent(alive=False)
    context = port_context([make_segment("local")], [agent])
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons == [
        f"the Linux bridge agent on {HOST} is dead since {agent['heartbeat_timestamp']}"
    ]


@pytest.mark.parametrize(
    "vnic_type", [constants.VNIC_DIRECT, constants.VNIC_MACVTAP, constants.VNIC_DIRECT_PHYSICAL]
)
def test_vnic_type_other_than_normal_is_declined_with_reason(
    driver: LinuxBridgeMechanismDriver, vnic_type: str
) -> None:
    context = port_context([make_segment("local")], [lb_agent()], vnic_type=vnic_type)
    driver.bind_port(context)
    assert context.decline_reasons == [
        f"vnic type {vnic_type} is not supported by linuxbridge (supported: normal)"
    ]


def test_prohibiting_normal_is_a_config_error(make_driver: DriverFactory) -> None:
    with pytest.raises(ConfigError, match=r"\[LINUXBRIDGE_DRIVER\] vnic_type_prohibit_list"):
        make_driver(
            LinuxBridgeMechanismDriver,
            "linuxbridge",
            LINUXBRIDGE_DRIVER={"vnic_type_prohibit_list": ["normal"]},
        )


def test_connectivity_is_l2(driver: LinuxBridgeMechanismDriver) -> None:
    assert driver.connectivity == constants.CONNECTIVITY_L2


def test_vlan_transparent_networks_are_supported(driver: LinuxBridgeMechanismDriver) -> None:
    assert driver.check_vlan_transparency(FakeNetworkContext()) is True


def test_decline_reason_lists_only_the_types_the_agent_really_carries(
    driver: LinuxBridgeMechanismDriver,
) -> None:
    agent = lb_agent(tunnel_types=["vxlan", "gre"])
    context = port_context([make_segment("mpls", segmentation_id=7)], [agent])
    driver.bind_port(context)
    assert context.decline_reasons[0].endswith("(it supports local, flat, vlan, vxlan)")
