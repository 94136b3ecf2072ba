"""The fake contexts of ml2core.testing: the contract they enforce and what they record."""

from __future__ import annotations

from datetime import datetime

import pytest

from ml2core import Context, constants
from ml2core.api import NetworkContext, PortContext, SubnetContext
from ml2core.exceptions import InvalidInput, NoNetworkAvailable
from ml2core.testing.fakes import (
    ContinueBindingCall,
    FakeNetworkContext,
    FakePortContext,
    FakeSubnetContext,
    make_agent,
    make_network,
    make_port,
    make_segment,
)

VXLAN = make_segment("vxlan", segmentation_id=1001, segment_id="seg-vxlan")
VLAN = make_segment("vlan", "physnet1", 100, segment_id="seg-vlan")


def context(**kwargs: object) -> FakePortContext:
    kwargs.setdefault("segments", [VXLAN])
    return FakePortContext(make_port(host="compute1"), **kwargs)  # type: ignore[arg-type]


# -- the ABCs ---------------------------------------------------------------------------


def test_fakes_implement_the_context_abcs() -> None:
    port_context = context()
    assert isinstance(port_context, PortContext)
    assert isinstance(port_context.network, NetworkContext)
    assert isinstance(FakeSubnetContext(), SubnetContext)


def test_plugin_context_is_admin_by_default() -> None:
    plugin_context = context().plugin_context
    assert isinstance(plugin_context, Context)
    assert plugin_context.is_admin


def test_given_plugin_context_is_used() -> None:
    project = Context(project_id="p1")
    assert context(plugin_context=project).plugin_context is project


# -- contract enforcement ---------------------------------------------------------------


def test_set_binding_with_a_foreign_segment_raises_invalid_input() -> None:
    port_context = context()
    with pytest.raises(InvalidInput, match="segment_id"):
        port_context.set_binding("not-a-segment", constants.VIF_TYPE_OVS, {})


def test_rejected_set_binding_records_nothing() -> None:
    port_context = context()
    with pytest.raises(InvalidInput):
        port_context.set_binding("not-a-segment", constants.VIF_TYPE_OVS, {})
    assert (port_context.outcome, port_context.binding) == ("none", None)


def test_continue_binding_with_a_foreign_segment_raises_invalid_input() -> None:
    port_context = context()
    with pytest.raises(InvalidInput, match="segment_id"):
        port_context.continue_binding("not-a-segment", [VLAN])
    assert port_context.continued is None


def test_second_answer_raises_invalid_input() -> None:
    port_context = context()
    port_context.set_binding(VXLAN["id"], constants.VIF_TYPE_OVS, {})
    with pytest.raises(InvalidInput, match="already answered"):
        port_context.continue_binding(VXLAN["id"], [VLAN])


@pytest.mark.parametrize("vif_type", ["", constants.VIF_TYPE_UNBOUND, constants.VIF_TYPE_BINDING_FAILED])
def test_set_binding_with_a_non_binding_vif_type_raises_invalid_input(vif_type: str) -> None:
    with pytest.raises(InvalidInput, match="vif_type"):
        context().set_binding(VXLAN["id"], vif_type, {})


def test_set_binding_with_vif_details_not_a_mapping_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="vif_details"):
        context().set_binding(VXLAN["id"], constants.VIF_TYPE_OVS, [("a", 1)])  # type: ignore[arg-type]


def test_set_binding_with_an_unknown_status_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="status"):
        context().set_binding(VXLAN["id"], constants.VIF_TYPE_OVS, {}, "UP")


def test_continue_binding_without_next_segments_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="next_segments_to_bind"):
        context().continue_binding(VXLAN["id"], [])


def test_continue_binding_with_a_next_segment_without_id_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="next_segments_to_bind"):
        context().continue_binding(VXLAN["id"], [{"network_type": "vlan"}])


def test_a_network_segment_outside_segments_to_bind_is_foreign() -> None:
    port_context = context(segments=[VXLAN, VLAN], segments_to_bind=[VLAN])
    with pytest.raises(InvalidInput):
        port_context.set_binding(VXLAN["id"], constants.VIF_TYPE_OVS, {})


def test_segments_given_beside_a_network_context_are_refused() -> None:
    with pytest.raises(InvalidInput, match="segments"):
        FakePortContext(network=FakeNetworkContext(segments=[VXLAN]), segments=[VLAN])


# -- recording --------------------------------------------------------------------------


def test_set_binding_is_recorded() -> None:
    port_context = context()
    port_context.set_binding(VXLAN["id"], constants.VIF_TYPE_OVS, {"a": 1}, "ACTIVE")
    assert (
        port_context.bound_segment_id,
        port_context.bound_vif_type,
        port_context.bound_vif_details,
        port_context.bound_status,
        port_context.outcome,
    ) == (VXLAN["id"], "ovs", {"a": 1}, "ACTIVE", "bound")


def test_set_binding_leaves_the_committed_vif_type_as_the_real_context_does() -> None:
    port_context = context()
    port_context.set_binding(VXLAN["id"], constants.VIF_TYPE_OVS, {"a": 1})
    assert (port_context.vif_type, port_context.vif_details) == ("unbound", {})


