"""The three drivers in one ``[ml2] mechanism_drivers`` list each bind only their own ports.

The engine is stood in for by a loop calling the drivers in order until one
binds, on one fake context per port (the real engine is tested elsewhere).
"""

from __future__ import annotations

from typing import Any

import pytest

from mechanism_drivers.linuxbridge import LinuxBridgeMechanismDriver
from mechanism_drivers.openvswitch import OpenvswitchMechanismDriver
from mechanism_drivers.sriovnicswitch import SriovNicSwitchMechanismDriver
from ml2core import constants
from ml2core.api import MechanismDriver
from ml2core.testing.fakes import FakePortContext, make_agent, make_port, make_segment
from tests.unit.mechanism_drivers.conftest import DriverFactory

AGENTS = [
    make_agent(
        constants.AGENT_TYPE_OVS,
        "ovs-host",
        configurations={"bridge_mappings": {"physnet1": "br-ex"}, "tunnel_types": ["vxlan"]},
    ),
    make_agent(
        constants.AGENT_TYPE_LINUXBRIDGE,
        "lb-host",
        configurations={"interface_mappings": {"physnet1": "eth1"}, "tunnel_types": ["vxlan"]},
    ),
    make_agent(
        constants.AGENT_TYPE_OVS,
        "sriov-host",
        configurations={"bridge_mappings": {"physnet1": "br-ex"}},
    ),
    make_agent(
        constants.AGENT_TYPE_NIC_SWITCH,
        "sriov-host",
        configurations={"device_mappings": {"physnet1": ["enp3s0f0"]}},
    ),
]


@pytest.fixture
def drivers(make_driver: DriverFactory) -> list[MechanismDriver]:
    return [
        make_driver(OpenvswitchMechanismDriver, "openvswitch"),
        make_driver(LinuxBridgeMechanismDriver, "linuxbridge"),
        make_driver(SriovNicSwitchMechanismDriver, "sriovnicswitch"),
    ]


def bind(drivers: list[MechanismDriver], context: FakePortContext) -> str | None:
    for driver in drivers:
        driver.bind_port(context)
        if context.outcome == "bound":
            return driver.name
    return None


@pytest.mark.parametrize(
    ("host", "vnic_type", "profile", "expected"),
    [
        ("ovs-host", constants.VNIC_NORMAL, {}, ("openvswitch", constants.VIF_TYPE_OVS)),
        ("lb-host", constants.VNIC_NORMAL, {}, ("linuxbridge", constants.VIF_TYPE_BRIDGE)),
        ("sriov-host", constants.VNIC_NORMAL, {}, ("openvswitch", constants.VIF_TYPE_OVS)),
        ("sriov-host", constants.VNIC_DIRECT, {}, ("sriovnicswitch", constants.VIF_TYPE_HW_VEB)),
        (
            "sriov-host",
            constants.VNIC_DIRECT,
            {"capabilities": ["switchdev"]},
            ("openvswitch", constants.VIF_TYPE_OVS),
        ),
        ("sriov-host", constants.VNIC_MACVTAP, {}, ("sriovnicswitch", constants.VIF_TYPE_HW_VEB)),
        (
            "lb-host",
            constants.VNIC_DIRECT_PHYSICAL,
            {},
            ("sriovnicswitch", constants.VIF_TYPE_HOSTDEV_PHY),
        ),
    ],
    ids=[
        "normal-on-ovs",
        "normal-on-lb",
        "normal-on-sriov-host",
        "direct-legacy",
        "direct-switchdev",
        "macvtap",
        "direct-physical",
    ],
)
def test_port_binds_to_the_right_driver(
    drivers: list[MechanismDriver],
    host: str,
    vnic_type: str,
    profile: dict[str, Any],
    expected: tuple[str, str],
) -> None:
    context = FakePortContext(
        make_port(host=host, vnic_type=vnic_type, profile=profile),
        segments=[make_segment("vlan", "physnet1", 100)],
        agents=AGENTS,
    )
    assert (bind(drivers, context), context.bound_vif_type) == expected


def test_port_no_driver_can_bind_collects_one_reason_per_driver(
    drivers: list[MechanismDriver],
) -> None:
    context = FakePortContext(
        make_port(host="lb-host"),
        segments=[make_segment("gre", segmentation_id=5)],
        agents=AGENTS,
    )
    assert bind(drivers, context) is None
    assert len(context.decline_reasons) == 3
