"""A vendor's ID-based type in ~20 lines gets everything else from ``SegmentTypeDriver``.

``test_type`` (package ``ml2core-testdrivers``, entry point
``ml2core.type_drivers: test_type``) states only its name, its ID bounds
(1..1000), its overhead (8 bytes) and where its ranges come from
(``[ml2_type_test] ranges``, default ``1:10``).
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from ml2core_testdrivers import type_driver as vendor  # type: ignore[import-untyped]

from ml2core import Context
from ml2core.api import SegmentTypeDriver
from ml2core.exceptions import InUse, InvalidInput, NoNetworkAvailable
from tests.conftest import PluginFactory
from tests.db.segments.conftest import DbView, conf, provider

ADMIN = Context.admin()
P1 = Context("p1")


def vendor_conf(ranges: list[str] | None = None) -> dict[str, dict[str, Any]]:
    groups = conf(ml2={"type_drivers": ["test_type", "vxlan"], "project_network_types": ["test_type"]})
    if ranges is not None:
        groups["ml2_type_test"] = {"ranges": ranges}
    return groups


def test_vendor_type_is_about_twenty_lines() -> None:
    assert issubclass(vendor.TestTypeDriver, SegmentTypeDriver)
    assert len(inspect.getsource(vendor.TestTypeDriver).splitlines()) <= 25


def test_vendor_type_is_validated_by_the_base(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf())
    with pytest.raises(InvalidInput, match=r"segmentation_id out of range \(1 through 1000\)"):
        plugin.create_network(ADMIN, provider("test_type", None, 1001))


def test_vendor_type_refuses_a_physnet(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf())
    with pytest.raises(InvalidInput, match="provider:physical_network specified for TEST_TYPE network"):
        plugin.create_network(ADMIN, provider("test_type", "physnet1", 5))


def test_vendor_provider_id_is_reserved(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**vendor_conf())
    plugin.create_network(ADMIN, provider("test_type", None, 999))
    assert view.allocations() == {("test_type", "", 999)}


def test_vendor_provider_id_in_use_is_refused(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf())
    plugin.create_network(ADMIN, provider("test_type", None, 999))
    with pytest.raises(InUse, match="TEST_TYPE ID 999 is in use"):
        plugin.create_network(ADMIN, provider("test_type", None, 999))


def test_vendor_project_networks_come_from_its_ranges(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf(["5:6"]))
    ids = {
        plugin.get_network(ADMIN, plugin.create_network(P1, {})["id"])["provider:segmentation_id"]
        for _ in range(2)
    }
    assert ids == {5, 6}


def test_vendor_ranges_run_out(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf(["5:6"]))
    plugin.create_network(P1, {})
    plugin.create_network(P1, {})
    with pytest.raises(NoNetworkAvailable):
        plugin.create_network(P1, {})


def test_vendor_default_ranges_apply_without_config(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf())
    net = plugin.get_network(ADMIN, plugin.create_network(P1, {})["id"])
    assert 1 <= net["provider:segmentation_id"] <= 10


def test_vendor_id_is_released_and_reusable(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**vendor_conf(["7:7"]))
    net = plugin.create_network(P1, {})
    plugin.delete_network(P1, net["id"])
    assert view.allocations() == set()
    again = plugin.get_network(ADMIN, plugin.create_network(P1, {})["id"])
    assert again["provider:segmentation_id"] == 7


def test_vendor_network_mtu_comes_from_its_overhead(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf())
    assert plugin.create_network(P1, {})["mtu"] == 1500 - 20 - 8


def test_vendor_ranges_are_listed_as_default_ranges(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf(["5:6", "100:200"]))
    listed = {
        (r["minimum"], r["maximum"])
        for r in plugin.get_network_segment_ranges(ADMIN, filters={"network_type": ["test_type"]})
    }
    assert listed == {(5, 6), (100, 200)}


def test_vendor_type_takes_stored_segment_ranges(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf(["5:5"]))
    body = {"network_type": "test_type", "minimum": 900, "maximum": 900, "shared": False, "project_id": "p1"}
    plugin.create_network_segment_range(ADMIN, body)
    net = plugin.get_network(ADMIN, plugin.create_network(P1, {})["id"])
    assert net["provider:segmentation_id"] == 900


def test_vendor_type_gives_dynamic_segments(make_plugin: PluginFactory) -> None:
    plugin = make_plugin(**vendor_conf(["5:5"]))
    net = plugin.create_network(ADMIN, provider("vxlan", None, 42))
    seg = plugin.allocate_dynamic_segment(ADMIN, net["id"], {"network_type": "test_type"})
    assert (seg["network_type"], seg["segmentation_id"]) == ("test_type", 5)