def test_recorded_vif_details_do_not_follow_the_driver_dict() -> None:
    port_context = context()
    details = {"nested": {"a": 1}}
    port_context.set_binding(VXLAN["id"], constants.VIF_TYPE_OVS, details)
    details["nested"]["a"] = 2
    assert port_context.bound_vif_details == {"nested": {"a": 1}}


def test_nothing_is_bound_before_set_binding() -> None:
    port_context = context()
    assert (port_context.bound_segment_id, port_context.bound_vif_details) == (None, None)


def test_decline_reasons_are_recorded_in_order() -> None:
    port_context = context()
    port_context.decline("first")
    port_context.decline("second")
    assert (port_context.decline_reasons, port_context.outcome) == (
        ["first", "second"],
        "declined",
    )


def test_continue_binding_is_recorded() -> None:
    port_context = context()
    port_context.continue_binding(VXLAN["id"], [VLAN])
    assert port_context.continued == ContinueBindingCall(VXLAN["id"], [VLAN])
    assert port_context.outcome == "continued"


def test_next_level_binds_below_the_continued_segment() -> None:
    port_context = context()
    port_context.continue_binding(VXLAN["id"], [VLAN])
    lower = port_context.next_level("tor")
    assert [s["id"] for s in lower.segments_to_bind] == [VLAN["id"]]
    assert [(level["bound_driver"], level["bound_segment"]["id"]) for level in lower.binding_levels] == [
        ("tor", VXLAN["id"])
    ]


def test_next_level_bound_segments_are_the_continued_one() -> None:
    port_context = context()
    port_context.continue_binding(VXLAN["id"], [VLAN])
    lower = port_context.next_level("tor")
    top, bottom = lower.top_bound_segment, lower.bottom_bound_segment
    assert top is not None and bottom is not None
    assert (top["id"], bottom["id"]) == (VXLAN["id"], VXLAN["id"])


def test_next_level_without_continue_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        context().next_level("tor")


def test_next_level_shares_dynamic_segments() -> None:
    port_context = context()
    dynamic = port_context.allocate_dynamic_segment({"network_type": "vlan", "physical_network": "p"})
    port_context.continue_binding(VXLAN["id"], [dynamic])
    lower = port_context.next_level("tor")
    assert lower.allocate_dynamic_segment({"network_type": "vlan", "physical_network": "p"}) == dynamic


# -- what the context shows ----------------------------------------------------------------


def test_segments_to_bind_default_to_the_network_segments() -> None:
    assert [s["id"] for s in context(segments=[VXLAN, VLAN]).segments_to_bind] == [
        "seg-vxlan",
        "seg-vlan",
    ]


def test_segments_get_the_network_id() -> None:
    port_context = context()
    network_id = port_context.network.current["id"]
    assert port_context.network.network_segments[0]["network_id"] == network_id
    assert port_context.current["network_id"] == network_id


def test_host_argument_is_written_to_the_port() -> None:
    port_context = FakePortContext(make_port(host="a"), host="b")
    assert (port_context.host, port_context.current["binding:host_id"]) == ("b", "b")


def test_original_host_is_none_when_not_an_update() -> None:
    assert context().original_host is None


def test_original_host_comes_from_the_original_port() -> None:
    port_context = context(original=make_port(host="old"))
    assert port_context.original_host == "old"


def test_bound_segments_are_none_without_levels() -> None:
    port_context = context()
    assert (port_context.top_bound_segment, port_context.bottom_bound_segment) == (None, None)


def test_host_agents_filters_by_type_and_host_and_keeps_dead_ones() -> None:
    wanted_live = make_agent(constants.AGENT_TYPE_OVS, "compute1")
    wanted_dead = make_agent(constants.AGENT_TYPE_OVS, "compute1", alive=False)
    other_host = make_agent(constants.AGENT_TYPE_OVS, "compute2")
    other_type = make_agent(constants.AGENT_TYPE_LINUXBRIDGE, "compute1")
    port_context = context(agents=[wanted_live, other_host, other_type, wanted_dead])
    assert [a["id"] for a in port_context.host_agents(constants.AGENT_TYPE_OVS)] == [
        wanted_live["id"],
        wanted_dead["id"],
    ]


def test_port_without_host_has_no_agents() -> None:
    port_context = FakePortContext(
        make_port(), segments=[VXLAN], agents=[make_agent(constants.AGENT_TYPE_OVS, "")]
    )
    assert port_context.host_agents(constants.AGENT_TYPE_OVS) == []


def test_host_agents_are_copies() -> None:
    port_context = context(agents=[make_agent(constants.AGENT_TYPE_OVS, "compute1")])
    port_context.host_agents(constants.AGENT_TYPE_OVS)[0]["configurations"]["x"] = 1
    assert port_context.host_agents(constants.AGENT_TYPE_OVS)[0]["configurations"] == {}


# -- dynamic segments ----------------------------------------------------------------------


