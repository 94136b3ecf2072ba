"""The top-of-rack driver's binding decisions, on fake contexts (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from ml2core import constants
from ml2core.api import MechanismDriver
from ml2core.exceptions import ConfigError
from ml2core.testing import (
    FakePortContext,
    load_mechanism_driver,
    make_agent,
    make_conf,
    make_port,
    make_segment,
)


def tor(**options: Any) -> MechanismDriver:
    """The driver as the plugin loads it, with ``[example_tor]`` options."""
    return load_mechanism_driver("example_tor", make_conf(example_tor=options))


def test_continues_a_vxlan_segment_with_a_vlan_on_physnet1() -> None:
    vxlan = make_segment(constants.TYPE_VXLAN, segmentation_id=1001)
    context = FakePortContext(make_port(host="compute1"), segments=[vxlan])

    tor().bind_port(context)

    assert context.continued is not None
    assert context.continued.segment_id == vxlan["id"]
    [vlan] = context.continued.next_segments_to_bind
    assert (vlan["network_type"], vlan["physical_network"]) == (constants.TYPE_VLAN, "physnet1")
    assert context.allocated_segments == [vlan]


def test_allocates_the_vlan_on_the_configured_physical_network() -> None:
    context = FakePortContext(make_port(host="compute1"), segments=[make_segment(constants.TYPE_VXLAN)])

    tor(physical_network="fabric2").bind_port(context)

    assert [s["physical_network"] for s in context.allocated_segments] == ["fabric2"]


def test_declines_a_network_without_vxlan_naming_what_was_offered() -> None:
    context = FakePortContext(
        make_port(host="compute1"), segments=[make_segment(constants.TYPE_VLAN, "physnet1", 100)]
    )

    tor().bind_port(context)

    assert context.outcome == "declined"
    assert "offered: vlan" in context.decline_reasons[0]
    assert context.allocated_segments == []


def test_serves_only_the_configured_hosts() -> None:
    driver = tor(hosts=["compute1"])
    elsewhere = FakePortContext(make_port(host="compute2"), segments=[make_segment(constants.TYPE_VXLAN)])
    here = FakePortContext(make_port(host="compute1"), segments=[make_segment(constants.TYPE_VXLAN)])

    driver.bind_port(elsewhere)
    driver.bind_port(here)

    assert elsewhere.outcome == "declined"
    assert "compute2" in elsewhere.decline_reasons[0]
    assert here.outcome == "continued"


def test_declines_when_no_vlan_is_free() -> None:
    vxlan = make_segment(constants.TYPE_VXLAN)
    context = FakePortContext(
        make_port(host="compute1"),
        segments=[vxlan, make_segment(constants.TYPE_VLAN, "physnet1", 100)],
        segments_to_bind=[vxlan],
        dynamic_id_ranges={constants.TYPE_VLAN: (100, 100)},
    )

    tor().bind_port(context)

    assert context.outcome == "declined"
    assert "no VLAN" in context.decline_reasons[0]


def test_the_vlan_level_is_bound_by_openvswitch() -> None:
    agent = make_agent(
        constants.AGENT_TYPE_OVS, "compute1", configurations={"bridge_mappings": {"physnet1": "br-ex"}}
    )
    context = FakePortContext(
        make_port(host="compute1"), segments=[make_segment(constants.TYPE_VXLAN)], agents=[agent]
    )
    tor().bind_port(context)
    lower = context.next_level("example_tor")

    load_mechanism_driver("openvswitch").bind_port(lower)

    assert lower.bound_segment_id == context.allocated_segments[0]["id"]
    assert lower.bound_vif_type == constants.VIF_TYPE_OVS


def test_an_empty_physical_network_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="physical_network"):
        tor(physical_network="")
