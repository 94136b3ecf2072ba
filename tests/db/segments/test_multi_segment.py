"""Multi-segment networks (the ``segments`` list), network MTUs, and all-or-nothing creates."""

from __future__ import annotations

from typing import Any

import pytest

from ml2core import Context
from ml2core.exceptions import (
    InvalidInput,
    MechanismDriverError,
    NoNetworkAvailable,
    NotAuthorized,
    TunnelIdInUse,
    VlanIdInUse,
)
from tests.conftest import PluginFactory
from tests.db.segments.conftest import STANDARD, DbView, conf, provider, segment

ADMIN = Context.admin()


def triples(net: dict[str, Any]) -> list[tuple[Any, Any, Any]]:
    return [
        (s["provider:network_type"], s["provider:physical_network"], s["provider:segmentation_id"])
        for s in net["segments"]
    ]


# -- multi-segment networks -------------------------------------------------------------
def test_multi_segment_network_keeps_its_segments_in_order(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    body = {
        "segments": [
            segment("vxlan", None, 5000),
            segment("vlan", "physnet1", 300),
            segment("flat", "physnet2"),
        ]
    }
    net = plugin.create_network(ADMIN, body)
    expected = [("vxlan", None, 5000), ("vlan", "physnet1", 300), ("flat", "physnet2", None)]
    assert triples(net) == expected
    assert triples(plugin.get_network(ADMIN, net["id"])) == expected
    assert view.allocations() == {("vxlan", "", 5000), ("vlan", "physnet1", 300), ("flat", "physnet2", 0)}


def test_multi_segment_network_has_no_single_provider_keys(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, {"segments": [segment("vxlan", None, 5000), segment("gre", None, 7)]})
    assert "provider:network_type" not in net


def test_multi_segment_partial_segments_are_allocated(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, {"segments": [segment("vlan", "physnet2"), segment("vxlan")]})
    (vlan, vxlan) = triples(net)
    assert vlan == ("vlan", "physnet2", 200)
    assert vxlan[0] == "vxlan"
    assert vxlan[2] in (1000, 1001)


def test_multi_segment_accepts_plain_keys(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    body = {"segments": [{"network_type": "gre", "segmentation_id": 99}, {"network_type": "local"}]}
    net = plugin.create_network(ADMIN, body)
    assert triples(net) == [("gre", None, 99), ("local", None, None)]


def test_duplicate_segments_are_refused(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    body = {"segments": [segment("vlan", "physnet1", 300), segment("vlan", "physnet1", 300)]}
    with pytest.raises(InvalidInput, match="duplicate segment entry") as info:
        plugin.create_network(ADMIN, body)
    assert info.value.field == "segments"
    assert view.count("ml2core_networks") == 0


def test_segments_together_with_provider_attributes_are_refused(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    body = {"segments": [segment("vxlan", None, 5000)], **provider("vlan", "physnet1", 300)}
    with pytest.raises(InvalidInput) as info:
        plugin.create_network(ADMIN, body)
    assert info.value.field == "segments"


def test_empty_segments_list_is_refused(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(InvalidInput):
        plugin.create_network(ADMIN, {"segments": []})


def test_invalid_segment_in_the_list_is_refused(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    body = {"segments": [segment("vxlan", None, 5000), segment("vlan", "physnet9", 5)]}
    with pytest.raises(InvalidInput, match="physical_network 'physnet9' unknown for VLAN provider network"):
        plugin.create_network(ADMIN, body)


def test_project_may_not_set_segments(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(NotAuthorized):
        plugin.create_network(Context("p1"), {"segments": [segment("vxlan", None, 5000)]})


def test_project_does_not_see_segments(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    body = {"segments": [segment("vxlan", None, 5000), segment("gre", None, 7)], "project_id": "p1"}
    net = plugin.create_network(ADMIN, body)
    assert "segments" not in plugin.get_network(Context("p1"), net["id"])


def test_delete_releases_every_segment(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    body = {
        "segments": [segment("vxlan", None, 5000), segment("vlan", "physnet1"), segment("flat", "physnet1")]
    }
    net = plugin.create_network(ADMIN, body)
    plugin.delete_network(ADMIN, net["id"])
    assert view.allocations() == set()
    assert view.segments() == []


def test_released_segments_are_reusable(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    body = {
        "segments": [
            segment("vxlan", None, 5000),
            segment("vlan", "physnet2", 200),
            segment("flat", "physnet1"),
        ]
    }
    net = plugin.create_network(ADMIN, body)
    plugin.delete_network(ADMIN, net["id"])
    assert len(plugin.create_network(ADMIN, body)["segments"]) == 3


# -- network MTU --------------------------------------------------------------------------
def test_network_mtu_is_the_minimum_over_its_segments(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(
        ADMIN, {"segments": [segment("vlan", "physnet1", 300), segment("vxlan", None, 9)]}
    )
    assert net["mtu"] == 1500 - 20 - 30  # VXLAN's 1450 < VLAN's 1500


def test_network_mtu_uses_physical_network_mtus(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"physical_network_mtus": ["physnet1:1400"]}))
    net = plugin.create_network(
        ADMIN, {"segments": [segment("vlan", "physnet1", 300), segment("vxlan", None, 9)]}
    )
    assert net["mtu"] == 1400  # physnet1's 1400 < VXLAN's 1450


def test_vlan_network_mtu_on_jumbo_physnet(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(
        **conf(DEFAULT={"global_physnet_mtu": 9000}, ml2={"physical_network_mtus": ["physnet2:1600"]})
    )
    assert plugin.create_network(ADMIN, provider("vlan", "physnet1", 5))["mtu"] == 9000
    assert plugin.create_network(ADMIN, provider("vlan", "physnet2", 5))["mtu"] == 1600


def test_gre_network_mtu_over_ipv6(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"overlay_ip_version": 6}))
    assert plugin.create_network(ADMIN, provider("gre", None, 5))["mtu"] == 1500 - 40 - 22


def test_geneve_network_mtu_with_path_mtu_and_header_size(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"path_mtu": 1400}, ml2_type_geneve={"max_header_size": 40}))
    assert plugin.create_network(ADMIN, provider("geneve", None, 5))["mtu"] == 1400 - 20 - 40


def test_local_network_gets_global_physnet_mtu(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(DEFAULT={"global_physnet_mtu": 9000}))
    assert plugin.create_network(ADMIN, provider("local"))["mtu"] == 9000


def test_requested_mtu_below_the_maximum_is_kept(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    assert plugin.create_network(ADMIN, {**provider("vxlan", None, 9), "mtu": 1400})["mtu"] == 1400


def test_requested_mtu_equal_to_the_maximum_is_kept(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    assert plugin.create_network(ADMIN, {**provider("vxlan", None, 9), "mtu": 1450})["mtu"] == 1450


def test_requested_mtu_above_the_maximum_is_invalid(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(InvalidInput, match="maximum is 1450") as info:
        plugin.create_network(ADMIN, {**provider("vxlan", None, 9), "mtu": 1451})
    assert info.value.field == "mtu"


def test_update_to_an_mtu_above_the_maximum_is_invalid(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("gre", None, 9))
    with pytest.raises(InvalidInput, match="maximum is 1458"):
        plugin.update_network(ADMIN, net["id"], {"mtu": 1459})


# -- all or nothing -----------------------------------------------------------------------
def test_second_segment_in_use_rolls_back_the_whole_create(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("vlan", "physnet1", 300))
    before = view.dump()
    body = {"segments": [segment("vxlan", None, 5000), segment("gre"), segment("vlan", "physnet1", 300)]}
    with pytest.raises(VlanIdInUse):
        plugin.create_network(ADMIN, body)
    assert view.dump() == before


def test_exhausted_second_segment_rolls_back_the_whole_create(
    make_plugin: PluginFactory, view: DbView
) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("vlan", "physnet2"))
    before = view.dump()
    with pytest.raises(NoNetworkAvailable):
        plugin.create_network(ADMIN, {"segments": [segment("vxlan"), segment("vlan", "physnet2")]})
    assert view.dump() == before


def test_mtu_too_big_rolls_back_the_reserved_segments(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    before = view.dump()
    with pytest.raises(InvalidInput):
        plugin.create_network(
            ADMIN, {"segments": [segment("vxlan"), segment("vlan", "physnet1", 7)], "mtu": 9000}
        )
    assert view.dump() == before


def test_duplicate_id_in_one_request_is_in_use_and_rolls_back(
    make_plugin: PluginFactory, view: DbView
) -> None:
    # Not a literal duplicate (one partial, one full): the second claim loses.
    plugin = make_plugin(**conf(ml2_type_gre={"tunnel_id_ranges": ["10:10"]}))
    before = view.dump()
    with pytest.raises(TunnelIdInUse):
        plugin.create_network(ADMIN, {"segments": [segment("gre"), segment("gre", None, 10)]})
    assert view.dump() == before


def test_failing_precommit_leaves_no_allocation(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(
        **conf(ml2={"mechanism_drivers": ["faulty"]}), faulty={"fail_on": ["create_network_precommit"]}
    )
    before = view.dump()
    with pytest.raises(MechanismDriverError):
        plugin.create_network(ADMIN, provider("vlan", "physnet1", 300))
    with pytest.raises(MechanismDriverError):
        plugin.create_network(Context("p1"), {})
    assert view.dump() == before


def test_failing_postcommit_releases_the_allocation(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(
        **conf(ml2={"mechanism_drivers": ["faulty"]}), faulty={"fail_on": ["create_network_postcommit"]}
    )
    before = view.dump()
    with pytest.raises(MechanismDriverError):
        plugin.create_network(ADMIN, provider("gre", None, 4294967295))
    assert view.dump() == before