def test_allocated_dynamic_segment_is_new_and_dynamic() -> None:
    port_context = context()
    segment = port_context.allocate_dynamic_segment({"network_type": "vlan", "physical_network": "physnet1"})
    assert segment["id"] not in {VXLAN["id"], VLAN["id"]}
    assert segment["is_dynamic"] is True
    assert segment["network_id"] == port_context.network.current["id"]
    assert port_context.dynamic_segments == [segment]


def test_allocate_is_idempotent_per_type_and_physnet() -> None:
    port_context = context()
    first = port_context.allocate_dynamic_segment({"network_type": "vlan", "physical_network": "p"})
    again = port_context.allocate_dynamic_segment(
        {"network_type": "vlan", "physical_network": "p", "segmentation_id": 7}
    )
    assert again == first
    assert port_context.allocated_segments == [first]


def test_allocate_on_another_physnet_makes_another_segment() -> None:
    port_context = context()
    first = port_context.allocate_dynamic_segment({"network_type": "vlan", "physical_network": "p"})
    second = port_context.allocate_dynamic_segment({"network_type": "vlan", "physical_network": "q"})
    assert first["id"] != second["id"]


def test_allocate_takes_the_lowest_id_not_used_on_the_network() -> None:
    static = make_segment("vlan", "physnet1", 1)
    port_context = context(segments=[static])
    segment = port_context.allocate_dynamic_segment({"network_type": "vlan", "physical_network": "physnet1"})
    assert segment["segmentation_id"] == 2


def test_allocate_keeps_a_requested_id() -> None:
    segment = context().allocate_dynamic_segment(
        {"network_type": "vlan", "physical_network": "p", "segmentation_id": 3000}
    )
    assert segment["segmentation_id"] == 3000


def test_allocate_with_an_id_outside_the_range_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="segmentation_id"):
        context().allocate_dynamic_segment(
            {"network_type": "vlan", "physical_network": "p", "segmentation_id": 4095}
        )


def test_allocate_from_a_full_range_raises_no_network_available() -> None:
    port_context = context(
        segments=[make_segment("vxlan", segmentation_id=10)],
        dynamic_id_ranges={"vxlan": (10, 10)},
    )
    with pytest.raises(NoNetworkAvailable):
        port_context.allocate_dynamic_segment({"network_type": "vxlan"})


def test_vlan_ids_are_free_per_physnet() -> None:
    port_context = context(
        dynamic_segments=[make_segment("vlan", "p", 10, is_dynamic=True)],
        dynamic_id_ranges={"vlan": (10, 10)},
    )
    segment = port_context.allocate_dynamic_segment({"network_type": "vlan", "physical_network": "q"})
    assert segment["segmentation_id"] == 10


def test_allocate_without_a_type_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="network_type"):
        context().allocate_dynamic_segment({"physical_network": "p"})


def test_release_frees_an_unused_dynamic_segment() -> None:
    port_context = context()
    segment = port_context.allocate_dynamic_segment({"network_type": "vlan", "physical_network": "p"})
    port_context.release_dynamic_segment(segment["id"])
    assert (port_context.dynamic_segments, port_context.released_segment_ids) == (
        [],
        [segment["id"]],
    )


def test_release_with_a_non_string_id_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="segment_id"):
        context().release_dynamic_segment(42)  # type: ignore[arg-type]


def test_release_keeps_a_segment_a_binding_level_uses() -> None:
    used = make_segment("vlan", "p", 10, is_dynamic=True)
    port_context = context(
        dynamic_segments=[used],
        binding_levels=[{"bound_driver": "tor", "bound_segment": used}],
    )
    port_context.release_dynamic_segment(used["id"])
    assert port_context.dynamic_segments == [used]


# -- builders ----------------------------------------------------------------------------


def test_dead_agent_heartbeat_is_older_than_a_live_one() -> None:
    live = make_agent(constants.AGENT_TYPE_OVS)
    dead = make_agent(constants.AGENT_TYPE_OVS, alive=False)
    assert datetime.fromisoformat(dead["heartbeat_timestamp"]) < datetime.fromisoformat(
        live["heartbeat_timestamp"]
    )


def test_agent_has_every_key_of_get_agents() -> None:
    assert set(make_agent(constants.AGENT_TYPE_NIC_SWITCH)) == {
        "id",
        "agent_type",
        "binary",
        "host",
        "alive",
        "admin_state_up",
        "configurations",
        "heartbeat_timestamp",
        "started_at",
        "created_at",
    }


def test_network_with_one_segment_shows_provider_attributes() -> None:
    network = make_network([VLAN])
    assert (
        network["provider:network_type"],
        network["provider:physical_network"],
        network["provider:segmentation_id"],
    ) == ("vlan", "physnet1", 100)


def test_network_with_several_segments_shows_segments() -> None:
    network = make_network([VLAN, VXLAN])
    assert [s["provider:network_type"] for s in network["segments"]] == ["vlan", "vxlan"]


def test_subnet_context_belongs_to_its_network() -> None:
    network = FakeNetworkContext(segments=[VLAN])
    subnet = FakeSubnetContext(network=network)
    assert subnet.current["network_id"] == network.current["id"]
    assert subnet.network is network
