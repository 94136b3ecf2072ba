"""SIGKILL: controller processes killed in the middle of allocation loops leave nothing half-done.

Four processes loop over create_network / delete_network and create_port
(bound on hosts with live agents, so binding levels and dynamic segments
are written too) / delete_port, each in its own ``Ml2Plugin`` on one
database. Each is killed with SIGKILL at a random moment while it runs.
After every round of kills the database is consistent (no network without
its segment, no allocation without a segment, no address without a port,
no half-written binding). The one thing a kill can leave is a dynamic
segment allocated by a binding attempt whose result never committed (the
allocation has its own transaction, as in Neutron): the next plugin to
start reclaims it, so after a restart nothing at all is unused. At the end
a fresh plugin deletes everything and no allocation is left (nothing
leaked).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from typing import Any

import pytest

from ml2core import Context
from ml2core.testing import register_ovs_agent
from tests.conftest import BACKEND_PARAMS
from tests.reliability import consistency, workers
from tests.reliability.conftest import Figures, assert_consistent
from tests.reliability.test_load import GROUPS, HOSTS

pytestmark = pytest.mark.slow

PROCESSES = 4
ROUNDS = 3
ADMIN = Context.admin()


def _kill_round(url: str, network_ids: list[str], seed: int) -> tuple[int, int]:
    """Start the loops, kill each with SIGKILL once it is well inside; return (kills, loop iterations)."""
    ctx = multiprocessing.get_context("spawn")
    rng = random.Random(seed)
    progress = [ctx.Value("i", 0) for _ in range(PROCESSES)]
    ready = [ctx.Event() for _ in range(PROCESSES)]
    procs = [
        ctx.Process(
            target=workers.allocation_loop,
            args=(url, GROUPS, network_ids, HOSTS, seed * 10 + i, progress[i], ready[i], i),
            daemon=True,
        )
        for i in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    kills = 0
    try:
        for i, p in enumerate(procs):
            assert ready[i].wait(120), "a loop never started"
            wanted = rng.randint(5, 25)
            deadline = time.monotonic() + 120
            while progress[i].value < wanted and time.monotonic() < deadline:
                time.sleep(0.01)
            assert progress[i].value >= wanted, "the loop made no progress"
            time.sleep(rng.random() * 0.2)  # anywhere inside an operation
            assert p.pid is not None
            os.kill(p.pid, signal.SIGKILL)
            p.join(30)
            assert p.exitcode == -signal.SIGKILL
            kills += 1
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(10)
    return kills, sum(v.value for v in progress)


@pytest.mark.parametrize(
    "backend",
    BACKEND_PARAMS,
)
def test_processes_killed_in_allocation_loops_leave_nothing_half_done(
    backend: str, server_database: Any, plugins: Any, figures: Figures
) -> None:
    url = server_database(backend)
    plugin = plugins(url, **GROUPS)
    for i, host in enumerate(HOSTS):
        register_ovs_agent(plugin, host, tunneling_ip=f"192.0.2.{i + 1}")
    network_ids = []
    for i in range(3):
        net = plugin.create_network(ADMIN, {"name": f"ports-{i}", "shared": True})
        plugin.create_subnet(ADMIN, {"network_id": net["id"], "cidr": "10.1.0.0/24"})
        network_ids.append(net["id"])

    kills = iterations = orphans = 0
    for round_ in range(ROUNDS):
        k, c = _kill_round(url, network_ids, round_)
        kills += k
        iterations += c
        # Right after the kills: consistent, but for dynamic segments a kill
        # between their allocation and the binding's commit left unused...
        left = consistency.check(plugin.engine)
        assert [p for p in left.problems if "used by no binding level" not in p] == []
        orphans += len(left.problems)
        # ...which the next controller to start reclaims.
        census = assert_consistent(plugins(url, **GROUPS))
        # Free the IDs the killed loops held, so the next round allocates again.
        for net in plugin.get_networks(ADMIN, fields=["id"]):
            if net["id"] not in network_ids:
                plugin.delete_network(ADMIN, net["id"])

    # A fresh controller can clean up everything the killed ones left: no leak.
    survivor = plugins(url, **GROUPS)
    for port in survivor.get_ports(ADMIN, fields=["id"]):
        survivor.delete_port(ADMIN, port["id"])
    for net in survivor.get_networks(ADMIN, fields=["id"]):
        survivor.delete_network(ADMIN, net["id"])
    final = assert_consistent(survivor)
    assert (final.networks, final.segments, final.allocations, final.ports, final.addresses) == (
        0,
        0,
        0,
        0,
        0,
    )
    figures(
        f"SIGKILL {backend}: {kills} processes killed mid-loop after {iterations} iterations, "
        f"consistent after each of {ROUNDS} rounds ({orphans} orphaned dynamic segments reclaimed at "
        f"restart; last: {census.summary()}); all cleaned up, nothing leaked"
    )


@pytest.mark.parametrize(
    "backend",
    BACKEND_PARAMS,
)
def test_process_killed_between_dynamic_allocation_and_binding_commit_leaks_nothing(
    backend: str, server_database: Any, plugins: Any, figures: Figures
) -> None:
    url = server_database(backend)
    plugin = plugins(url, **GROUPS)
    register_ovs_agent(plugin, HOSTS[0])
    net = plugin.create_network(ADMIN, {"name": "hier"})
    plugin.create_subnet(ADMIN, {"network_id": net["id"], "cidr": "10.1.0.0/24"})
    ctx = multiprocessing.get_context("spawn")
    arrived = ctx.Event()
    proc = ctx.Process(
        target=workers.bind_and_hang, args=(url, GROUPS, net["id"], HOSTS[0], arrived), daemon=True
    )
    proc.start()
    try:
        assert arrived.wait(120), "the binding never reached its second level"
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(30)
    finally:
        if proc.is_alive():
            proc.kill()
    left = consistency.check(plugin.engine)
    orphans = [p for p in left.problems if "used by no binding level" in p]
    # A controller starting after the crash reclaims what the killed one left.
    restarted = plugins(url, **GROUPS)
    census = assert_consistent(restarted)
    assert census.dynamic_segments == 0
    [port] = restarted.get_ports(ADMIN)
    assert port["binding:vif_type"] == "unbound"
    # The host's next agent report binds the port whose binding never completed.
    register_ovs_agent(restarted, HOSTS[0])
    rebound = restarted.get_port(ADMIN, port["id"])
    assert rebound["binding:vif_type"] == "ovs"
    assert_consistent(restarted)
    figures(
        f"SIGKILL mid-binding {backend}: {len(orphans)} dynamic segment(s) orphaned by the kill, "
        f"reclaimed at the next start; port left {port['binding:vif_type']}, bound at the next agent report"
    )
