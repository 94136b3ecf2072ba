"""The embedding example: a controller with its own tables and alembic history beside ml2core's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from ml2core import Context, constants, exceptions
from ml2core.testing import plugin_conf, register_ovs_agent, sqlite_url

EMBEDDING = Path(__file__).resolve().parents[2] / "examples" / "embedding"
PROJECT = Context("project-a")
OTHER = Context("project-b")
ADMIN = Context.admin()


@pytest.fixture(scope="module")
def app() -> Iterator[ModuleType]:
    """The example's package, imported from examples/embedding."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(EMBEDDING))
        import servers_app

        yield servers_app


def new_controller(app: ModuleType, url: str) -> Any:
    conf = plugin_conf(mechanism_drivers=["openvswitch"], ml2_type_vxlan={"vni_ranges": ["1000:1001"]})
    return app.ServerController(url, conf)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "controller.sqlite")


@pytest.fixture
def controller(app: ModuleType, db: str) -> Iterator[Any]:
    controller = new_controller(app, db)
    register_ovs_agent(controller.plugin, "compute1", bridge_mappings={"physnet1": "br-ex"})
    yield controller
    controller.close()


@pytest.fixture
def network(controller: Any) -> dict[str, Any]:
    network = controller.create_network(PROJECT, {"name": "net"}).body
    controller.create_subnet(PROJECT, {"network_id": network["id"], "cidr": "10.0.0.0/24", "ip_version": 4})
    return dict(network)


def versions(engine: sa.Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(f"SELECT version_num FROM {table}")).scalars())


# -- two schemas, two histories, one database ------------------------------------------------


def test_both_alembic_histories_live_in_one_database(app: ModuleType, controller: Any) -> None:
    tables = set(sa.inspect(controller.engine).get_table_names())

    assert {"servers", "alembic_version", "ml2core_alembic_version", "ml2core_ports"} <= tables
    assert versions(controller.engine, "alembic_version") == {app.HEAD}
    ml2core_heads = versions(controller.engine, "ml2core_alembic_version")
    assert ml2core_heads
    assert app.HEAD not in ml2core_heads


def test_a_restart_keeps_both_histories_and_the_data(
    app: ModuleType, db: str, network: dict[str, Any]
) -> None:
    first = new_controller(app, db)
    server = first.create_server(
        PROJECT, {"name": "vm", "network_id": network["id"], "host": "compute1"}
    ).body
    before = (versions(first.engine, "alembic_version"), versions(first.engine, "ml2core_alembic_version"))
    first.close()

    second = new_controller(app, db)
    try:
        assert second.get_server(PROJECT, server["id"]).body["port_id"] == server["port_id"]
        after = (
            versions(second.engine, "alembic_version"),
            versions(second.engine, "ml2core_alembic_version"),
        )
        assert after == before
    finally:
        second.close()


def test_the_controllers_migrations_do_not_see_ml2core_tables(app: ModuleType, controller: Any) -> None:
    # autogenerate against the full database proposes nothing (ml2core's tables are hidden).
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with controller.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": app.migrations.include_name})
        assert compare_metadata(context, app.models.Base.metadata) == []
        unfiltered = MigrationContext.configure(conn)
        assert compare_metadata(unfiltered, app.models.Base.metadata) != []  # the filter matters


# -- servers and their ports -----------------------------------------------------------------


def test_a_server_gets_a_port_bound_on_its_host(controller: Any, network: dict[str, Any]) -> None:
    response = controller.create_server(
        PROJECT, {"name": "vm", "network_id": network["id"], "host": "compute1"}
    )

    assert response.status == 201
    server = response.body
    assert server["status"] == "BUILD"
    assert server["vif_type"] == constants.VIF_TYPE_OVS  # from the port's "bound" event
    assert len(server["addresses"]) == 1
    port = controller.plugin.get_port(ADMIN, server["port_id"])
    assert (port["device_id"], port["project_id"]) == (server["id"], "project-a")


def test_the_server_goes_active_when_its_host_reports_the_port_up(
    controller: Any, network: dict[str, Any]
) -> None:
    server = controller.create_server(
        PROJECT, {"name": "vm", "network_id": network["id"], "host": "compute1"}
    ).body

    controller.plugin.update_port_status(ADMIN, server["port_id"], constants.PORT_STATUS_ACTIVE, "compute1")

    assert controller.get_server(PROJECT, server["id"]).body["status"] == "ACTIVE"


def test_a_server_on_a_host_without_agent_is_in_error(controller: Any, network: dict[str, Any]) -> None:
    server = controller.create_server(
        PROJECT, {"name": "vm", "network_id": network["id"], "host": "compute9"}
    ).body

    assert server["status"] == "ERROR"
    assert server["vif_type"] is None


def test_a_port_deleted_behind_the_controllers_back_puts_the_server_in_error(
    controller: Any, network: dict[str, Any]
) -> None:
    server = controller.create_server(
        PROJECT, {"name": "vm", "network_id": network["id"], "host": "compute1"}
    ).body

    controller.plugin.delete_port(ADMIN, server["port_id"])

    view = controller.get_server(PROJECT, server["id"]).body
    assert (view["status"], view["port_id"]) == ("ERROR", None)


