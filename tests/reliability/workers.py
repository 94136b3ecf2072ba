"""Process bodies for the reliability tests (imported by spawned children, so kept lean).

Each child builds its own ``Ml2Plugin`` on the shared database, as a
controller process would, waits at a barrier so that all start together,
and reports through a queue: what it did (a ledger of the resources it
created and deleted) and how every call ended (a tally per operation and
outcome).
"""

from __future__ import annotations

import logging
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable
from typing import Any

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import DatabaseError, Ml2CoreError, RetryableError
from ml2core.testing.config import make_conf

ADMIN = Context.admin()

#: Outcomes a call may have under load: a race with another process's
#: delete (NotFound), a network still in use, exhausted IDs or addresses,
#: and transient database failures whose retries were spent.
EXPECTED = frozenset(
    {
        "ok",
        "NotFound",
        "NetworkNotFound",
        "PortNotFound",
        "SubnetNotFound",
        "NetworkInUse",
        "NoNetworkAvailable",
        "IpAddressGenerationFailure",
        "RetryableError",
    }
)


def outcome_of(exc: BaseException) -> str:
    """The tally key of an exception: its class name, flagged when it breaks the contract."""
    if not isinstance(exc, Ml2CoreError):
        return f"FOREIGN {type(exc).__module__}.{type(exc).__name__}"
    if type(exc) is Ml2CoreError:
        return "INTERNAL Ml2CoreError"
    if isinstance(exc, DatabaseError) and not isinstance(exc, RetryableError):
        return "DATABASE DatabaseError"
    return type(exc).__name__


