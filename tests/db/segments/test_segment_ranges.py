"""Network segment ranges (Neutron's API) with ``available`` as free sub-ranges."""

from __future__ import annotations

from typing import Any

import pytest

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import (
    InvalidInput,
    NoNetworkAvailable,
    NotAuthorized,
    SegmentRangeInUse,
    SegmentRangeNotFound,
)
from tests.conftest import PluginFactory
from tests.db.segments.conftest import STANDARD, DbView, conf

ADMIN = Context.admin()
P1 = Context("p1")
P2 = Context("p2")
VXLAN_PROJECTS = conf(ml2={"project_network_types": ["vxlan"]})


def vxlan_range(minimum: int, maximum: int, project_id: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"network_type": "vxlan", "minimum": minimum, "maximum": maximum, **extra}
    if project_id is not None:
        body.update(shared=False, project_id=project_id)
    return body


def vni_of(plugin: Ml2Plugin, net: dict[str, Any]) -> int:
    return int(plugin.get_network(ADMIN, net["id"])["provider:segmentation_id"])


def defaults(plugin: Ml2Plugin) -> list[dict[str, Any]]:
    return [r for r in plugin.get_network_segment_ranges(ADMIN) if r["default"]]


def provider_vxlan(seg_id: int, project_id: str = "p1") -> dict[str, Any]:
    return {"provider:network_type": "vxlan", "provider:segmentation_id": seg_id, "project_id": project_id}


