"""A database connection cut mid-transaction, from another connection, is retried or reported.

The ``holder`` test driver holds the transaction open inside a precommit
hook (waiting in Python, or in a long server-side sleep) and tells the test
which server connection it is on; the test cuts that connection from a
separate one (PostgreSQL ``pg_terminate_backend``, MariaDB ``KILL``). The
contract's "Retries": the operation is retried whole in a fresh
transaction and succeeds, or, when every attempt is cut, raises
``RetryableError`` and changes nothing. Either way no partial state is left.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from ml2core_testdrivers.reliability import HOLDER  # type: ignore[import-untyped]

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import RetryableError
from ml2core.testing import dump_tables, register_ovs_agent
from tests.reliability.conftest import Figures, assert_consistent

pytestmark = pytest.mark.db_server

ADMIN = Context.admin()
HOSTS = ["host-0", "host-1"]
BACKENDS = ["postgresql", "mariadb"]


def groups(max_retries: int = 10) -> dict[str, dict[str, Any]]:
    return {
        "ml2": {"project_network_types": ["vxlan"], "mechanism_drivers": ["holder", "openvswitch"]},
        "ml2_type_vxlan": {"vni_ranges": ["100:199"]},
        "database": {"max_retries": max_retries},
        "holder": {"sleep_seconds": 30},
    }


@pytest.fixture(autouse=True)
def _holder() -> Iterator[None]:
    HOLDER.reset()
    yield
    HOLDER.reset()


class Cutter:
    """Cuts server connections of one database from a connection of its own."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.cuts = 0

    def cut(self, backend_id: int) -> None:
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "postgresql":
                assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": backend_id}).scalar()
            else:
                conn.execute(sa.text(f"KILL {int(backend_id)}"))
        self.cuts += 1

    def cut_next_hold(self) -> None:
        """Wait for the next precommit to hold, cut its connection, then let it go on."""
        hold = HOLDER.holds.get(timeout=60)
        self.cut(hold.backend_id)
        hold.release.set()

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class World:
    plugin: Ml2Plugin
    cutter: Cutter
    network: dict[str, Any]


