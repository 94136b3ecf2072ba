"""Races the load test found, replayed deterministically with a pause inside one transaction.

A call racing a delete of what it works on ends in the resource's
``NotFound`` (or succeeds first and makes the delete fail), never in a
``DatabaseError`` or a misleading error, and leaves a consistent database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ml2core_testdrivers.reliability import PAUSES, Pause  # type: ignore[import-untyped]

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import NetworkNotFound, PortNotFound, SubnetNotFound
from tests.reliability.conftest import Figures, assert_consistent

ADMIN = Context.admin()
GROUPS: dict[str, dict[str, Any]] = {
    "ml2": {"project_network_types": ["vxlan"], "mechanism_drivers": ["pause"]},
    "ml2_type_vxlan": {"vni_ranges": ["100:199"]},
}
SERVERS = [
    pytest.param("postgresql", marks=pytest.mark.db_server),
    pytest.param("mariadb", marks=pytest.mark.db_server),
]
# Long enough for the other call to reach the statement that waits on the paused one.
SETTLE = 1.0


@pytest.fixture(autouse=True)
def _no_pauses() -> Iterator[None]:
    PAUSES.clear()
    yield
    for pause in PAUSES.values():
        pause.resume.set()
    PAUSES.clear()


class Call(threading.Thread):
    """A facade call in a thread of its own, keeping its result or exception."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:
            self.error = exc

    def outcome(self, timeout: float = 60) -> Any:
        self.join(timeout)
        assert not self.is_alive(), "the call did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def _two_plugins(server_database: Any, plugins: Any, backend: str) -> tuple[Ml2Plugin, Ml2Plugin]:
    url = server_database(backend)
    return plugins(url, **GROUPS), plugins(url, **GROUPS)


def _paused_in_other_thread(hook: str, call: Callable[[], Any]) -> tuple[Call, Pause]:
    pause = PAUSES[hook] = Pause()
    thread = Call(call)
    thread.start()
    assert pause.arrived.wait(30), f"never reached {hook}"
    return thread, pause


@pytest.mark.parametrize("backend", [pytest.param("sqlite"), *SERVERS])
def test_port_created_while_its_network_is_deleted_is_network_not_found(
    backend: str, server_database: Any, plugins: Any, sqlite_url: str, figures: Figures
) -> None:
    if backend == "sqlite":
        a, b = plugins(sqlite_url, **GROUPS), plugins(sqlite_url, **GROUPS)
    else:
        a, b = _two_plugins(server_database, plugins, backend)
    net = a.create_network(ADMIN, {"name": "doomed"})
    a.create_subnet(ADMIN, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    deleting, pause = _paused_in_other_thread(
        "delete_network_precommit", lambda: a.delete_network(ADMIN, net["id"])
    )
    creating = Call(lambda: b.create_port(ADMIN, {"network_id": net["id"], "device_owner": "compute:x"}))
    creating.start()
    time.sleep(SETTLE)
    pause.resume.set()
    deleting.outcome()
    with pytest.raises(NetworkNotFound):
        creating.outcome()
    assert b.get_ports(ADMIN) == []
    assert_consistent(a)
    figures(f"race create_port / delete_network on {backend}: NetworkNotFound, nothing left")


@pytest.mark.parametrize("backend", SERVERS)
def test_port_updated_while_it_is_deleted_is_port_not_found(
    backend: str, server_database: Any, plugins: Any, monkeypatch: pytest.MonkeyPatch, figures: Figures
) -> None:
    a, b = _two_plugins(server_database, plugins, backend)
    net = a.create_network(ADMIN, {})
    port = a.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    loaded = threading.Event()
    resume = threading.Event()
    load = a._ports.load

    def load_then_wait(ctx: Context, port_id: object) -> Any:
        row = load(ctx, port_id)
        if not loaded.is_set():
            loaded.set()
            resume.wait(30)
        return row

    monkeypatch.setattr(a._ports, "load", load_then_wait)
    updating = Call(lambda: a.update_port(ADMIN, port["id"], {"binding:host_id": "h2"}))
    updating.start()
    assert loaded.wait(30)
    b.delete_port(ADMIN, port["id"])
    resume.set()
    with pytest.raises(PortNotFound):
        updating.outcome()
    assert_consistent(a)
    figures(f"race update_port / delete_port on {backend}: PortNotFound, nothing left")


@pytest.mark.parametrize("backend", SERVERS)
def test_subnet_updated_while_it_is_deleted_is_subnet_not_found(
    backend: str, server_database: Any, plugins: Any, figures: Figures
) -> None:
    a, b = _two_plugins(server_database, plugins, backend)
    net = a.create_network(ADMIN, {})
    subnet = a.create_subnet(ADMIN, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    deleting, pause = _paused_in_other_thread(
        "delete_subnet_precommit", lambda: a.delete_subnet(ADMIN, subnet["id"])
    )
    updating = Call(lambda: b.update_subnet(ADMIN, subnet["id"], {"name": "renamed"}))
    updating.start()
    time.sleep(SETTLE)
    pause.resume.set()
    deleting.outcome()
    with pytest.raises(SubnetNotFound):
        updating.outcome()
    assert_consistent(a)
    figures(f"race update_subnet / delete_subnet on {backend}: SubnetNotFound")
