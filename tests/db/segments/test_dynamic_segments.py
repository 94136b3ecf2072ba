"""Dynamic segments: one per (network, type, physnet), released only when unreferenced."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import InvalidInput, NetworkNotFound, NoNetworkAvailable, NotAuthorized
from tests.conftest import PluginFactory
from tests.db.segments.conftest import STANDARD, DbView, provider

ADMIN = Context.admin()
VLAN1 = {"network_type": "vlan", "physical_network": "physnet1"}
VLAN2 = {"network_type": "vlan", "physical_network": "physnet2"}  # one ID: 200


@pytest.fixture
def plugin(make_plugin: PluginFactory) -> Ml2Plugin:
    return make_plugin(**STANDARD)


@pytest.fixture
def network(plugin: Ml2Plugin) -> dict[str, Any]:
    return plugin.create_network(ADMIN, provider("vxlan", None, 5000))


def dynamic_rows(view: DbView) -> list[dict[str, Any]]:
    return [s for s in view.segments() if s["is_dynamic"]]


def reference(view: DbView, plugin: Ml2Plugin, network_id: str, segment_id: str) -> str:
    """A committed binding level on ``segment_id`` (as the binding engine writes one)."""
    port = plugin.create_port(ADMIN, {"network_id": network_id})
    view.execute(
        "INSERT INTO ml2core_port_binding_levels (port_id, host, level, driver, segment_id) "
        "VALUES (:port, 'host1', 1, 'test', :segment)",
        port=port["id"],
        segment=segment_id,
    )
    return str(port["id"])


def test_dynamic_segment_takes_an_id_of_its_physnet(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    seg = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1)
    assert (seg["network_type"], seg["physical_network"]) == ("vlan", "physnet1")
    assert seg["segmentation_id"] in (100, 101)
    assert seg["network_id"] == network["id"]


def test_dynamic_segment_is_reserved(plugin: Ml2Plugin, network: dict[str, Any], view: DbView) -> None:
    seg = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN2)
    assert ("vlan", "physnet2", seg["segmentation_id"]) in view.allocations()


def test_second_allocation_returns_the_same_segment(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    first = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1)
    second = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1)
    assert second == first
    assert len(dynamic_rows(view)) == 1
    assert len(view.allocations("vlan")) == 1


def test_other_physnet_gets_its_own_segment(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    first = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1)
    second = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN2)
    assert first["id"] != second["id"]
    assert second["segmentation_id"] == 200


def test_other_network_gets_its_own_segment(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    other = plugin.create_network(ADMIN, provider("vxlan", None, 5001))
    first = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1)
    second = plugin.allocate_dynamic_segment(ADMIN, other["id"], VLAN1)
    assert first["segmentation_id"] != second["segmentation_id"]


def test_request_without_physnet_gets_the_first_physnet(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    seg = plugin.allocate_dynamic_segment(ADMIN, network["id"], {"network_type": "vlan"})
    assert seg["physical_network"] == "physnet1"


def test_request_naming_the_physnet_finds_one_allocated_without(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    first = plugin.allocate_dynamic_segment(ADMIN, network["id"], {"network_type": "vlan"})
    second = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1)
    assert second["id"] == first["id"]
    assert len(view.allocations("vlan")) == 1


def test_request_without_physnet_finds_an_existing_segment_of_the_type(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    first = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN2)
    second = plugin.allocate_dynamic_segment(ADMIN, network["id"], {"network_type": "vlan"})
    assert second["id"] == first["id"]
    assert len(view.allocations("vlan")) == 1


def test_tunnel_dynamic_segment_is_one_per_network(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    first = plugin.allocate_dynamic_segment(ADMIN, network["id"], {"network_type": "gre"})
    second = plugin.allocate_dynamic_segment(ADMIN, network["id"], {"network_type": "gre"})
    assert second == first
    assert first["segmentation_id"] in (10, 11, 12)
    assert len(view.allocations("gre")) == 1


def test_fully_specified_dynamic_segment_keeps_its_id(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    seg = plugin.allocate_dynamic_segment(ADMIN, network["id"], {**VLAN1, "segmentation_id": 3000})
    assert seg["segmentation_id"] == 3000


def test_dynamic_segments_are_not_shown_on_the_network(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1)
    seen = plugin.get_network(ADMIN, network["id"])
    assert "segments" not in seen
    assert (seen["provider:network_type"], seen["provider:segmentation_id"]) == ("vxlan", 5000)


def test_exhausted_physnet_raises_and_keeps_nothing(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    plugin.create_network(ADMIN, provider("vlan", "physnet2", 200))
    before = view.dump()
    with pytest.raises(NoNetworkAvailable):
        plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN2)
    assert view.dump() == before


def test_invalid_dynamic_segment_is_refused(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="physical_network 'physnet9' unknown for VLAN provider network"):
        plugin.allocate_dynamic_segment(
            ADMIN, network["id"], {"network_type": "vlan", "physical_network": "physnet9"}
        )


def test_dynamic_segment_on_unknown_network_is_not_found(plugin: Ml2Plugin) -> None:
    with pytest.raises(NetworkNotFound):
        plugin.allocate_dynamic_segment(ADMIN, "0b7c06b3-2170-4dbe-9cbd-495c333dd624", VLAN1)


def test_dynamic_segment_for_a_network_deleted_meanwhile_is_not_found(
    plugin: Ml2Plugin, view: DbView
) -> None:
    # The facade checks the network first; the allocation's own transaction
    # must still turn a vanished network (a foreign-key failure) into NotFound.
    dynamic = plugin._dynamic  # the step after the facade's check
    with pytest.raises(NetworkNotFound):
        dynamic.allocate("0b7c06b3-2170-4dbe-9cbd-495c333dd624", VLAN1)
    assert view.allocations() == set()


def test_project_may_not_allocate_dynamic_segments(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    with pytest.raises(NotAuthorized):
        plugin.allocate_dynamic_segment(Context("p1"), network["id"], VLAN1)


def test_project_may_not_release_dynamic_segments(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    seg = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1)
    with pytest.raises(NotAuthorized):
        plugin.release_dynamic_segment(Context("p1"), seg["id"])


def test_release_frees_an_unreferenced_segment(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    seg = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN2)
    assert plugin.release_dynamic_segment(ADMIN, seg["id"]) is True
    assert dynamic_rows(view) == []
    assert view.allocations("vlan") == set()


def test_released_dynamic_id_is_reusable(plugin: Ml2Plugin, network: dict[str, Any]) -> None:
    seg = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN2)
    plugin.release_dynamic_segment(ADMIN, seg["id"])
    other = plugin.create_network(ADMIN, provider("vlan", "physnet2"))
    assert other["provider:segmentation_id"] == seg["segmentation_id"] == 200


def test_referenced_segment_is_not_released(plugin: Ml2Plugin, network: dict[str, Any], view: DbView) -> None:
    seg = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN2)
    reference(view, plugin, network["id"], seg["id"])
    assert plugin.release_dynamic_segment(ADMIN, seg["id"]) is False
    assert [s["id"] for s in dynamic_rows(view)] == [seg["id"]]
    assert view.allocations("vlan") == {("vlan", "physnet2", 200)}


def test_segment_is_released_once_its_last_reference_is_gone(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    seg = plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN2)
    port_id = reference(view, plugin, network["id"], seg["id"])
    view.execute("DELETE FROM ml2core_port_binding_levels WHERE port_id = :port", port=port_id)
    assert plugin.release_dynamic_segment(ADMIN, seg["id"]) is True
    assert view.allocations("vlan") == set()


def test_static_segment_is_never_released_as_dynamic(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    (static,) = view.segments()
    assert plugin.release_dynamic_segment(ADMIN, static["id"]) is False
    assert view.allocations() == {("vxlan", "", 5000)}


def test_release_of_an_unknown_segment_is_false(plugin: Ml2Plugin) -> None:
    assert plugin.release_dynamic_segment(ADMIN, "0b7c06b3-2170-4dbe-9cbd-495c333dd624") is False


def test_network_delete_releases_its_dynamic_segments(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1)
    plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN2)
    plugin.delete_network(ADMIN, network["id"])
    assert view.allocations() == set()
    assert view.segments() == []


def test_concurrent_allocations_share_one_segment(
    plugin: Ml2Plugin, network: dict[str, Any], view: DbView
) -> None:
    threads = 8
    barrier = threading.Barrier(threads)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(plugin.allocate_dynamic_segment(ADMIN, network["id"], VLAN1))
        except BaseException as exc:  # reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    assert errors == []
    assert len({r["id"] for r in results}) == 1
    assert len(results) == threads
    assert len(dynamic_rows(view)) == 1
    assert len(view.allocations("vlan")) == 1
