"""Transient database failures retry the whole operation; others become DatabaseError."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ml2core import Context
from ml2core.exceptions import DatabaseError, RetryableError
from ml2core.testing import dump_tables
from tests.conftest import require_backend

P1 = Context("p1")
ADMIN = Context.admin()


@pytest.fixture(params=["postgresql", "mariadb"])
def server_plugin(request, template_cache, tmp_path, make_plugin_for):
    return make_plugin_for(request.param)


@pytest.fixture
def make_plugin_for(template_cache, tmp_path):
    from ml2core import Ml2Plugin
    from ml2core.testing import make_conf
    from tests import dbutil

    stack = []

    def make(backend: str, **groups):
        require_backend(backend)
        cm = dbutil.fresh_database(backend, template_cache, str(tmp_path))
        url = cm.__enter__()
        groups.setdefault("ml2", {"mechanism_drivers": ["connkiller"]})
        plugin = Ml2Plugin(make_conf(**groups), db_url=url)
        stack.append((plugin, cm))
        return plugin

    yield make
    for plugin, cm in stack:
        plugin.close()
        cm.__exit__(None, None, None)


@pytest.mark.db_server
def test_connection_killed_mid_transaction_is_retried(server_plugin) -> None:
    net = server_plugin.create_network(P1, {"name": "kill-once-a"})
    killer = server_plugin._core.mechanisms.drivers[0]
    assert killer.killed == {"kill-once-a": 1}
    assert [n["id"] for n in server_plugin.get_networks(ADMIN)] == [net["id"]]
    assert len(dump_tables(server_plugin.engine)["ml2core_network_segments"]) == 1


@pytest.mark.db_server
@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_retries_spent_raise_retryable_error_and_leave_nothing(make_plugin_for, backend) -> None:
    plugin = make_plugin_for(backend, ml2={"mechanism_drivers": ["connkiller"]}, database={"max_retries": 2})
    before = dump_tables(plugin.engine)
    with pytest.raises(RetryableError) as info:
        plugin.create_network(P1, {"name": "kill-always-b"})
    assert info.value.__cause__ is not None
    assert plugin._core.mechanisms.drivers[0].killed == {"kill-always-b": 3}
    assert dump_tables(plugin.engine) == before


def test_other_database_failures_are_database_error_with_cause(make_sqlite_plugin) -> None:
    plugin = make_sqlite_plugin()
    with plugin.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE ml2core_subnets"))
    with pytest.raises(DatabaseError) as info:
        plugin.get_subnets(P1)
    assert isinstance(info.value.__cause__, sa.exc.SQLAlchemyError)
    assert "get_subnets" in str(info.value)


def test_a_clash_on_the_port_id_is_not_reported_as_a_mac_in_use(make_plugin) -> None:
    """What a retry after a commit that did land meets: its own port, not a busy MAC."""
    plugin = make_plugin()
    net = plugin.create_network(ADMIN, {"name": "n"})
    port = plugin.create_port(ADMIN, {"network_id": net["id"]})
    ports = plugin._ports

    def insert_again(c: Context) -> None:
        ports._insert(
            c, port["id"], net["id"], "p1", None, name="", device_id="", device_owner="", binding={}
        )

    with pytest.raises(DatabaseError) as info:
        plugin._core.write("create_port", ADMIN, insert_again)
    assert isinstance(info.value.__cause__, sa.exc.IntegrityError)
    assert [p["id"] for p in plugin.get_ports(ADMIN)] == [port["id"]]


@pytest.mark.db_server
@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_server_that_refuses_connections_is_retryable_error_in_one_line(backend: str) -> None:
    """A database that is down (restarting, failing over) is transient, on both servers."""
    import socket

    from ml2core import Ml2Plugin
    from ml2core.testing import make_conf
    from tests import dbutil

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    admin = dbutil.PG_ADMIN if backend == "postgresql" else dbutil.MY_ADMIN
    url = sa.engine.make_url(admin).set(port=port).render_as_string(hide_password=False)
    with pytest.raises(RetryableError) as info:
        Ml2Plugin(make_conf(database={"max_retries": 1}), db_url=url)
    assert "\n" not in str(info.value) and info.value.kwargs["attempts"] == 2