@pytest.fixture(params=BACKENDS)
def world_for(
    request: pytest.FixtureRequest, server_database: Any, plugins: Any
) -> Iterator[Callable[..., World]]:
    cutters: list[Cutter] = []

    def make(max_retries: int = 10) -> World:
        url = server_database(request.param)
        plugin = plugins(url, **groups(max_retries))
        for i, host in enumerate(HOSTS):
            register_ovs_agent(plugin, host, tunneling_ip=f"192.0.2.{i + 1}")
        net = plugin.create_network(ADMIN, {"name": "base"})
        plugin.create_subnet(ADMIN, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
        cutter = Cutter(url)
        cutters.append(cutter)
        return World(plugin, cutter, net)

    yield make
    HOLDER.release_all()
    for cutter in cutters:
        cutter.close()


def _in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


# Each case: the hook that holds, how to set up, the call, and what must hold afterwards.
def _create_network(w: World, name: str) -> Callable[[], Any]:
    return lambda: w.plugin.create_network(ADMIN, {"name": name})


def _check_network_created(w: World, name: str, result: Any) -> None:
    [net] = w.plugin.get_networks(ADMIN, filters={"name": [name]})
    assert net["id"] == result["id"] and net["provider:segmentation_id"] is not None


def _delete_network(w: World, name: str) -> Callable[[], Any]:
    net = w.plugin.create_network(ADMIN, {"name": name})
    return lambda: w.plugin.delete_network(ADMIN, net["id"])


def _check_network_deleted(w: World, name: str, _result: Any) -> None:
    assert w.plugin.get_networks(ADMIN, filters={"name": [name]}) == []


def _create_port(w: World, name: str) -> Callable[[], Any]:
    body = {"network_id": w.network["id"], "name": name, "binding:host_id": HOSTS[0]}
    return lambda: w.plugin.create_port(ADMIN, body)


def _check_port_created(w: World, name: str, result: Any) -> None:
    [port] = w.plugin.get_ports(ADMIN, filters={"name": [name]})
    assert port["id"] == result["id"] and len(port["fixed_ips"]) == 1
    assert port["binding:vif_type"] == "ovs"


def _move_port(w: World, name: str) -> Callable[[], Any]:
    port = w.plugin.create_port(
        ADMIN, {"network_id": w.network["id"], "name": name, "binding:host_id": HOSTS[0]}
    )
    return lambda: w.plugin.update_port(ADMIN, port["id"], {"binding:host_id": HOSTS[1]})


def _check_port_moved(w: World, name: str, _result: Any) -> None:
    [port] = w.plugin.get_ports(ADMIN, filters={"name": [name]})
    assert (port["binding:host_id"], port["binding:vif_type"]) == (HOSTS[1], "ovs")


def _delete_port(w: World, name: str) -> Callable[[], Any]:
    port = w.plugin.create_port(
        ADMIN, {"network_id": w.network["id"], "name": name, "binding:host_id": HOSTS[0]}
    )
    return lambda: w.plugin.delete_port(ADMIN, port["id"])


def _check_port_deleted(w: World, name: str, _result: Any) -> None:
    assert w.plugin.get_ports(ADMIN, filters={"name": [name]}) == []


CASES = {
    "create_network": ("create_network_precommit", _create_network, _check_network_created),
    "delete_network": ("delete_network_precommit", _delete_network, _check_network_deleted),
    "create_port": ("create_port_precommit", _create_port, _check_port_created),
    "move_port": ("update_port_precommit", _move_port, _check_port_moved),
    "delete_port": ("delete_port_precommit", _delete_port, _check_port_deleted),
}


@pytest.mark.parametrize("kind", ["hold", "sleep"])
@pytest.mark.parametrize("case", list(CASES))
def test_connection_cut_mid_transaction_is_retried_and_leaves_no_partial_state(
    world_for: Callable[..., World], case: str, kind: str, figures: Figures
) -> None:
    hook, setup, check = CASES[case]
    w = world_for()
    name = f"{kind}-once-{case}"
    HOLDER.reset(set())  # nothing holds while the case is set up
    call = setup(w, name)
    HOLDER.reset({hook})
    thread, box = _in_thread(call)
    w.cutter.cut_next_hold()
    thread.join(60)
    assert not thread.is_alive()
    assert "error" not in box, repr(box.get("error"))
    # One attempt cut, one retried (a move runs the hook once more, committing the new binding).
    assert HOLDER.attempts[name] == (3 if case == "move_port" else 2)
    check(w, name, box.get("result"))
    census = assert_consistent(w.plugin)
    figures(
        f"connection cut {w.plugin.engine.dialect.name} {case} ({kind} in {hook}): retried, succeeded; "
        f"{census.summary()}"
    )


@pytest.mark.parametrize("case", ["create_network", "delete_network", "create_port", "move_port"])
def test_connection_cut_on_every_attempt_raises_retryable_error_and_changes_nothing(
    world_for: Callable[..., World], case: str, figures: Figures
) -> None:
    hook, setup, _check = CASES[case]
    w = world_for(max_retries=2)
    name = f"sleep-always-{case}"
    HOLDER.reset(set())
    call = setup(w, name)
    before = dump_tables(w.plugin.engine)
    HOLDER.reset({hook})
    thread, box = _in_thread(call)
    for _ in range(3):
        w.cutter.cut_next_hold()
    thread.join(60)
    assert not thread.is_alive()
    assert isinstance(box.get("error"), RetryableError), repr(box)
    assert box["error"].__cause__ is not None
    assert HOLDER.attempts[name] == 3
    assert dump_tables(w.plugin.engine) == before
    assert_consistent(w.plugin)
    figures(
        f"connection cut {w.plugin.engine.dialect.name} {case} on every attempt: "
        f"{w.cutter.cuts} cuts, RetryableError, nothing changed"
    )