class RetryCounter(logging.Handler):
    """Counts the whole-operation retries ml2core logs (``retrying <operation> after …``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.retries: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("retrying") and isinstance(record.args, tuple) and record.args:
            self.retries[str(record.args[0])] += 1

    @classmethod
    def install(cls) -> RetryCounter:
        handler = cls()
        logger = logging.getLogger("ml2core.db.errors")
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        return handler


class Ledger:
    """What one process did, to compare with what the database holds afterwards."""

    def __init__(self) -> None:
        self.tally: dict[str, Counter[str]] = {}
        self.samples: list[str] = []
        self.calls = 0
        #: The outcome of the last call.
        self.last = "ok"
        #: ``{op: [calls, seconds, slowest]}``
        self.timing: dict[str, list[float]] = {}
        self.created_networks: list[str] = []
        self.deleted_networks: list[str] = []
        self.created_ports: dict[str, tuple[str, str]] = {}
        self.deleted_ports: list[str] = []

    def call(self, op: str, fn: Callable[[], Any]) -> tuple[bool, Any]:
        """Run one facade call; tally its outcome; keep a sample of every unexpected one."""
        self.calls += 1
        started = time.monotonic()
        try:
            result = fn()
        except Exception as exc:
            self._time(op, started)
            outcome = self.last = outcome_of(exc)
            self.tally.setdefault(op, Counter())[outcome] += 1
            if outcome not in EXPECTED and len(self.samples) < 20:
                self.samples.append(f"{op}: {outcome}: {exc}\n{traceback.format_exc()[-2000:]}")
            return False, None
        self._time(op, started)
        self.last = "ok"
        self.tally.setdefault(op, Counter())["ok"] += 1
        return True, result

    def _time(self, op: str, started: float) -> None:
        spent = time.monotonic() - started
        timing = self.timing.setdefault(op, [0, 0.0, 0.0])
        timing[0] += 1
        timing[1] += spent
        timing[2] = max(timing[2], spent)

    def report(self) -> dict[str, Any]:
        return {
            "tally": {op: dict(c) for op, c in self.tally.items()},
            "samples": self.samples,
            "calls": self.calls,
            "timing": self.timing,
            "created_networks": self.created_networks,
            "deleted_networks": self.deleted_networks,
            "created_ports": self.created_ports,
            "deleted_ports": self.deleted_ports,
        }


class Mix:
    """One process's mixed operations on its own and on the other processes' resources."""

    def __init__(self, plugin: Ml2Plugin, index: int, hosts: list[str], seed: int) -> None:
        self.plugin = plugin
        self.index = index
        self.hosts = hosts
        self.rng = random.Random(seed)
        self.project = f"project-{index}"
        self.ctx = Context(self.project)
        self.ledger = Ledger()
        self.own_networks: list[str] = []
        self.own_ports: list[str] = []
        self.all_networks: list[str] = []
        self.all_ports: list[str] = []

    # -- choosing ------------------------------------------------------------------
    def refresh(self) -> None:
        ok, nets = self.ledger.call("list", lambda: self.plugin.get_networks(ADMIN, fields=["id"]))
        if ok:
            self.all_networks = [n["id"] for n in nets]
        ok, ports = self.ledger.call("list", lambda: self.plugin.get_ports(ADMIN, fields=["id"]))
        if ok:
            self.all_ports = [p["id"] for p in ports]

    def network(self) -> str | None:
        pool = self.own_networks if self.own_networks and self.rng.random() < 0.7 else self.all_networks
        return self.rng.choice(pool) if pool else None

    def port(self) -> str | None:
        pool = self.own_ports if self.own_ports and self.rng.random() < 0.7 else self.all_ports
        return self.rng.choice(pool) if pool else None

    # -- operations ----------------------------------------------------------------
    def create_network(self, i: int) -> None:
        name = f"w{self.index}-{i}"
        ok, net = self.ledger.call(
            "create_network", lambda: self.plugin.create_network(self.ctx, {"name": name})
        )
        if not ok:
            return
        self.ledger.created_networks.append(net["id"])
        self.own_networks.append(net["id"])
        self.ledger.call(
            "create_subnet",
            lambda: self.plugin.create_subnet(self.ctx, {"network_id": net["id"], "cidr": "10.0.0.0/28"}),
        )

    def delete_network(self, _i: int) -> None:
        network_id = self.network()
        if network_id is None:
            return
        if self.rng.random() < 0.6:
            ok, ports = self.ledger.call(
                "list",
                lambda: self.plugin.get_ports(ADMIN, filters={"network_id": [network_id]}, fields=["id"]),
            )
            for port in ports if ok else []:
                self._delete_port(port["id"])
        ok, _ = self.ledger.call("delete_network", lambda: self.plugin.delete_network(ADMIN, network_id))
        if ok:
            self.ledger.deleted_networks.append(network_id)
        # Gone, whoever deleted it: stop choosing it.
        gone = ok or self.ledger.last == "NetworkNotFound"
        if gone and network_id in self.own_networks:
            self.own_networks.remove(network_id)

    def create_port(self, i: int) -> None:
        network_id = self.network()
        if network_id is None:
            return
        owner = "network:dhcp" if self.rng.random() < 0.1 else "compute:nova"
        body: dict[str, Any] = {
            "network_id": network_id,
            "project_id": self.project,
            "device_owner": owner,
            "device_id": f"vm-{self.index}-{i}",
        }
        if self.rng.random() < 0.6:
            body["binding:host_id"] = self.rng.choice(self.hosts)
        ok, port = self.ledger.call("create_port", lambda: self.plugin.create_port(ADMIN, body))
        if ok:
            self.ledger.created_ports[port["id"]] = (network_id, owner)
            self.own_ports.append(port["id"])

    def bind(self, _i: int) -> None:
        port_id = self.port()
        if port_id is not None:
            host = self.rng.choice(self.hosts)
            self.ledger.call(
                "bind_or_move",
                lambda: self.plugin.update_port(ADMIN, port_id, {"binding:host_id": host}),
            )

    def unbind(self, _i: int) -> None:
        port_id = self.port()
        if port_id is not None:
            self.ledger.call(
                "unbind", lambda: self.plugin.update_port(ADMIN, port_id, {"binding:host_id": ""})
            )

    def _delete_port(self, port_id: str) -> None:
        ok, _ = self.ledger.call("delete_port", lambda: self.plugin.delete_port(ADMIN, port_id))
        if ok:
            self.ledger.deleted_ports.append(port_id)
        if port_id in self.own_ports:
            self.own_ports.remove(port_id)

    def delete_port(self, _i: int) -> None:
        port_id = self.port()
        if port_id is not None:
            self._delete_port(port_id)

    def read(self, _i: int) -> None:
        port_id = self.port()
        if port_id is None:
            return
        choice = self.rng.random()
        if choice < 0.4:
            self.ledger.call("read", lambda: self.plugin.get_port(ADMIN, port_id))
        elif choice < 0.6:
            self.ledger.call("read", lambda: self.plugin.explain_binding(ADMIN, port_id))
        elif choice < 0.8:
            host = self.rng.choice(self.hosts)
            self.ledger.call("read", lambda: self.plugin.get_host_ports(ADMIN, host))
        else:
            host = self.rng.choice(self.hosts)
            self.ledger.call(
                "update_port_status", lambda: self.plugin.update_port_status(ADMIN, port_id, "ACTIVE", host)
            )

    def step(self, i: int) -> None:
        if i % 20 == 0:
            self.refresh()
        if len(self.own_networks) >= 7:
            weights = {"delete_network": 1.0}
        elif not self.own_networks:
            weights = {"create_network": 1.0}
        else:
            weights = {
                "create_network": 10,
                "delete_network": 6,
                "create_port": 26,
                "bind": 16,
                "unbind": 10,
                "delete_port": 12,
                "read": 8,
            }
        op = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        getattr(self, op)(i)


def load(
    url: str,
    groups: dict[str, dict[str, Any]],
    ops: int,
    hosts: list[str],
    seed: int,
    barrier: Any,
    results: Any,
    index: int,
) -> None:
    """``ops`` mixed operations; report the ledger, the number of operations and the time."""
    report: dict[str, Any] = {"index": index, "errors": []}
    plugin: Ml2Plugin | None = None
    try:
        plugin = Ml2Plugin(make_conf(**groups), db_url=url)
        mix = Mix(plugin, index, hosts, seed)
        retries = RetryCounter.install()
        barrier.wait(120)
        started = time.monotonic()
        for i in range(ops):
            mix.step(i)
        report["elapsed"] = time.monotonic() - started
        report["ops"] = ops
        report.update(mix.ledger.report())
        report["retries"] = dict(retries.retries)
    except Exception:
        report["errors"].append(traceback.format_exc())
    finally:
        if plugin is not None:
            plugin.close()
        results.put(report)


def allocation_loop(
    url: str,
    groups: dict[str, dict[str, Any]],
    network_ids: list[str],
    hosts: list[str],
    seed: int,
    progress: Any,
    ready: Any,
    index: int,
) -> None:
    """Loop until killed: create and delete networks, create (and bind) and delete ports.

    ``progress`` (a shared integer) counts finished calls so the parent
    kills the process in the middle of the loop, not before it started.
    """
    plugin = Ml2Plugin(make_conf(**groups), db_url=url)
    rng = random.Random(seed)
    ctx = Context(f"project-{index}")
    ready.set()
    kept: list[str] = []
    ports: list[str] = []
    i = 0
    while True:
        i += 1
        try:
            net = plugin.create_network(ctx, {"name": f"k{index}-{i}"})
            if rng.random() < 0.5:
                plugin.delete_network(ctx, net["id"])
            else:
                kept.append(net["id"])
            if len(kept) > 3:
                plugin.delete_network(ctx, kept.pop(0))
            body: dict[str, Any] = {"network_id": rng.choice(network_ids), "project_id": ctx.project_id}
            if rng.random() < 0.7:
                body["binding:host_id"] = rng.choice(hosts)
            ports.append(plugin.create_port(ADMIN, body)["id"])
            if len(ports) > 4:
                plugin.delete_port(ADMIN, ports.pop(rng.randrange(len(ports))))
        except Ml2CoreError:
            pass  # exhausted ranges and the like: the loop goes on until the kill
        with progress.get_lock():
            progress.value += 1


def bind_and_hang(
    url: str, groups: dict[str, dict[str, Any]], network_id: str, host: str, arrived: Any
) -> None:
    """Create a bound port and hang inside the second binding level, to be killed there.

    By then the first level (``tor``) has allocated a dynamic segment in a
    transaction of its own; the binding itself is not committed yet.
    """
    from ml2core_testdrivers import mech  # type: ignore[import-untyped]

    def hang(driver: str, context: Any) -> None:
        if len(context.binding_levels) >= 1:
            arrived.set()
            time.sleep(600)

    mech.BIND_HOOK.append(hang)
    plugin = Ml2Plugin(make_conf(**groups), db_url=url)
    plugin.create_port(ADMIN, {"network_id": network_id, "binding:host_id": host})