# -- ranges from configuration --------------------------------------------------------
def test_config_ranges_are_listed_as_default_shared_ranges(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    listed = {
        (r["network_type"], r["physical_network"], r["minimum"], r["maximum"], r["shared"], r["project_id"])
        for r in defaults(plugin)
    }
    assert listed == {
        ("vlan", "physnet1", 100, 101, True, None),
        ("vlan", "physnet2", 200, 200, True, None),
        ("vxlan", None, 1000, 1001, True, None),
        ("gre", None, 10, 12, True, None),
        ("geneve", None, 500, 501, True, None),
    }


def test_config_range_id_is_the_same_after_restart(make_plugin: PluginFactory) -> None:
    first = {(r["network_type"], r["minimum"]): r["id"] for r in defaults(make_plugin(**STANDARD))}
    second = {(r["network_type"], r["minimum"]): r["id"] for r in defaults(make_plugin(**STANDARD))}
    assert first == second


def test_config_range_id_changes_with_its_content(make_plugin: PluginFactory) -> None:
    before = {r["id"] for r in defaults(make_plugin(**STANDARD)) if r["network_type"] == "vxlan"}
    after = {
        r["id"]
        for r in defaults(make_plugin(**conf(ml2_type_vxlan={"vni_ranges": ["1000:1002"]})))
        if r["network_type"] == "vxlan"
    }
    assert before.isdisjoint(after)


def test_config_range_can_be_read_by_id(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    (vxlan,) = [r for r in defaults(plugin) if r["network_type"] == "vxlan"]
    assert plugin.get_network_segment_range(ADMIN, vxlan["id"]) == vxlan


def test_config_range_cannot_be_updated(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    range_id = defaults(plugin)[0]["id"]
    with pytest.raises(InvalidInput, match="read-only"):
        plugin.update_network_segment_range(ADMIN, range_id, {"name": "x"})


def test_config_range_cannot_be_deleted(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    range_id = defaults(plugin)[0]["id"]
    with pytest.raises(InvalidInput, match="read-only"):
        plugin.delete_network_segment_range(ADMIN, range_id)
    assert range_id in {r["id"] for r in defaults(plugin)}


def test_config_ranges_are_not_stored(make_plugin: PluginFactory, view: DbView) -> None:
    make_plugin(**STANDARD)
    assert view.count("ml2core_network_segment_ranges") == 0


def test_config_range_shows_used_and_available(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2_type_gre={"tunnel_id_ranges": ["1:10"]}))
    for seg_id, project in ((3, "p1"), (4, "p1"), (7, "p2")):
        plugin.create_network(
            ADMIN, {"provider:network_type": "gre", "provider:segmentation_id": seg_id, "project_id": project}
        )
    (gre,) = [r for r in defaults(plugin) if r["network_type"] == "gre"]
    assert gre["used"] == {3: "p1", 4: "p1", 7: "p2"}
    assert gre["available"] == [[1, 2], [5, 6], [8, 10]]


def test_full_vni_range_available_stays_a_few_sub_ranges(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2_type_vxlan={"vni_ranges": ["1:16777215"]}))
    plugin.create_network(ADMIN, provider_vxlan(16777215))
    plugin.create_network(ADMIN, provider_vxlan(1))
    plugin.create_network(ADMIN, provider_vxlan(5000))
    (vxlan,) = [r for r in defaults(plugin) if r["network_type"] == "vxlan"]
    assert vxlan["available"] == [[2, 4999], [5001, 16777214]]


def test_used_ignores_ids_of_other_physnets(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    plugin.create_network(
        ADMIN,
        {
            "provider:network_type": "vlan",
            "provider:physical_network": "physnet2",
            "provider:segmentation_id": 100,
        },
    )
    (physnet1,) = [r for r in defaults(plugin) if r["physical_network"] == "physnet1"]
    assert physnet1["used"] == {}
    assert physnet1["available"] == [[100, 101]]


# -- stored ranges ------------------------------------------------------------------
def test_shared_range_is_created_and_read_back(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009, name="r1"))
    assert (created["name"], created["minimum"], created["maximum"]) == ("r1", 7000, 7009)
    assert (created["shared"], created["project_id"], created["default"]) == (True, None, False)
    assert created["available"] == [[7000, 7009]]
    assert created["used"] == {}
    assert plugin.get_network_segment_range(ADMIN, created["id"]) == created


def test_project_range_is_created_for_its_project(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009, "p1"))
    assert (created["shared"], created["project_id"]) == (False, "p1")


def test_vlan_range_names_its_physnet(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    body = {"network_type": "vlan", "physical_network": "physnet2", "minimum": 300, "maximum": 310}
    assert plugin.create_network_segment_range(ADMIN, body)["physical_network"] == "physnet2"


def test_stored_ranges_are_listed_after_the_defaults(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    listed = plugin.get_network_segment_ranges(ADMIN)
    assert listed[-1]["id"] == created["id"]
    assert sum(1 for r in listed if not r["default"]) == 1


def test_ranges_can_be_filtered(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    assert [r["id"] for r in plugin.get_network_segment_ranges(ADMIN, filters={"default": [False]})] == [
        created["id"]
    ]
    vxlan = plugin.get_network_segment_ranges(ADMIN, filters={"network_type": ["vxlan"]})
    assert {(r["minimum"], r["default"]) for r in vxlan} == {(1000, True), (7000, False)}


def test_range_fields_can_be_selected(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    assert plugin.get_network_segment_range(ADMIN, created["id"], fields=["minimum", "maximum"]) == {
        "minimum": 7000,
        "maximum": 7009,
    }


def test_range_is_renamed_and_resized(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    updated = plugin.update_network_segment_range(ADMIN, created["id"], {"name": "big", "maximum": 7100})
    assert (updated["name"], updated["minimum"], updated["maximum"]) == ("big", 7000, 7100)
    assert updated["available"] == [[7000, 7100]]


def test_range_is_deleted(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    plugin.delete_network_segment_range(ADMIN, created["id"])
    with pytest.raises(SegmentRangeNotFound):
        plugin.get_network_segment_range(ADMIN, created["id"])
    assert view.count("ml2core_network_segment_ranges") == 0


def test_unknown_range_is_not_found(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(SegmentRangeNotFound):
        plugin.get_network_segment_range(ADMIN, "3f0e9d5e-0000-4000-8000-000000000000")


# -- checks on input ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field"),
    [
        (vxlan_range(7000, 7009, shared=False), "project_id"),
        ({**vxlan_range(7000, 7009), "shared": True, "project_id": "p1"}, "project_id"),
        (vxlan_range(7009, 7000), "maximum"),
        (vxlan_range(0, 10), "minimum"),
        (vxlan_range(1, 2**24), "maximum"),
        (vxlan_range(1, 10, physical_network="physnet1"), "physical_network"),
        ({"network_type": "vlan", "minimum": 1, "maximum": 10}, "physical_network"),
        (
            {"network_type": "vlan", "physical_network": "physnet9", "minimum": 1, "maximum": 10},
            "physical_network",
        ),
        ({"network_type": "vlan", "physical_network": "physnet1", "minimum": 1, "maximum": 4095}, "maximum"),
        (
            {"network_type": "flat", "physical_network": "physnet1", "minimum": 1, "maximum": 1},
            "network_type",
        ),
        ({"network_type": "local", "minimum": 1, "maximum": 1}, "network_type"),
        ({"network_type": "foo", "minimum": 1, "maximum": 1}, "network_type"),
    ],
    ids=[
        "unshared-without-project",
        "shared-with-project",
        "max-below-min",
        "min-below-bound",
        "max-above-24-bits",
        "physnet-for-tunnel",
        "vlan-without-physnet",
        "vlan-unknown-physnet",
        "vlan-above-4094",
        "flat-has-no-ids",
        "local-has-no-ids",
        "unknown-type",
    ],
)
def test_bad_range_is_invalid(
    make_plugin: PluginFactory, view: DbView, body: dict[str, Any], field: str
) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(InvalidInput) as info:
        plugin.create_network_segment_range(ADMIN, body)
    assert info.value.field == field
    assert view.count("ml2core_network_segment_ranges") == 0


def test_gre_range_may_reach_32_bits(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    body = {"network_type": "gre", "minimum": 4294967290, "maximum": 4294967295}
    created = plugin.create_network_segment_range(ADMIN, body)
    assert plugin.get_network_segment_range(ADMIN, created["id"])["maximum"] == 4294967295


# -- admin only -----------------------------------------------------------------------
def test_project_may_not_create_ranges(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(NotAuthorized):
        plugin.create_network_segment_range(P1, vxlan_range(7000, 7009, "p1"))


def test_project_may_not_list_ranges(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    with pytest.raises(NotAuthorized):
        plugin.get_network_segment_ranges(P1)


def test_project_may_not_read_a_range(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009, "p1"))
    with pytest.raises(NotAuthorized):
        plugin.get_network_segment_range(P1, created["id"])


def test_project_may_not_update_a_range(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009, "p1"))
    with pytest.raises(NotAuthorized):
        plugin.update_network_segment_range(P1, created["id"], {"maximum": 7100})


def test_project_may_not_delete_a_range(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009, "p1"))
    with pytest.raises(NotAuthorized):
        plugin.delete_network_segment_range(P1, created["id"])


# -- allocation order -----------------------------------------------------------------
def test_project_range_is_tried_before_shared_ones(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**VXLAN_PROJECTS)
    plugin.create_network_segment_range(ADMIN, vxlan_range(5000, 5001, "p1"))
    first_two = {vni_of(plugin, plugin.create_network(P1, {})) for _ in range(2)}
    assert first_two == {5000, 5001}
    assert vni_of(plugin, plugin.create_network(P1, {})) in (1000, 1001)


def test_other_projects_do_not_use_a_project_range(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": []}))
    plugin.create_network_segment_range(ADMIN, vxlan_range(5000, 5001, "p1"))
    with pytest.raises(NoNetworkAvailable):
        plugin.create_network(P2, {})


def test_shared_stored_range_serves_every_project(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": []}))
    plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7000))
    assert vni_of(plugin, plugin.create_network(P2, {})) == 7000


def test_project_vlan_range_is_tried_before_the_configured_physnet_order(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["vlan"]}))
    body = {"network_type": "vlan", "physical_network": "physnet2", "minimum": 300, "maximum": 300}
    plugin.create_network_segment_range(ADMIN, {**body, "shared": False, "project_id": "p1"})
    net = plugin.get_network(ADMIN, plugin.create_network(P1, {})["id"])
    assert (net["provider:physical_network"], net["provider:segmentation_id"]) == ("physnet2", 300)


def test_range_shows_the_ids_its_project_uses(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**VXLAN_PROJECTS)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(5000, 5002, "p1"))
    used = vni_of(plugin, plugin.create_network(P1, {}))
    seen = plugin.get_network_segment_range(ADMIN, created["id"])
    assert seen["used"] == {used: "p1"}
    assert sum(b - a + 1 for a, b in seen["available"]) == 2


# -- never strand an allocated ID -----------------------------------------------------
def test_shrinking_a_range_past_a_used_id_is_refused(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    plugin.create_network(ADMIN, provider_vxlan(7009))
    with pytest.raises(SegmentRangeInUse):
        plugin.update_network_segment_range(ADMIN, created["id"], {"maximum": 7008})
    assert plugin.get_network_segment_range(ADMIN, created["id"])["maximum"] == 7009


def test_raising_the_minimum_past_a_used_id_is_refused(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    plugin.create_network(ADMIN, provider_vxlan(7000))
    with pytest.raises(SegmentRangeInUse):
        plugin.update_network_segment_range(ADMIN, created["id"], {"minimum": 7001})


def test_shrinking_around_used_ids_is_allowed(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    plugin.create_network(ADMIN, provider_vxlan(7004))
    updated = plugin.update_network_segment_range(ADMIN, created["id"], {"minimum": 7004, "maximum": 7005})
    assert updated["available"] == [[7005, 7005]]


def test_deleting_a_range_with_a_used_id_is_refused(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**VXLAN_PROJECTS)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(5000, 5000, "p1"))
    plugin.create_network(P1, {})
    with pytest.raises(SegmentRangeInUse):
        plugin.delete_network_segment_range(ADMIN, created["id"])
    assert plugin.get_network_segment_range(ADMIN, created["id"])["used"] == {5000: "p1"}


def test_range_can_be_deleted_once_its_ids_are_released(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**VXLAN_PROJECTS)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(5000, 5000, "p1"))
    net = plugin.create_network(P1, {})
    plugin.delete_network(P1, net["id"])
    plugin.delete_network_segment_range(ADMIN, created["id"])
    with pytest.raises(SegmentRangeNotFound):
        plugin.get_network_segment_range(ADMIN, created["id"])


def test_project_range_inside_a_shared_range_is_not_handed_to_others(make_plugin: PluginFactory) -> None:
    # As Neutron: the IDs of another project's range are taken out of the shared ones.
    plugin = make_plugin(
        **conf(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:3"]})
    )
    plugin.create_network_segment_range(ADMIN, vxlan_range(2, 2, "p1"))
    ids = {vni_of(plugin, plugin.create_network(P2, {})) for _ in range(2)}
    assert ids == {1, 3}
    with pytest.raises(NoNetworkAvailable):
        plugin.create_network(P2, {})


def test_owner_still_gets_its_range_inside_a_shared_range(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(
        **conf(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:3"]})
    )
    plugin.create_network_segment_range(ADMIN, vxlan_range(2, 2, "p1"))
    assert vni_of(plugin, plugin.create_network(P1, {})) == 2


def test_project_vlan_range_is_excluded_on_its_physnet_only(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(
        **conf(
            ml2={"project_network_types": ["vlan"]},
            ml2_type_vlan={"network_vlan_ranges": ["physnet1:100:100", "physnet2:100:100"]},
        )
    )
    body = {"network_type": "vlan", "physical_network": "physnet1", "minimum": 100, "maximum": 100}
    plugin.create_network_segment_range(ADMIN, {**body, "shared": False, "project_id": "p1"})
    net = plugin.get_network(ADMIN, plugin.create_network(P2, {})["id"])
    assert (net["provider:physical_network"], net["provider:segmentation_id"]) == ("physnet2", 100)


def test_available_leaves_out_ids_the_allocator_holds(make_plugin: PluginFactory, view: DbView) -> None:
    # An allocation row without a network (left by a type no longer loaded,
    # say) is not handed out, so it is not shown as available either.
    plugin = make_plugin(**STANDARD)
    view.execute(
        "INSERT INTO ml2core_segment_allocations (network_type, physical_network, segmentation_id) "
        "VALUES ('vxlan', '', 1001)"
    )
    (vxlan,) = [r for r in defaults(plugin) if r["network_type"] == "vxlan"]
    assert vxlan["available"] == [[1000, 1000]]
    assert vxlan["used"] == {}


def test_a_range_configured_twice_is_listed_once(make_sqlite_plugin) -> None:
    from ml2core import Context

    plugin = make_sqlite_plugin(ml2_type_vxlan={"vni_ranges": ["10:20", "10:20"]})
    ranges = plugin.get_network_segment_ranges(Context.admin(), filters={"network_type": ["vxlan"]})
    assert [(r["minimum"], r["maximum"]) for r in ranges] == [(10, 20)]


def test_overlapping_stored_ranges_are_refused_as_neutron(make_plugin: PluginFactory) -> None:
    """Neutron's NetworkSegmentRangeOverlaps: same type and physnet, stored ranges only (issue 21)."""
    from ml2core.exceptions import Conflict, SegmentRangeOverlaps

    plugin = make_plugin(**STANDARD)
    first = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    second = plugin.create_network_segment_range(ADMIN, vxlan_range(7010, 7019))
    before = plugin.get_network_segment_ranges(ADMIN)
    for low, high in ((7009, 7012), (6990, 7000), (7003, 7004)):
        with pytest.raises(SegmentRangeOverlaps) as err:
            plugin.create_network_segment_range(ADMIN, vxlan_range(low, high))
        assert isinstance(err.value, Conflict) and first["id"] in str(err.value)
    with pytest.raises(SegmentRangeOverlaps) as err:
        plugin.update_network_segment_range(ADMIN, first["id"], {"maximum": 7010})
    assert second["id"] in str(err.value) and first["id"] not in str(err.value)
    assert plugin.get_network_segment_ranges(ADMIN) == before
    # A range may be resized over its own IDs; the configured range (1000:1001) is not compared.
    plugin.update_network_segment_range(ADMIN, first["id"], {"minimum": 7001})
    plugin.create_network_segment_range(ADMIN, vxlan_range(1000, 1005))


def test_deleting_a_range_in_use_counts_in_words(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**STANDARD)
    created = plugin.create_network_segment_range(ADMIN, vxlan_range(7000, 7009))
    plugin.create_network(ADMIN, provider_vxlan(7009))
    with pytest.raises(SegmentRangeInUse, match="1 ID of it is in use"):
        plugin.delete_network_segment_range(ADMIN, created["id"])


def test_a_bare_physnet_gives_project_networks_vlans(make_plugin: PluginFactory) -> None:
    """What docs/operator/configuration.rst says of its sample: a bare physnet is VLANs 1 to 4094."""
    plugin = make_plugin(
        ml2={"type_drivers": ["vlan"], "project_network_types": ["vlan"]},
        ml2_type_vlan={"network_vlan_ranges": ["physnet1:100:100", "physnet2"]},
    )
    first = plugin.create_network(Context("p1"), {})
    second = plugin.create_network(Context("p1"), {})
    seen = {
        (
            s["provider:physical_network"],
            s["provider:segmentation_id"] if s["provider:physical_network"] == "physnet1" else 0,
        )
        for s in (plugin.get_network(ADMIN, n["id"]) for n in (first, second))
    }
    assert seen == {("physnet1", 100), ("physnet2", 0)}
    assert 1 <= plugin.get_network(ADMIN, second["id"])["provider:segmentation_id"] <= 4094
