"""filters, fields, sorts, limit and marker, pushed down into SQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ml2core import Context
from ml2core.exceptions import InvalidInput, NetworkNotFound, NotAuthorized

ADMIN = Context.admin()
P1 = Context("p1")


@pytest.fixture
def plugin(make_plugin):
    plugin = make_plugin()
    for name in ["delta", "alpha", "charlie", "bravo", "echo"]:
        plugin.create_network(P1, {"name": name, "admin_state_up": name != "echo"})
    return plugin


def test_filters_accept_a_list_of_values(plugin) -> None:
    names = {n["name"] for n in plugin.get_networks(P1, filters={"name": ["alpha", "echo", "zulu"]})}
    assert names == {"alpha", "echo"}


def test_boolean_filter(plugin) -> None:
    assert [n["name"] for n in plugin.get_networks(P1, filters={"admin_state_up": [False]})] == ["echo"]


def test_fields_limit_the_keys(plugin) -> None:
    items = plugin.get_networks(P1, fields=["id", "name"])
    assert all(set(i) == {"id", "name"} for i in items)


def test_sorts_and_pages_with_marker(plugin) -> None:
    sorts = [("name", "asc")]
    first = plugin.get_networks(P1, sorts=sorts, limit=2)
    second = plugin.get_networks(P1, sorts=sorts, limit=2, marker=first[-1]["id"])
    third = plugin.get_networks(P1, sorts=sorts, limit=2, marker=second[-1]["id"])
    assert [n["name"] for n in first + second + third] == ["alpha", "bravo", "charlie", "delta", "echo"]


def test_descending_sort_with_neutron_style_direction(plugin) -> None:
    names = [n["name"] for n in plugin.get_networks(P1, sorts=[("name", False)])]
    assert names == ["echo", "delta", "charlie", "bravo", "alpha"]


def test_unknown_marker_is_not_found(plugin) -> None:
    with pytest.raises(NetworkNotFound):
        plugin.get_networks(P1, limit=2, marker="00000000-0000-0000-0000-000000000000")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"filters": {"colour": ["x"]}}, "filters[colour]"),
        ({"filters": {"admin_state_up": ["maybe"]}}, "filters[admin_state_up]"),
        ({"filters": ["name"]}, "filters"),
        ({"sorts": [("name", "sideways")]}, "sorts"),
        ({"sorts": [("nosuch", "asc")]}, "sorts"),
        ({"limit": -1}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_bad_list_options_name_the_field(plugin, kwargs, field) -> None:
    with pytest.raises(InvalidInput) as info:
        plugin.get_networks(P1, **kwargs)
    assert info.value.field == field


def test_provider_filter_is_admin_only(plugin) -> None:
    with pytest.raises(NotAuthorized):
        plugin.get_networks(P1, filters={"provider:network_type": ["local"]})
    assert len(plugin.get_networks(ADMIN, filters={"provider:network_type": ["local"]})) == 5


def test_port_list_with_limit_reads_only_a_page(make_sqlite_plugin) -> None:
    plugin = make_sqlite_plugin()
    net = plugin.create_network(P1, {})
    rows = [
        {
            "id": f"00000000-0000-4000-8000-{i:012d}",
            "network_id": net["id"],
            "project_id": "p1",
            "name": "",
            "mac_address": f"fa:16:3e:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}",
            "device_id": "",
            "device_owner": "",
            "admin_state_up": True,
            "status": "DOWN",
        }
        for i in range(100_000)
    ]
    from ml2core.db.models import Port

    with plugin.engine.begin() as conn:
        conn.execute(
            sa.insert(Port.__table__).values(
                created_at=sa.func.current_timestamp(), updated_at=sa.func.current_timestamp()
            ),
            rows,
        )
    statements: list[str] = []

    @sa.event.listens_for(plugin.engine, "after_cursor_execute")
    def record(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    page = plugin.get_ports(P1, limit=10, sorts=[("mac_address", "asc")])
    assert [p["mac_address"] for p in page] == sorted(r["mac_address"] for r in rows)[:10]
    port_selects = [s for s in statements if "FROM ml2core_ports" in s]
    assert port_selects
    assert all("LIMIT" in s.upper() for s in port_selects)
