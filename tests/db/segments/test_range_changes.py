"""Allocated IDs survive range changes; changing ranges costs nothing at start-up.

Each test allocates under one configuration, then starts a new plugin on the
same database with other ranges, as an operator editing ``ml2.conf`` and
restarting the controllers would.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from ml2core import Context, Ml2Plugin
from ml2core.db.engine import make_engine
from ml2core.exceptions import NoNetworkAvailable, TunnelIdInUse, VlanIdInUse
from ml2core.testing.config import make_conf
from tests.conftest import PluginFactory
from tests.db.segments.conftest import DbView, conf

ADMIN = Context.admin()
P1 = Context("p1")
VXLAN_ONLY = {"type_drivers": ["vxlan", "gre", "vlan"], "project_network_types": ["vxlan"]}


def vxlan_conf(*ranges: str) -> dict[str, dict[str, Any]]:
    return conf(ml2=VXLAN_ONLY, ml2_type_vxlan={"vni_ranges": list(ranges)})


def vni(plugin: Ml2Plugin, net: dict[str, Any]) -> int:
    return int(plugin.get_network(ADMIN, net["id"])["provider:segmentation_id"])


def test_ids_outside_the_new_ranges_stay_allocated(make_plugin: PluginFactory, view: DbView) -> None:
    old = make_plugin(**vxlan_conf("1:3"))
    for _ in range(3):
        old.create_network(P1, {})
    make_plugin(**vxlan_conf("100:101"))
    assert view.allocated_ids("vxlan") == {1, 2, 3}


def test_networks_on_old_ids_keep_them_after_restart(make_plugin: PluginFactory) -> None:
    old = make_plugin(**vxlan_conf("1:3"))
    net = old.create_network(P1, {})
    new = make_plugin(**vxlan_conf("100:101"))
    assert vni(new, net) == vni(old, net)


def test_old_ids_inside_the_new_ranges_are_not_handed_out_twice(make_plugin: PluginFactory) -> None:
    old = make_plugin(**vxlan_conf("1:3"))
    old_ids = {vni(old, old.create_network(P1, {})) for _ in range(3)}
    new = make_plugin(**vxlan_conf("2:5"))
    new_ids = [vni(new, new.create_network(P1, {})) for _ in range(2)]
    assert sorted(new_ids) == [4, 5]
    assert not old_ids & set(new_ids)
    with pytest.raises(NoNetworkAvailable):
        new.create_network(P1, {})


def test_shrunk_range_with_every_id_taken_is_exhausted(make_plugin: PluginFactory) -> None:
    old = make_plugin(**vxlan_conf("1:4"))
    for _ in range(4):
        old.create_network(P1, {})
    new = make_plugin(**vxlan_conf("2:3"))
    with pytest.raises(NoNetworkAvailable):
        new.create_network(P1, {})


def test_old_id_outside_the_new_ranges_is_still_in_use_for_providers(make_plugin: PluginFactory) -> None:
    old = make_plugin(**vxlan_conf("1:1"))
    old.create_network(P1, {})
    new = make_plugin(**vxlan_conf("100:101"))
    with pytest.raises(TunnelIdInUse):
        new.create_network(ADMIN, {"provider:network_type": "vxlan", "provider:segmentation_id": 1})


def test_old_id_outside_the_new_ranges_is_released_on_delete(
    make_plugin: PluginFactory, view: DbView
) -> None:
    old = make_plugin(**vxlan_conf("1:1"))
    net = old.create_network(P1, {})
    new = make_plugin(**vxlan_conf("100:101"))
    new.delete_network(P1, net["id"])
    assert view.allocated_ids("vxlan") == set()


def test_removed_vlan_physnet_keeps_its_allocations(make_plugin: PluginFactory, view: DbView) -> None:
    old = make_plugin(
        **conf(
            ml2={"project_network_types": ["vlan"]},
            ml2_type_vlan={"network_vlan_ranges": ["physnet1:100:100", "physnet2:200:200"]},
        )
    )
    net = old.create_network(
        ADMIN, {"provider:network_type": "vlan", "provider:physical_network": "physnet2"}
    )
    new = make_plugin(**conf(ml2_type_vlan={"network_vlan_ranges": ["physnet1:100:100"]}))
    assert view.allocated_ids("vlan", "physnet2") == {200}
    new.delete_network(ADMIN, net["id"])
    assert view.allocated_ids("vlan", "physnet2") == set()


def test_vlan_range_moved_over_an_allocated_id_skips_it(make_plugin: PluginFactory) -> None:
    old = make_plugin(
        **conf(
            ml2={"project_network_types": ["vlan"]},
            ml2_type_vlan={"network_vlan_ranges": ["physnet1:100:100"]},
        )
    )
    old.create_network(P1, {})
    new = make_plugin(
        **conf(
            ml2={"project_network_types": ["vlan"]},
            ml2_type_vlan={"network_vlan_ranges": ["physnet1:99:101"]},
        )
    )
    ids = {
        new.get_network(ADMIN, new.create_network(P1, {})["id"])["provider:segmentation_id"] for _ in range(2)
    }
    assert ids == {99, 101}
    with pytest.raises(VlanIdInUse):
        new.create_network(
            ADMIN,
            {
                "provider:network_type": "vlan",
                "provider:physical_network": "physnet1",
                "provider:segmentation_id": 100,
            },
        )


HUGE = conf(
    ml2=VXLAN_ONLY,
    ml2_type_vxlan={"vni_ranges": ["1:16777215"]},
    ml2_type_gre={"tunnel_id_ranges": ["1:4294967295"]},
    ml2_type_vlan={"network_vlan_ranges": ["physnet1", "physnet2", "physnet3"]},
)
TINY = conf(
    ml2=VXLAN_ONLY, ml2_type_vxlan={"vni_ranges": ["1:10"]}, ml2_type_gre={"tunnel_id_ranges": ["1:10"]}
)


def _statements_during_start(url: str, groups: dict[str, dict[str, Any]]) -> tuple[list[str], float]:
    engine = make_engine(url)
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    try:
        start = time.perf_counter()
        Ml2Plugin(make_conf(**groups), engine=engine).close()
        elapsed = time.perf_counter() - start
    finally:
        engine.dispose()
    return seen, elapsed


def test_start_up_with_full_ranges_touches_no_allocation(db_url: str, view: DbView) -> None:
    statements, _ = _statements_during_start(db_url, HUGE)
    assert not [s for s in statements if "segment_allocations" in s]
    assert view.count("ml2core_segment_allocations") == 0


def test_start_up_with_full_ranges_runs_the_same_statements_as_with_tiny_ones(db_url: str) -> None:
    _statements_during_start(db_url, TINY)  # the first start may migrate; compare warm starts
    tiny, _ = _statements_during_start(db_url, TINY)
    huge, _ = _statements_during_start(db_url, HUGE)
    assert huge == tiny


def test_start_up_with_full_ranges_is_fast(db_url: str) -> None:
    _statements_during_start(db_url, TINY)
    tiny, huge = float("inf"), float("inf")
    for _ in range(3):  # interleaved, so that load on the machine hits both alike
        tiny = min(tiny, _statements_during_start(db_url, TINY)[1])
        huge = min(huge, _statements_during_start(db_url, HUGE)[1])
    # Same work either way; the margin only absorbs scheduling noise.
    assert huge < tiny + 0.25, (huge, tiny)


def test_range_change_restart_needs_no_sync(make_plugin: PluginFactory, view: DbView) -> None:
    old = make_plugin(**vxlan_conf("1:3"))
    old.create_network(P1, {})
    before = view.dump()
    make_plugin(**HUGE)
    assert view.dump() == before


def test_database_grows_with_allocations_only(make_plugin: PluginFactory, view: DbView) -> None:
    plugin = make_plugin(**HUGE)
    for _ in range(3):
        plugin.create_network(P1, {})
    with view.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT COUNT(*) FROM ml2core_segment_allocations")).scalar_one()
    assert rows == 3


def test_network_of_a_type_no_longer_loaded_releases_its_id_on_delete(
    make_plugin: PluginFactory, view: DbView
) -> None:
    old = make_plugin(**conf(ml2={"type_drivers": ["vxlan", "gre"], "project_network_types": ["gre"]}))
    net = old.create_network(P1, {})
    new = make_plugin(**conf(ml2={"type_drivers": ["vxlan"], "project_network_types": ["vxlan"]}))
    new.delete_network(P1, net["id"])
    assert view.allocations("gre") == set()
