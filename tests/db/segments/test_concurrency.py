"""Four controller processes allocating and releasing at once on one database.

SQLite file, PostgreSQL and MariaDB. Each process has its own ``Ml2Plugin``
and runs 150 cycles of a VLAN and a VXLAN network (both allocated from small
ranges, so the processes keep colliding on the same IDs), keeping every
tenth. Afterwards: no call failed, no ID was held by two networks at once,
and the database holds exactly the kept networks' IDs, nothing more or less.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
from collections import defaultdict
from typing import Any

import pytest

from ml2core import Context
from tests.conftest import PluginFactory
from tests.db.segments import workers
from tests.db.segments.conftest import DbView, conf

pytestmark = pytest.mark.slow

PROCESSES = 4
CYCLES = 150
KEEP_EVERY = 10
TYPES = ["vlan", "vxlan"]
GROUPS = conf(
    ml2={"project_network_types": ["vlan"]},
    ml2_type_vlan={"network_vlan_ranges": ["physnet1:100:199"]},
    ml2_type_vxlan={"vni_ranges": ["1000:1099"]},
)


def run_processes(target: Any, args_for: Any) -> tuple[list[dict[str, Any]], float]:
    """Start PROCESSES spawned children on ``target``; return their reports and the wall time."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args_for(i), barrier, results, i)) for i in range(PROCESSES)]
    for p in procs:
        p.start()
    barrier.wait(120)  # every plugin is up: the clock starts now
    started = time.monotonic()
    reports = [results.get(timeout=300) for _ in procs]
    elapsed = time.monotonic() - started
    for p in procs:
        p.join(30)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    return reports, elapsed


def overlapping(holdings: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Pairs of holdings of one ID whose intervals overlap (a duplicate allocation)."""
    by_key: dict[tuple[Any, ...], list[tuple[float, float]]] = defaultdict(list)
    for network_type, physnet, seg_id, held_from, held_until, _ in holdings:
        by_key[(network_type, physnet or "", seg_id)].append((held_from, held_until or float("inf")))
    clashes = []
    for key, intervals in by_key.items():
        intervals.sort()
        for (_, end), (start, _) in itertools.pairwise(intervals):
            if start < end:
                clashes.append(key)
    return clashes


@pytest.fixture
def migrated(make_plugin: PluginFactory, db_url: str) -> str:
    """The database, migrated by a first plugin (the children then start on a ready schema)."""
    make_plugin(**GROUPS)
    return db_url


def test_four_processes_allocate_and_release_without_duplicates_or_losses(
    migrated: str, view: DbView, record_property: Any
) -> None:
    reports, elapsed = run_processes(workers.churn, lambda i: (migrated, GROUPS, CYCLES, KEEP_EVERY, TYPES))
    errors = [e for r in reports for e in r["errors"]]
    holdings = [h for r in reports for h in r["holdings"]]
    kept = [h for h in holdings if h[4] is None]
    calls = sum(r["calls"] for r in reports)
    clashes = overlapping(holdings)
    record_property("calls", calls)
    record_property("seconds", round(elapsed, 2))
    print(
        f"\n{view.engine.dialect.name}: {calls} calls in {elapsed:.1f}s ({calls / elapsed:.0f}/s), "
        f"{len(clashes)} duplicates, {len(kept)} kept"
    )

    assert errors == []
    assert calls == PROCESSES * CYCLES * len(TYPES) * 2 - len(kept)
    assert clashes == []
    kept_ids = {(t, p or "", s) for t, p, s, *_ in kept}
    assert len(kept_ids) == len(kept) == PROCESSES * len(TYPES) * (CYCLES // KEEP_EVERY)
    assert view.allocations() == kept_ids
    assert {
        (s["network_type"], s["physical_network"] or "", s["segmentation_id"]) for s in view.segments()
    } == kept_ids
    assert view.count("ml2core_networks") == len(kept)
    # Typically 8 to 13 s on an idle machine; the bound only catches a pathological slowdown.
    assert elapsed < 120


def test_four_processes_share_one_dynamic_segment_per_network(
    migrated: str, make_plugin: PluginFactory, view: DbView
) -> None:
    plugin = make_plugin(**GROUPS)
    admin = Context.admin()
    networks = [
        plugin.create_network(
            admin, {"provider:network_type": "vxlan", "provider:segmentation_id": 5000 + i}
        )["id"]
        for i in range(5)
    ]
    segment = {"network_type": "vlan", "physical_network": "physnet1"}
    reports, _ = run_processes(workers.dynamic, lambda i: (migrated, GROUPS, networks, segment, 3))
    assert [e for r in reports for e in r["errors"]] == []
    seen: dict[str, set[str]] = defaultdict(set)
    for report in reports:
        for network_id, segment_id, _ in report["segments"]:
            seen[network_id].add(segment_id)
    assert {n: len(s) for n, s in seen.items()} == dict.fromkeys(networks, 1)
    dynamic_rows = [s for s in view.segments() if s["is_dynamic"]]
    assert len(dynamic_rows) == len(networks)
    assert len(view.allocations("vlan")) == len(networks)
