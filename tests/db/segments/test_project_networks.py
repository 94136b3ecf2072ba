"""Project networks: ``project_network_types`` in order, physnets in order, exhaustion."""

from __future__ import annotations

import pytest

from ml2core import Context
from ml2core.exceptions import NoNetworkAvailable
from tests.conftest import PluginFactory
from tests.db.segments.conftest import STANDARD, DbView, conf

ADMIN = Context.admin()
P1 = Context("p1")


def seg_of(plugin: object, net_id: str) -> tuple[str, str | None, int | None]:
    net = plugin.get_network(ADMIN, net_id)  # type: ignore[attr-defined]
    return net["provider:network_type"], net["provider:physical_network"], net["provider:segmentation_id"]


def test_project_network_takes_the_first_project_network_type(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(P1, {"name": "n"})
    assert seg_of(plugin, net["id"])[0] == "vlan"


def test_project_network_id_is_inside_the_ranges(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(P1, {"name": "n"})
    assert seg_of(plugin, net["id"]) in {("vlan", "physnet1", 100), ("vlan", "physnet1", 101)}


def test_vlan_physnets_are_exhausted_in_configured_order(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    physnets = [seg_of(plugin, plugin.create_network(P1, {})["id"])[1] for _ in range(3)]
    assert physnets == ["physnet1", "physnet1", "physnet2"]


def test_configured_physnet_order_is_followed_not_sorted(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(
        **conf(ml2_type_vlan={"network_vlan_ranges": ["physnet2:200:200", "physnet1:100:101"]})
    )
    first = plugin.create_network(P1, {})
    assert seg_of(plugin, first["id"]) == ("vlan", "physnet2", 200)


def test_next_project_network_type_is_tried_when_the_first_is_exhausted(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    for _ in range(3):
        plugin.create_network(P1, {})
    net = plugin.create_network(P1, {})
    network_type, physnet, seg_id = seg_of(plugin, net["id"])
    assert (network_type, physnet) == ("vxlan", None)
    assert seg_id in (1000, 1001)


def test_every_id_of_every_type_is_handed_out_once(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    segments = {seg_of(plugin, plugin.create_network(P1, {})["id"]) for _ in range(5)}
    assert segments == {
        ("vlan", "physnet1", 100),
        ("vlan", "physnet1", 101),
        ("vlan", "physnet2", 200),
        ("vxlan", None, 1000),
        ("vxlan", None, 1001),
    }
    assert len(view.allocations()) == 5


def test_all_types_exhausted_raises_no_network_available(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    for _ in range(5):
        plugin.create_network(P1, {})
    with pytest.raises(NoNetworkAvailable, match="No tenant network is available for allocation"):
        plugin.create_network(P1, {})


def test_exhaustion_leaves_nothing_behind(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    for _ in range(5):
        plugin.create_network(P1, {})
    before = view.dump()
    with pytest.raises(NoNetworkAvailable):
        plugin.create_network(P1, {})
    assert view.dump() == before


def test_provider_ids_inside_the_ranges_are_not_handed_out_again(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["vxlan"]}))
    plugin.create_network(ADMIN, {"provider:network_type": "vxlan", "provider:segmentation_id": 1000})
    net = plugin.create_network(P1, {})
    assert seg_of(plugin, net["id"]) == ("vxlan", None, 1001)
    with pytest.raises(NoNetworkAvailable):
        plugin.create_network(P1, {})


def test_deleted_project_network_gives_its_id_back(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["gre"]}))
    nets = [plugin.create_network(P1, {}) for _ in range(3)]
    freed = seg_of(plugin, nets[1]["id"])
    plugin.delete_network(P1, nets[1]["id"])
    assert view.allocated_ids("gre") == {10, 11, 12} - {freed[2]}
    again = plugin.create_network(P1, {})
    assert seg_of(plugin, again["id"]) == freed


def test_geneve_project_networks_use_the_geneve_ranges(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["geneve"]}))
    ids = {seg_of(plugin, plugin.create_network(P1, {})["id"])[2] for _ in range(2)}
    assert ids == {500, 501}


def test_local_project_networks_never_run_out(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["local"]}))
    for _ in range(5):
        net = plugin.create_network(P1, {})
        assert seg_of(plugin, net["id"]) == ("local", None, None)
    assert view.allocations() == set()


def test_flat_is_never_a_project_network(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["flat", "vxlan"]}))
    net = plugin.create_network(P1, {})
    assert seg_of(plugin, net["id"])[0] == "vxlan"


def test_type_without_ranges_is_skipped(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(
        **conf(ml2={"project_network_types": ["gre", "vxlan"]}, ml2_type_gre={"tunnel_id_ranges": []})
    )
    net = plugin.create_network(P1, {})
    assert seg_of(plugin, net["id"])[0] == "vxlan"


def test_project_network_gets_the_segment_mtu(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["vxlan"]}))
    assert plugin.create_network(P1, {})["mtu"] == 1500 - 20 - 30
