"""The SR-IOV NIC switch mechanism driver, on fake contexts (Neutron's vnic matrix and more)."""

from __future__ import annotations

from typing import Any

import pytest

from mechanism_drivers.sriovnicswitch import SriovNicSwitchMechanismDriver
from ml2core import constants
from ml2core.exceptions import ConfigError
from ml2core.testing.fakes import FakePortContext, make_agent, make_port, make_segment
from tests.unit.mechanism_drivers.conftest import DriverFactory

HOST = "compute5"
DEVICE_MAPPINGS = {"physnet1": ["enp3s0f0"]}
GOOD_PROFILE = {
    "pci_slot": "0000:03:10.1",
    "pci_vendor_info": "8086:10ed",
    "physical_network": "physnet1",
}

VF_VNIC_TYPES = [constants.VNIC_DIRECT, constants.VNIC_MACVTAP]


@pytest.fixture
def driver(make_driver: DriverFactory) -> SriovNicSwitchMechanismDriver:
    driver: SriovNicSwitchMechanismDriver = make_driver(SriovNicSwitchMechanismDriver, "sriovnicswitch")
    return driver


def nic_agent(*, alive: bool = True, host: str = HOST, device_mappings: Any = None) -> dict[str, Any]:
    return make_agent(
        constants.AGENT_TYPE_NIC_SWITCH,
        host,
        alive=alive,
        configurations={"device_mappings": DEVICE_MAPPINGS if device_mappings is None else device_mappings},
    )


def port_context(
    segments: list[dict[str, Any]],
    agents: list[dict[str, Any]],
    *,
    vnic_type: str = constants.VNIC_DIRECT,
    profile: Any = None,
) -> FakePortContext:
    port = make_port(host=HOST, vnic_type=vnic_type)
    port["binding:profile"] = dict(GOOD_PROFILE) if profile is None else profile
    return FakePortContext(port, segments=segments, agents=agents)


# -- the vnic matrix ----------------------------------------------------------------------


@pytest.mark.parametrize("vnic_type", VF_VNIC_TYPES)
def test_vf_vnic_type_on_vlan_binds_hw_veb_with_vlan_id_and_status_down(
    driver: SriovNicSwitchMechanismDriver, vnic_type: str
) -> None:
    segment = make_segment("vlan", "physnet1", 100)
    context = port_context([segment], [nic_agent()], vnic_type=vnic_type)
    driver.bind_port(context)
    assert context.bound_segment_id == segment["id"]
    assert context.bound_vif_type == constants.VIF_TYPE_HW_VEB
    assert context.bound_vif_details == {"port_filter": False, "connectivity": "l2", "vlan": "100"}
    assert context.bound_status == constants.PORT_STATUS_DOWN


def test_flat_segment_binds_with_vlan_zero(driver: SriovNicSwitchMechanismDriver) -> None:
    context = port_context([make_segment("flat", "physnet1")], [nic_agent()])
    driver.bind_port(context)
    assert context.bound_vif_details == {"port_filter": False, "connectivity": "l2", "vlan": "0"}


def test_direct_physical_binds_without_agent_and_sets_port_active(
    driver: SriovNicSwitchMechanismDriver,
) -> None:
    segment = make_segment("vlan", "physnet1", 100)
    context = port_context([segment], [], vnic_type=constants.VNIC_DIRECT_PHYSICAL)
    driver.bind_port(context)
    assert context.bound_segment_id == segment["id"]
    assert context.bound_vif_type == constants.VIF_TYPE_HOSTDEV_PHY
    assert context.bound_vif_details == {"port_filter": False, "connectivity": "l2", "vlan": "100"}
    assert context.bound_status == constants.PORT_STATUS_ACTIVE


def test_direct_physical_ignores_a_dead_agent(driver: SriovNicSwitchMechanismDriver) -> None:
    context = port_context(
        [make_segment("flat", "physnet1")],
        [nic_agent(alive=False)],
        vnic_type=constants.VNIC_DIRECT_PHYSICAL,
    )
    driver.bind_port(context)
    assert context.bound_status == constants.PORT_STATUS_ACTIVE