def test_deleting_a_server_deletes_its_port(controller: Any, network: dict[str, Any]) -> None:
    server = controller.create_server(
        PROJECT, {"name": "vm", "network_id": network["id"], "host": "compute1"}
    ).body

    assert controller.delete_server(PROJECT, server["id"]).status == 204

    assert controller.get_server(PROJECT, server["id"]).status == 404
    with pytest.raises(exceptions.PortNotFound):
        controller.plugin.get_port(ADMIN, server["port_id"])


def test_a_server_whose_port_cannot_be_made_leaves_no_row(controller: Any) -> None:
    network = controller.create_network(PROJECT, {"name": "tiny"}).body
    # A /30 with its gateway leaves one address: room for one port.
    controller.create_subnet(PROJECT, {"network_id": network["id"], "cidr": "10.9.0.0/30", "ip_version": 4})
    first = controller.create_server(PROJECT, {"name": "a", "network_id": network["id"], "host": "compute1"})

    second = controller.create_server(PROJECT, {"name": "b", "network_id": network["id"], "host": "compute1"})

    assert first.status == 201
    assert (second.status, second.body["error"]["type"]) == (409, "IpAddressGenerationFailure")
    assert [s["name"] for s in controller.list_servers(PROJECT).body] == ["a"]


def test_a_server_on_a_network_the_caller_cannot_see_is_404(controller: Any, network: dict[str, Any]) -> None:
    response = controller.create_server(
        OTHER, {"name": "vm", "network_id": network["id"], "host": "compute1"}
    )

    assert response.status == 404
    assert controller.list_servers(ADMIN).body == []


# -- ml2core's exceptions as HTTP answers ----------------------------------------------------


def test_errors_map_to_http_statuses(controller: Any, network: dict[str, Any]) -> None:
    vlan_5000 = {"provider:network_type": "vlan", "provider:physical_network": "physnet1"}
    controller.create_server(PROJECT, {"name": "vm", "network_id": network["id"], "host": "compute1"})

    assert controller.get_network(PROJECT, "no-such-network").status == 404
    assert controller.get_network(OTHER, network["id"]).status == 404
    assert controller.create_network(PROJECT, {"name": "p", **vlan_5000}).status == 403
    assert controller.create_network(ADMIN, {**vlan_5000, "provider:segmentation_id": 5000}).status == 400
    assert controller.delete_network(PROJECT, network["id"]).status == 409


def test_no_segment_left_is_503_with_retry_after(controller: Any, network: dict[str, Any]) -> None:
    # vni_ranges 1000:1001 and `network` holds one of the two.
    assert controller.create_network(PROJECT, {"name": "second"}).status == 201

    response = controller.create_network(PROJECT, {"name": "third"})

    assert response.status == 503
    assert response.headers == {"Retry-After": "1"}
    assert response.body["error"]["type"] == "NoNetworkAvailable"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (exceptions.RetryableError(operation="create_port", reason="deadlock"), 503),
        (exceptions.IpAddressGenerationFailure(network_id="n"), 409),
        (exceptions.VlanIdInUse(vlan_id=5, physical_network="physnet1"), 409),
        (exceptions.DatabaseError(operation="x", reason="y"), 500),
        (exceptions.ConfigError(option="[ml2] x", entry="y", reason="z"), 500),
    ],
)
def test_status_for_each_kind_of_error(app: ModuleType, error: exceptions.Ml2CoreError, status: int) -> None:
    assert app.status_for(error) == status


def test_a_mechanism_driver_error_says_whether_the_change_was_kept(app: ModuleType) -> None:
    error = exceptions.MechanismDriverError(
        method="update_port_postcommit", errors=[("tor", RuntimeError("switch down"))], committed=True
    )

    response = app.api.error_response(error)

    assert response.status == 500
    assert response.body["error"]["committed"] is True


# -- on the database servers too (skipped unless reachable) -----------------------------------


@pytest.mark.db_server
@pytest.mark.parametrize("backend", ["postgresql", "mariadb"], indirect=True)
def test_both_histories_coexist_on_a_database_server(app: ModuleType, db_url: str) -> None:
    controller = new_controller(app, db_url)
    try:
        tables = set(sa.inspect(controller.engine).get_table_names())
        assert {"servers", "alembic_version", "ml2core_alembic_version"} <= tables
        assert versions(controller.engine, "alembic_version") == {app.HEAD}
        register_ovs_agent(controller.plugin, "compute1")
        network = controller.create_network(PROJECT, {"name": "net"}).body
        server = controller.create_server(
            PROJECT, {"name": "vm", "network_id": network["id"], "host": "compute1"}
        )
        assert server.body["vif_type"] == constants.VIF_TYPE_OVS
    finally:
        controller.close()


def test_the_demo_runs_from_its_config_file(app: ModuleType, tmp_path: Path) -> None:
    from servers_app.__main__ import DEFAULT_CONFIG, main

    assert main([str(DEFAULT_CONFIG), sqlite_url(tmp_path / "demo.sqlite")]) == 0
