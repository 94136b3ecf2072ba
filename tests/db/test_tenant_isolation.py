"""Tenant isolation compares identifiers byte for byte on every database (issue 23).

MariaDB's default collation ignores case, accents and trailing spaces; these
fail there without the ``e0002_byte_ids`` migration and the byte-compared
models.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ml2core import Context
from ml2core.db.models import BYTE_COLLATION, Base
from ml2core.exceptions import NetworkNotFound, NotAuthorized, PortNotFound, SubnetNotFound

ADMIN = Context.admin()
OWNER = Context("proj-b")
LOOK_ALIKES = ["PROJ-B", "Proj-B", "proj-b ", "prój-b", "proj-b\t"]


@pytest.fixture
def plugin(make_plugin):
    return make_plugin(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:100"]})


@pytest.fixture
def owned(plugin):
    net = plugin.create_network(OWNER, {"name": "Web"})
    sub = plugin.create_subnet(OWNER, {"network_id": net["id"], "cidr": "10.7.0.0/24"})
    port = plugin.create_port(OWNER, {"network_id": net["id"]})
    return net, sub, port


@pytest.mark.parametrize("project", LOOK_ALIKES)
def test_look_alike_project_sees_nothing(plugin, owned, project) -> None:
    net, sub, port = owned
    other = Context(project)
    assert plugin.get_networks(other) == []
    assert plugin.get_subnets(other) == []
    assert plugin.get_ports(other) == []
    with pytest.raises(NetworkNotFound):
        plugin.get_network(other, net["id"])
    with pytest.raises(SubnetNotFound):
        plugin.get_subnet(other, sub["id"])
    with pytest.raises(PortNotFound):
        plugin.get_port(other, port["id"])
    with pytest.raises(NetworkNotFound):
        plugin.create_port(other, {"network_id": net["id"]})
    assert [p["id"] for p in plugin.get_ports(ADMIN)] == [port["id"]]


def test_ids_are_compared_exactly(plugin, owned) -> None:
    net, sub, port = owned
    for get, ident, exc in (
        (plugin.get_network, net["id"], NetworkNotFound),
        (plugin.get_subnet, sub["id"], SubnetNotFound),
        (plugin.get_port, port["id"], PortNotFound),
    ):
        for variant in (ident.upper(), ident + " "):
            with pytest.raises(exc):
                get(OWNER, variant)
            with pytest.raises(exc):
                get(ADMIN, variant)


def test_name_filters_are_exact(plugin, owned) -> None:
    net, _sub, _port = owned
    assert [n["id"] for n in plugin.get_networks(OWNER, filters={"name": ["Web"]})] == [net["id"]]
    for variant in ("web", "Web ", "WEB", "Wéb"):
        assert plugin.get_networks(OWNER, filters={"name": [variant]}) == []


def test_project_id_filter_is_exact_for_admins(plugin, owned) -> None:
    net, _sub, _port = owned
    assert [n["id"] for n in plugin.get_networks(ADMIN, filters={"project_id": ["proj-b"]})] == [net["id"]]
    assert plugin.get_networks(ADMIN, filters={"project_id": ["PROJ-B"]}) == []


def test_every_string_column_is_byte_compared(plugin, backend) -> None:
    """The schema the migrations built, read back from the server."""
    if backend != "mariadb":
        pytest.skip("collations are MariaDB's; PostgreSQL and SQLite compare bytes (tests above)")
    tables = sorted(Base.metadata.tables)
    with plugin.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns"
                " WHERE table_schema = DATABASE() AND collation_name IS NOT NULL"
            )
        ).all()
    seen = {(t, c): coll for t, c, coll in rows if t in tables}
    assert {t for t, _ in seen} == set(tables)
    wrong = {k: v for k, v in seen.items() if v not in (BYTE_COLLATION, "utf8mb4_bin")}
    # JSON columns are utf8mb4_bin (MariaDB's alias); every text column is nopad.
    json_cols = {
        (t.name, c.name)
        for t in Base.metadata.tables.values()
        for c in t.columns
        if isinstance(c.type, sa.JSON)
    }
    assert wrong == {}
    assert {k for k, v in seen.items() if v != BYTE_COLLATION} <= json_cols


# Item 3: no project name owns what an admin created without a project.
NAMED_ADMIN = Context("admin")


def test_a_project_named_admin_owns_nothing_an_admin_created(plugin) -> None:
    private = plugin.create_network(ADMIN, {"name": "infra"})
    shared = plugin.create_network(ADMIN, {"name": "public", "shared": True})
    assert private["project_id"] == "" and shared["project_id"] == ""
    with pytest.raises(NetworkNotFound):
        plugin.get_network(NAMED_ADMIN, private["id"])
    with pytest.raises(NetworkNotFound):
        plugin.update_network(NAMED_ADMIN, private["id"], {"name": "mine"})
    assert [n["id"] for n in plugin.get_networks(NAMED_ADMIN)] == [shared["id"]]
    with pytest.raises(NotAuthorized):
        plugin.create_subnet(NAMED_ADMIN, {"network_id": shared["id"], "cidr": "10.8.0.0/24"})
    with pytest.raises(NotAuthorized):
        plugin.update_network(NAMED_ADMIN, shared["id"], {"name": "mine"})
    with pytest.raises(NotAuthorized):
        plugin.delete_network(NAMED_ADMIN, shared["id"])
    assert {n["name"] for n in plugin.get_networks(ADMIN)} == {"infra", "public"}
    assert plugin.get_subnets(ADMIN) == []


def test_admin_rows_of_older_releases_are_rewritten(backend, tmp_path) -> None:
    """A database written by 0.1 (``project_id = "admin"``) migrates to no owner."""
    from ml2core.db import migration
    from ml2core.db.engine import make_engine
    from tests import dbutil

    with dbutil.empty_database(backend, str(tmp_path)) as url:
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                cfg = migration.alembic_config(conn)
                from alembic import command

                command.upgrade(cfg, "e0002_byte_ids")
                conn.execute(
                    sa.text(
                        "INSERT INTO ml2core_networks (id, project_id, name, admin_state_up, shared,"
                        " status, mtu, created_at, updated_at) VALUES ('n-admin', 'admin', 'old', true,"
                        " false, 'ACTIVE', 1450, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
                        " ('n-p1', 'p1', 'keep', true, false, 'ACTIVE', 1450, CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP)"
                    )
                )
            migration.upgrade(engine)
            with engine.connect() as conn:
                owners = dict(conn.execute(sa.text("SELECT id, project_id FROM ml2core_networks")).all())
        finally:
            engine.dispose()
    assert owners == {"n-admin": "", "n-p1": "p1"}


# Item 2: no squatting on a network one does not own.


def test_no_squatting_on_an_admins_shared_network(plugin) -> None:
    net = plugin.create_network(ADMIN, {"shared": True})
    sub = plugin.create_subnet(ADMIN, {"network_id": net["id"], "cidr": "10.9.0.0/24"})
    victim = plugin.create_port(Context("proj-v"), {"network_id": net["id"]})
    tenant = Context("proj-a")
    attempts = [
        # The subnet's gateway, as a router interface (the gateway check skips router ports).
        {
            "device_owner": "network:router_interface",
            "fixed_ips": [{"subnet_id": sub["id"], "ip_address": "10.9.0.1"}],
        },
        {"device_owner": "network:dhcp"},
        {"fixed_ips": [{"subnet_id": sub["id"], "ip_address": "10.9.0.50"}]},
        {"mac_address": "fa:16:3e:12:34:56"},
        # Another project's address and MAC: refused without saying they are in use.
        {"fixed_ips": [{"ip_address": victim["fixed_ips"][0]["ip_address"]}]},
        {"mac_address": victim["mac_address"]},
    ]
    for body in attempts:
        with pytest.raises(NotAuthorized) as err:
            plugin.create_port(tenant, {"network_id": net["id"], **body})
        assert "in use" not in str(err.value)
    assert [p["id"] for p in plugin.get_ports(ADMIN)] == [victim["id"]]
    # What a tenant may do there: a port with an address the network picks, on the subnet it names.
    mine = plugin.create_port(tenant, {"network_id": net["id"], "fixed_ips": [{"subnet_id": sub["id"]}]})
    for body in attempts[:4]:
        with pytest.raises(NotAuthorized):
            plugin.update_port(tenant, mine["id"], body)
    assert plugin.get_port(tenant, mine["id"])["fixed_ips"] == mine["fixed_ips"]
    assert plugin.get_port(tenant, mine["id"])["device_owner"] == ""