def test_direct_physical_on_tunnel_segment_is_declined_with_reason(
    driver: SriovNicSwitchMechanismDriver,
) -> None:
    context = port_context(
        [make_segment("vxlan", segmentation_id=1001)], [], vnic_type=constants.VNIC_DIRECT_PHYSICAL
    )
    driver.bind_port(context)
    assert context.decline_reasons == [
        "network type vxlan is not supported by sriovnicswitch (it binds flat, vlan)"
    ]


@pytest.mark.parametrize("vnic_type", [constants.VNIC_NORMAL, constants.VNIC_BAREMETAL])
def test_non_sriov_vnic_type_is_declined_with_reason(
    driver: SriovNicSwitchMechanismDriver, vnic_type: str
) -> None:
    context = port_context([make_segment("flat", "physnet1")], [nic_agent()], vnic_type=vnic_type)
    driver.bind_port(context)
    assert context.decline_reasons == [
        f"vnic type {vnic_type} is not supported by sriovnicswitch "
        "(supported: direct, macvtap, direct-physical)"
    ]


def test_direct_with_switchdev_is_left_to_openvswitch(
    driver: SriovNicSwitchMechanismDriver,
) -> None:
    profile = {**GOOD_PROFILE, "capabilities": ["switchdev"]}
    context = port_context([make_segment("flat", "physnet1")], [nic_agent()], profile=profile)
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert "Open vSwitch" in context.decline_reasons[0]


# -- network types, agents, mappings --------------------------------------------------------


@pytest.mark.parametrize("network_type", ["vxlan", "gre", "geneve", "local"])
def test_network_type_other_than_flat_or_vlan_is_declined_with_reason(
    driver: SriovNicSwitchMechanismDriver, network_type: str
) -> None:
    context = port_context([make_segment(network_type, segmentation_id=5)], [nic_agent()])
    driver.bind_port(context)
    assert context.decline_reasons == [
        f"network type {network_type} is not supported by the NIC Switch agent on {HOST} "
        "(it supports flat, vlan)"
    ]


def test_no_agent_on_host_is_declined_with_reason(driver: SriovNicSwitchMechanismDriver) -> None:
    context = port_context([make_segment("flat", "physnet1")], [nic_agent(host="other")])
    driver.bind_port(context)
    assert context.decline_reasons == [f"no NIC Switch agent is registered on host {HOST}"]


@pytest.mark.parametrize("vnic_type", VF_VNIC_TYPES)
def test_dead_agent_is_not_bound_and_reason_says_dead_since(
    driver: SriovNicSwitchMechanismDriver, vnic_type: str
) -> None:
    agent = nic_agent(alive=False)
    context = port_context([make_segment("flat", "physnet1")], [agent], vnic_type=vnic_type)
    driver.bind_port(context)
    assert context.decline_reasons == [
        f"the NIC Switch agent on {HOST} is dead since {agent['heartbeat_timestamp']}"
    ]


def test_physnet_not_in_device_mappings_is_declined_with_reason(
    driver: SriovNicSwitchMechanismDriver,
) -> None:
    context = port_context(
        [make_segment("vlan", "physnet2", 100)],
        [nic_agent()],
        profile={**GOOD_PROFILE, "physical_network": "physnet2"},
    )
    driver.bind_port(context)
    assert context.decline_reasons == [
        f"physnet physnet2 is not in the device_mappings of the NIC Switch agent on {HOST}"
    ]


# -- binding:profile ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pci_slot", "0000:03:10"),
        ("pci_slot", "03:10.1"),
        ("pci_slot", "0000:03:10.8"),
        ("pci_slot", 42),
        ("pci_vendor_info", "8086-10ed"),
        ("pci_vendor_info", "8086:10edf"),
        ("physical_network", ""),
        ("physical_network", ["physnet1"]),
        ("capabilities", "switchdev"),
    ],
)
def test_malformed_profile_field_is_declined_naming_the_field(
    driver: SriovNicSwitchMechanismDriver, field: str, value: Any
) -> None:
    context = port_context(
        [make_segment("flat", "physnet1")], [nic_agent()], profile={**GOOD_PROFILE, field: value}
    )
    driver.bind_port(context)
    assert context.outcome == "declined"
    assert context.decline_reasons[0].startswith(f"binding:profile {field} {value!r} is malformed")


def test_profile_that_is_not_a_dict_is_declined(driver: SriovNicSwitchMechanismDriver) -> None:
    context = port_context([make_segment("flat", "physnet1")], [nic_agent()], profile="0000:03:10.1")
    driver.bind_port(context)
    assert context.decline_reasons == ["binding:profile must be a dict, not str"]


