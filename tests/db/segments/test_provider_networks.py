"""Provider networks through ``Ml2Plugin``, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest

from ml2core import Context
from ml2core.exceptions import (
    FlatNetworkInUse,
    InvalidInput,
    NoNetworkAvailable,
    NotAuthorized,
    TunnelIdInUse,
    VlanIdInUse,
)
from tests.conftest import PluginFactory
from tests.db.segments.conftest import STANDARD, DbView, conf, provider

ADMIN = Context.admin()
PROVIDER_KEYS = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")


def test_vlan_provider_network_reserves_its_id(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("vlan", "physnet1", 100))
    assert (
        net["provider:network_type"],
        net["provider:physical_network"],
        net["provider:segmentation_id"],
    ) == (
        "vlan",
        "physnet1",
        100,
    )
    assert view.allocations() == {("vlan", "physnet1", 100)}


def test_vlan_provider_id_outside_the_ranges_is_allowed(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("vlan", "physnet1", 3000))
    assert net["provider:segmentation_id"] == 3000
    assert view.allocations() == {("vlan", "physnet1", 3000)}


def test_vlan_provider_id_in_use_is_refused(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("vlan", "physnet1", 3000))
    with pytest.raises(VlanIdInUse) as info:
        plugin.create_network(ADMIN, provider("vlan", "physnet1", 3000))
    assert str(info.value) == (
        "Unable to create the network. The VLAN 3000 on physical network physnet1 is in use."
    )


def test_same_vlan_id_on_two_physnets_is_allowed(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("vlan", "physnet1", 300))
    plugin.create_network(ADMIN, provider("vlan", "physnet2", 300))
    assert view.allocated_ids("vlan", "physnet1") == {300}
    assert view.allocated_ids("vlan", "physnet2") == {300}


def test_vlan_provider_on_unknown_physnet_is_invalid(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(InvalidInput, match="physical_network 'physnet9' unknown for VLAN provider network"):
        plugin.create_network(ADMIN, provider("vlan", "physnet9", 5))


def test_vlan_provider_with_physnet_only_takes_an_id_of_that_physnet(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("vlan", "physnet2"))
    assert (net["provider:physical_network"], net["provider:segmentation_id"]) == ("physnet2", 200)


def test_vlan_provider_with_type_only_takes_the_first_physnet(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("vlan"))
    assert net["provider:physical_network"] == "physnet1"
    assert net["provider:segmentation_id"] in (100, 101)


def test_partial_provider_segment_exhausted_raises_no_network_available(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("vlan", "physnet2"))
    with pytest.raises(NoNetworkAvailable):
        plugin.create_network(ADMIN, provider("vlan", "physnet2"))


def test_vxlan_provider_id_outside_the_ranges_is_allowed(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("vxlan", None, 16777215))
    assert view.allocations() == {("vxlan", "", 16777215)}


def test_vxlan_provider_id_in_use_is_refused(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("vxlan", None, 5000))
    with pytest.raises(TunnelIdInUse, match="The tunnel ID 5000 is in use"):
        plugin.create_network(ADMIN, provider("vxlan", None, 5000))


def test_vxlan_provider_id_above_24_bits_is_invalid(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(InvalidInput, match=r"segmentation_id out of range \(1 through 16777215\)"):
        plugin.create_network(ADMIN, provider("vxlan", None, 16777216))
    assert view.count("ml2core_networks") == 0


def test_gre_provider_id_above_32_bits_is_invalid(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(InvalidInput, match=r"segmentation_id out of range \(1 through 4294967295\)"):
        plugin.create_network(ADMIN, provider("gre", None, 2**32))


def test_gre_largest_key_is_stored_intact(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("gre", None, 4294967295))
    assert plugin.get_network(ADMIN, net["id"])["provider:segmentation_id"] == 4294967295
    assert view.allocations() == {("gre", "", 4294967295)}
    assert [s["segmentation_id"] for s in view.segments()] == [4294967295]


def test_gre_largest_key_is_reserved(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("gre", None, 4294967295))
    with pytest.raises(TunnelIdInUse):
        plugin.create_network(ADMIN, provider("gre", None, 4294967295))


def test_geneve_provider_network_reserves_its_id(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("geneve", None, 77))
    assert view.allocations() == {("geneve", "", 77)}


def test_tunnel_provider_with_physnet_is_invalid(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(InvalidInput, match="provider:physical_network specified for VXLAN network"):
        plugin.create_network(ADMIN, provider("vxlan", "physnet1", 5))


def test_flat_network_occupies_its_physnet(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("flat", "physnet1"))
    with pytest.raises(FlatNetworkInUse, match="Physical network physnet1 is in use"):
        plugin.create_network(ADMIN, provider("flat", "physnet1"))


def test_flat_networks_on_two_physnets_coexist(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(ADMIN, provider("flat", "physnet1"))
    plugin.create_network(ADMIN, provider("flat", "physnet2"))
    assert view.allocations("flat") == {("flat", "physnet1", 0), ("flat", "physnet2", 0)}


def test_flat_physnet_is_free_again_after_delete(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("flat", "physnet1"))
    plugin.delete_network(ADMIN, net["id"])
    assert view.allocations() == set()
    plugin.create_network(ADMIN, provider("flat", "physnet1"))


def test_flat_network_has_no_segmentation_id(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("flat", "physnet2"))
    assert net["provider:segmentation_id"] is None


def test_local_provider_network_allocates_nothing(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("local"))
    plugin.create_network(ADMIN, provider("local"))
    assert net["provider:network_type"] == "local"
    assert view.allocations() == set()


def test_unknown_network_type_is_invalid(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(InvalidInput, match="network type value 'foo' not supported"):
        plugin.create_network(ADMIN, provider("foo"))


def test_network_type_not_loaded_is_invalid(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"type_drivers": ["vlan"], "project_network_types": ["vlan"]}))
    with pytest.raises(InvalidInput, match="not supported"):
        plugin.create_network(ADMIN, provider("vxlan", None, 5))


def test_project_may_not_set_provider_attributes(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(NotAuthorized):
        plugin.create_network(Context("p1"), provider("vlan", "physnet1", 100))
    assert view.count("ml2core_networks") == 0
    assert view.allocations() == set()


def test_admin_creates_a_provider_network_for_a_project(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, {**provider("vlan", "physnet1", 100), "project_id": "p1"})
    assert net["project_id"] == "p1"


def test_project_does_not_see_provider_attributes(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, {**provider("vlan", "physnet1", 100), "project_id": "p1"})
    seen = plugin.get_network(Context("p1"), net["id"])
    assert not set(PROVIDER_KEYS) & set(seen)
    assert "segments" not in seen


def test_project_create_result_has_no_provider_attributes(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(Context("p1"), {"name": "n"})
    assert not set(PROVIDER_KEYS) & set(net)


def test_project_listing_has_no_provider_attributes(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(Context("p1"), {"name": "n"})
    (seen,) = plugin.get_networks(Context("p1"))
    assert not set(PROVIDER_KEYS) & set(seen)


def test_admin_sees_provider_attributes_of_a_project_network(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(Context("p1"), {"name": "n"})
    seen = plugin.get_network(ADMIN, net["id"])
    assert seen["provider:network_type"] == "vlan"
    assert seen["provider:physical_network"] == "physnet1"


def test_provider_attributes_cannot_be_changed(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("vlan", "physnet1", 100))
    with pytest.raises(InvalidInput):
        plugin.update_network(ADMIN, net["id"], {"provider:segmentation_id": 101})
    assert view.allocations() == {("vlan", "physnet1", 100)}


def test_delete_releases_the_provider_id(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("vxlan", None, 5000))
    plugin.delete_network(ADMIN, net["id"])
    assert view.allocations() == set()
    assert view.segments() == []


def test_released_provider_id_is_reusable(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    net = plugin.create_network(ADMIN, provider("gre", None, 4294967295))
    plugin.delete_network(ADMIN, net["id"])
    again = plugin.create_network(ADMIN, provider("gre", None, 4294967295))
    assert again["provider:segmentation_id"] == 4294967295


@pytest.mark.parametrize("other", ["PHYSNET1", "physnët1"])
def test_flat_physnets_differing_in_case_or_accent_are_different(
    make_plugin: PluginFactory, view: DbView, other: str
) -> None:
    plugin = make_plugin(**conf(ml2_type_flat={"flat_networks": ["*"]}))
    plugin.create_network(ADMIN, provider("flat", "physnet1"))
    plugin.create_network(ADMIN, provider("flat", other))
    assert view.allocations("flat") == {("flat", "physnet1", 0), ("flat", other, 0)}
