"""A connection the server kills just as the pool hands it out, in a call and at start-up.

A pool ``checkout`` listener asks the server for the connection's ID and
kills it from a connection of its own (MariaDB ``KILL``, PostgreSQL
``pg_terminate_backend``) after the pool's liveness check passed. On
MariaDB, SQLAlchemy then sets the session's isolation level on the dead
connection, and the driver's error reaches ml2core unwrapped; on
PostgreSQL the first statement fails. Either way it is a lost connection:
the operation (or the plugin's start-up) is retried and succeeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ml2core import Context, Ml2Plugin
from ml2core.db.engine import make_engine
from ml2core.testing import make_conf
from tests.reliability.conftest import Figures, assert_consistent

pytestmark = pytest.mark.db_server

ADMIN = Context.admin()


class CheckoutKiller:
    """Kills the next ``count`` connections the engine's pool hands out."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.backend = engine.dialect.name
        self.pending = 0
        self.killed = 0
        event.listen(engine, "checkout", self._checkout)

    def arm(self, count: int = 1) -> None:
        self.pending = count

    def _checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if self.pending <= 0:
            return
        self.pending -= 1
        cursor = dbapi_conn.cursor()
        own_id = "SELECT pg_backend_pid()" if self.backend == "postgresql" else "SELECT CONNECTION_ID()"
        cursor.execute(own_id)
        conn_id = int(cursor.fetchone()[0])
        cursor.close()
        dbapi_conn.rollback()
        with self.admin.connect() as conn:
            if self.backend == "postgresql":
                # Wait (up to 5 s) until the server process is gone.
                conn.execute(sa.text("SELECT pg_terminate_backend(:p, 5000)"), {"p": conn_id})
            else:
                conn.execute(sa.text(f"KILL {conn_id}"))
        self.killed += 1

    def close(self) -> None:
        self.admin.dispose()


@pytest.fixture(params=["postgresql", "mariadb"])
def killer_engine(
    request: pytest.FixtureRequest, server_database: Callable[[str], str]
) -> Iterator[tuple[Engine, CheckoutKiller]]:
    url = server_database(request.param)
    engine = make_engine(url)
    killer = CheckoutKiller(engine, url)
    yield engine, killer
    killer.close()
    engine.dispose()


def test_a_connection_killed_at_checkout_is_retried(
    killer_engine: tuple[Engine, CheckoutKiller], figures: Figures
) -> None:
    engine, killer = killer_engine
    with Ml2Plugin(make_conf(), engine=engine) as plugin:
        for i in range(3):
            killer.arm(1)
            net = plugin.create_network(ADMIN, {"name": f"n{i}"})
            killer.arm(1)
            assert plugin.get_network(ADMIN, net["id"])["name"] == f"n{i}"
        assert killer.killed == 6
        assert sorted(n["name"] for n in plugin.get_networks(ADMIN)) == ["n0", "n1", "n2"]
        census = assert_consistent(plugin)
    figures(
        f"checkout kill {engine.dialect.name}: {killer.killed} connections killed, retried; "
        f"{census.summary()}"
    )


def test_a_plugin_starts_while_its_connections_are_killed(
    killer_engine: tuple[Engine, CheckoutKiller], figures: Figures
) -> None:
    engine, killer = killer_engine
    killer.arm(2)
    with Ml2Plugin(make_conf(), engine=engine) as plugin:
        assert killer.killed == 2
        plugin.create_network(ADMIN, {"name": "after-start"})
    figures(f"start-up {engine.dialect.name}: 2 connections killed at checkout, plugin started")
