"""Helpers for the segment tests: a standard configuration and views of the database.

The views read the database through a separate engine, so what they see is
what another controller would see: committed rows only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from ml2core import Ml2Plugin
from ml2core.db.migration import VERSION_TABLE

#: Small ranges so that exhaustion is reachable; two VLAN physnets in a chosen order.
STANDARD: dict[str, dict[str, Any]] = {
    "ml2": {
        "type_drivers": ["local", "flat", "vlan", "vxlan", "gre", "geneve"],
        "project_network_types": ["vlan", "vxlan"],
    },
    "ml2_type_vlan": {"network_vlan_ranges": ["physnet1:100:101", "physnet2:200:200"]},
    "ml2_type_vxlan": {"vni_ranges": ["1000:1001"]},
    "ml2_type_gre": {"tunnel_id_ranges": ["10:12"]},
    "ml2_type_geneve": {"vni_ranges": ["500:501"]},
    "ml2_type_flat": {"flat_networks": ["physnet1", "physnet2"]},
}


def conf(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """STANDARD with some groups' options replaced (per option, not per group)."""
    result = {group: dict(values) for group, values in STANDARD.items()}
    for group, values in overrides.items():
        result.setdefault(group, {}).update(values)
    return result


def provider(network_type: str, physnet: str | None = None, seg_id: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"provider:network_type": network_type}
    if physnet is not None:
        body["provider:physical_network"] = physnet
    if seg_id is not None:
        body["provider:segmentation_id"] = seg_id
    return body


def segment(network_type: str, physnet: str | None = None, seg_id: int | None = None) -> dict[str, Any]:
    return {
        "provider:network_type": network_type,
        "provider:physical_network": physnet,
        "provider:segmentation_id": seg_id,
    }


class DbView:
    """Committed state of one database, read through an engine of its own."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)

    def close(self) -> None:
        self.engine.dispose()

    def allocations(self, network_type: str | None = None) -> set[tuple[str, str, int]]:
        query = "SELECT network_type, physical_network, segmentation_id FROM ml2core_segment_allocations"
        with self.engine.connect() as conn:
            rows = {(str(t), str(p), int(s)) for t, p, s in conn.execute(sa.text(query))}
        return {r for r in rows if network_type is None or r[0] == network_type}

    def allocated_ids(self, network_type: str, physnet: str = "") -> set[int]:
        return {s for t, p, s in self.allocations(network_type) if p == physnet}

    def segments(self) -> list[dict[str, Any]]:
        query = (
            "SELECT id, network_id, network_type, physical_network, segmentation_id, is_dynamic "
            "FROM ml2core_network_segments"
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(query))]

    def execute(self, statement: str, **params: Any) -> None:
        """Run one statement and commit (for rows the facade has no verb for)."""
        with self.engine.begin() as conn:
            conn.execute(sa.text(statement), params)

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every ml2core_* table (but the migration version), sorted."""
        names = [
            n
            for n in sa.inspect(self.engine).get_table_names()
            if n.startswith("ml2core_") and n != VERSION_TABLE
        ]
        result: dict[str, list[tuple[Any, ...]]] = {}
        with self.engine.connect() as conn:
            for name in sorted(names):
                rows = [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {name}"))]
                result[name] = sorted(rows, key=repr)
        return result


@pytest.fixture
def view(db_url: str) -> Iterator[DbView]:
    """The committed state of the parametrized test database."""
    v = DbView(db_url)
    yield v
    v.close()


@pytest.fixture
def sqlite_view(sqlite_url: str) -> Iterator[DbView]:
    v = DbView(sqlite_url)
    yield v
    v.close()


def plugin_url(plugin: Ml2Plugin) -> str:
    return plugin.engine.url.render_as_string(hide_password=False)