def test_empty_profile_binds(driver: SriovNicSwitchMechanismDriver) -> None:
    context = port_context([make_segment("flat", "physnet1")], [nic_agent()], profile={})
    driver.bind_port(context)
    assert context.outcome == "bound"


def test_profile_physnet_other_than_segment_physnet_is_declined_naming_both(
    driver: SriovNicSwitchMechanismDriver,
) -> None:
    agent = nic_agent(device_mappings={"physnet1": ["p1"], "physnet2": ["p2"]})
    segment = make_segment("vlan", "physnet1", 100)
    context = port_context([segment], [agent], profile={**GOOD_PROFILE, "physical_network": "physnet2"})
    driver.bind_port(context)
    assert context.decline_reasons == [
        f"physnet physnet1 of segment {segment['id']} is not the binding:profile "
        "physical_network physnet2 of the port's device"
    ]


def test_profile_physnet_chooses_among_segments(driver: SriovNicSwitchMechanismDriver) -> None:
    agent = nic_agent(device_mappings={"physnet1": ["p1"], "physnet2": ["p2"]})
    on_physnet2 = make_segment("vlan", "physnet2", 200)
    context = port_context(
        [make_segment("vlan", "physnet1", 100), on_physnet2],
        [agent],
        profile={**GOOD_PROFILE, "physical_network": "physnet2"},
    )
    driver.bind_port(context)
    assert context.bound_segment_id == on_physnet2["id"]


# -- configuration ----------------------------------------------------------------------------


def test_prohibited_vnic_type_is_declined_naming_the_option(make_driver: DriverFactory) -> None:
    driver = make_driver(
        SriovNicSwitchMechanismDriver,
        "sriovnicswitch",
        SRIOV_DRIVER={"vnic_type_prohibit_list": ["macvtap"]},
    )
    context = port_context(
        [make_segment("flat", "physnet1")], [nic_agent()], vnic_type=constants.VNIC_MACVTAP
    )
    driver.bind_port(context)
    assert context.decline_reasons == [
        "vnic type macvtap is prohibited by [SRIOV_DRIVER] vnic_type_prohibit_list of sriovnicswitch"
    ]


def test_prohibited_direct_physical_is_not_bound_without_agent(make_driver: DriverFactory) -> None:
    driver = make_driver(
        SriovNicSwitchMechanismDriver,
        "sriovnicswitch",
        SRIOV_DRIVER={"vnic_type_prohibit_list": ["direct-physical"]},
    )
    context = port_context([make_segment("flat", "physnet1")], [], vnic_type=constants.VNIC_DIRECT_PHYSICAL)
    driver.bind_port(context)
    assert context.outcome == "declined"


def test_prohibit_list_keeps_the_other_vnic_types(make_driver: DriverFactory) -> None:
    driver = make_driver(
        SriovNicSwitchMechanismDriver,
        "sriovnicswitch",
        SRIOV_DRIVER={"vnic_type_prohibit_list": ["macvtap"]},
    )
    assert driver.supported_vnic_types == [constants.VNIC_DIRECT, constants.VNIC_DIRECT_PHYSICAL]


def test_prohibit_list_naming_an_unknown_vnic_type_is_a_config_error(
    make_driver: DriverFactory,
) -> None:
    with pytest.raises(ConfigError, match=r"\[SRIOV_DRIVER\] vnic_type_prohibit_list: 'normal'"):
        make_driver(
            SriovNicSwitchMechanismDriver,
            "sriovnicswitch",
            SRIOV_DRIVER={"vnic_type_prohibit_list": ["normal"]},
        )


def test_prohibit_list_with_every_vnic_type_is_a_config_error(make_driver: DriverFactory) -> None:
    with pytest.raises(ConfigError, match="every vnic type"):
        make_driver(
            SriovNicSwitchMechanismDriver,
            "sriovnicswitch",
            SRIOV_DRIVER={"vnic_type_prohibit_list": ["direct", "macvtap", "direct-physical"]},
        )


def test_connectivity_is_l2(driver: SriovNicSwitchMechanismDriver) -> None:
    assert driver.connectivity == constants.CONNECTIVITY_L2
