"""Load: four controller processes, 500 mixed operations each, on one database.

SQLite (one file), PostgreSQL and MariaDB. Each process has its own
``Ml2Plugin`` and, released together by a barrier, creates and deletes
networks (with a subnet) and ports, binds ports (hierarchical: ``tor``
continues a VXLAN segment to a dynamic VLAN that ``openvswitch`` binds on
hosts with a live agent), unbinds and moves them, on its own resources and
on the others' (so deletes race with everything). The ranges are small so
that exhaustion happens too.

Afterwards: the database is consistent (``consistency.check``); the
networks and ports in it are exactly those created and not deleted (nothing
lost, nothing left behind by a failed call); and no call raised anything
but the expected ``ml2core.exceptions`` (no internal error, no
``DatabaseError`` other than ``RetryableError``).

``ML2CORE_RELIABILITY_OPS`` scales the operations per process (default 500).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest

from ml2core import Context
from ml2core.testing import register_ovs_agent
from tests.conftest import BACKEND_PARAMS
from tests.reliability import workers
from tests.reliability.conftest import Figures, assert_consistent, run_processes

pytestmark = pytest.mark.slow

PROCESSES = 4
OPS = int(os.environ.get("ML2CORE_RELIABILITY_OPS", "500"))
HOSTS = [f"host-{i}" for i in range(4)]
GROUPS: dict[str, dict[str, Any]] = {
    "ml2": {
        "type_drivers": ["local", "flat", "vlan", "vxlan"],
        "project_network_types": ["vxlan", "vlan"],
        "mechanism_drivers": ["tor", "openvswitch", "vlan_binder"],
    },
    # Small on purpose: 20 processes' networks and the dynamic VLANs of the
    # hierarchical bindings compete for them, so NoNetworkAvailable and
    # binding_failed happen.
    "ml2_type_vxlan": {"vni_ranges": ["1000:1011"]},
    "ml2_type_vlan": {"network_vlan_ranges": ["physnet1:100:115"]},
    "ml2_type_flat": {"flat_networks": ["physnet1"]},
    "tor": {"physnet": "physnet1"},
}


def _expected_state(reports: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """Networks and ports that must exist: created, and not deleted by anyone."""
    created_nets = {n for r in reports for n in r["created_networks"]}
    deleted_nets = {n for r in reports for n in r["deleted_networks"]}
    created_ports: dict[str, tuple[str, str]] = {}
    for r in reports:
        created_ports.update(r["created_ports"])
    deleted_ports = {p for r in reports for p in r["deleted_ports"]}
    ports = {
        port_id
        for port_id, (network_id, owner) in created_ports.items()
        if port_id not in deleted_ports
        # Deleting a network deletes its network-owned ports with it.
        and not (owner.startswith("network:") and network_id in deleted_nets)
    }
    return created_nets - deleted_nets, ports


@pytest.mark.parametrize(
    "backend",
    BACKEND_PARAMS,
)
def test_four_processes_of_mixed_operations_leave_a_consistent_database(
    backend: str, server_database: Any, plugins: Any, figures: Figures
) -> None:
    url = server_database(backend)
    plugin = plugins(url, **GROUPS)
    for i, host in enumerate(HOSTS):
        register_ovs_agent(plugin, host, tunneling_ip=f"192.0.2.{i + 1}")

    reports, elapsed = run_processes(
        PROCESSES, workers.load, lambda i: (url, GROUPS, OPS, HOSTS, 1000 + i), timeout=600
    )
    errors = [e for r in reports for e in r["errors"]]
    assert errors == [], errors[0]

    tally: dict[str, Counter[str]] = {}
    for r in reports:
        for op, outcomes in r["tally"].items():
            tally.setdefault(op, Counter()).update(outcomes)
    outcomes = sum(tally.values(), Counter())
    unexpected = {o: n for o, n in outcomes.items() if o not in workers.EXPECTED}
    samples = [s for r in reports for s in r["samples"]]
    calls = sum(r["calls"] for r in reports)
    retried: Counter[str] = Counter()
    for r in reports:
        retried.update(r["retries"])
    ops = sum(r["ops"] for r in reports)

    census = assert_consistent(plugin)
    networks, ports = _expected_state(reports)
    live_networks = {n["id"] for n in plugin.get_networks(Context.admin(), fields=["id"])}
    live_ports = {p["id"] for p in plugin.get_ports(Context.admin(), fields=["id"])}

    per_op = ", ".join(
        f"{op} {sum(c.values())} ({', '.join(f'{k} {v}' for k, v in sorted(c.items()))})"
        for op, c in sorted(tally.items())
    )
    figures(
        f"load {backend}: {ops} operations ({calls} calls) by {PROCESSES} processes in {elapsed:.1f}s, "
        f"{ops / elapsed:.0f} ops/s, {calls / elapsed:.0f} calls/s; "
        f"transient database failures retried inside ml2core {sum(retried.values())} {dict(retried)}, "
        f"RetryableError raised {outcomes.get('RetryableError', 0)}; unexpected {sum(unexpected.values())}; "
        f"left {census.summary()}"
    )
    figures(f"load {backend} outcomes: {per_op}")
    timing: dict[str, list[float]] = {}
    for r in reports:
        for op, (n, spent, slowest) in r["timing"].items():
            t = timing.setdefault(op, [0, 0.0, 0.0])
            t[0] += n
            t[1] += spent
            t[2] = max(t[2], slowest)
    figures(
        f"load {backend} latency: "
        + ", ".join(
            f"{op} mean {t[1] / t[0] * 1000:.0f} ms max {t[2] * 1000:.0f} ms"
            for op, t in sorted(timing.items())
        )
    )

    assert unexpected == {}, "\n\n".join(samples[:5])
    assert live_networks - networks == set(), "networks nobody created or that were deleted"
    assert networks - live_networks == set(), "networks lost"
    assert live_ports - ports == set(), "ports nobody created or that were deleted"
    assert ports - live_ports == set(), "ports lost"
    assert outcomes["ok"] > calls // 2, "most calls succeed"
    assert elapsed < 180, "a stall: each backend takes well under a minute on two cores"
