"""Fresh-process probe: P processes allocating, then releasing, on one database.

``python -m benchmarks.concurrency_probe --url URL --type vlan --vlan physnet1:1:4094
--procs 4 --n 500``

The parent migrates the database (one ``Ml2Plugin``), then starts P worker
processes (``spawn``), each with its own ``Ml2Plugin``. All meet at a
barrier, then each makes N tenant allocations, one per transaction. At a
second barrier the parent checks the database against what the workers
hold: no ID held twice (across workers, and ``COUNT`` vs ``COUNT DISTINCT``
of the rows), no held ID missing from the database, no row nobody holds.
Then every worker releases what it holds, and the parent checks that no row
is left. Prints ``RESULT {...}``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from benchmarks.counting import RetryCounter, allocated
from benchmarks.plugin_setup import Ranges, make_plugin
from benchmarks.probe import emit
from ml2core import Context

BARRIER_TIMEOUT_S = 900


@dataclass(frozen=True)
class Job:
    """What one worker process does."""

    index: int
    url: str
    network_type: str
    ranges: Ranges
    n: int


def worker(job: Job, barrier: Barrier, out: Queue[Any]) -> None:
    retries = RetryCounter.install()
    plugin = make_plugin(job.url, job.ranges)
    driver = plugin._core.types.drivers[job.network_type]
    ctx = Context.admin()
    filters = {"project_id": f"p{job.index}"}

    def allocate() -> dict[str, Any] | None:
        return plugin._core.write("bench", ctx, lambda c: driver.allocate_tenant_segment(c, filters))

    def release(segment: dict[str, Any]) -> None:
        plugin._core.write("bench", ctx, lambda c: driver.release_segment(c, segment))

    held: list[dict[str, Any]] = []
    errors: Counter[str] = Counter()
    exhausted = 0
    barrier.wait(BARRIER_TIMEOUT_S)  # start together
    start = time.perf_counter()
    for _ in range(job.n):
        try:
            seg = allocate()
        except Exception as exc:  # counted, not raised: a failed call is a result
            errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
            continue
        if seg is None:
            exhausted += 1
        else:
            held.append(seg)
    alloc_s = time.perf_counter() - start
    keys = [(s["physical_network"] or "", int(s["segmentation_id"])) for s in held]
    out.put(("alloc", job.index, {"keys": keys, "alloc_s": alloc_s, "exhausted": exhausted}))
    barrier.wait(BARRIER_TIMEOUT_S)  # the parent checks the database
    barrier.wait(BARRIER_TIMEOUT_S)  # release together
    release_errors = 0
    start = time.perf_counter()
    for seg in held:
        try:
            release(seg)
        except Exception as exc:
            release_errors += 1
            errors[f"release {type(exc).__name__}: {str(exc)[:120]}"] += 1
    release_s = time.perf_counter() - start
    plugin.close()
    result = {
        "release_s": release_s,
        "release_errors": release_errors,
        "errors": dict(errors),
        "retries": retries.count,
    }
    out.put(("release", job.index, result))


def _collect(out: Queue[Any], phase: str, count: int) -> dict[int, dict[str, Any]]:
    got: dict[int, dict[str, Any]] = {}
    while len(got) < count:
        kind, index, payload = out.get(timeout=BARRIER_TIMEOUT_S)
        if kind == phase:
            got[index] = payload
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--type", required=True, choices=["vlan", "vxlan", "gre", "geneve"])
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--n", type=int, default=500, help="allocations per process")
    Ranges.add_arguments(parser)
    args = parser.parse_args()
    ranges = Ranges.from_namespace(args)
    plugin = make_plugin(args.url, ranges)  # migrates the database once, as a first controller
    context = mp.get_context("spawn")
    barrier = context.Barrier(args.procs + 1)
    out: Queue[Any] = context.Queue()
    procs = [
        context.Process(target=worker, args=(Job(i, args.url, args.type, ranges, args.n), barrier, out))
        for i in range(args.procs)
    ]
    for proc in procs:
        proc.start()
    barrier.wait(BARRIER_TIMEOUT_S)
    allocs = _collect(out, "alloc", args.procs)
    barrier.wait(BARRIER_TIMEOUT_S)
    held = Counter(key for payload in allocs.values() for key in payload["keys"])
    stored = allocated(plugin.engine, args.type)
    stored_set = set(stored)
    duplicates = sum(c - 1 for c in held.values() if c > 1) + (len(stored) - len(stored_set))
    missing = sum(1 for key in held if key not in stored_set)
    orphans = sum(1 for key in stored_set if key not in held)
    barrier.wait(BARRIER_TIMEOUT_S)
    releases = _collect(out, "release", args.procs)
    for proc in procs:
        proc.join(60)
    left = allocated(plugin.engine, args.type)
    plugin.close()
    errors: Counter[str] = Counter()
    for payload in releases.values():
        errors.update(payload["errors"])
    successes = sum(len(p["keys"]) for p in allocs.values())
    alloc_wall = max(p["alloc_s"] for p in allocs.values())
    release_wall = max(p["release_s"] for p in releases.values())
    alloc_failures = args.procs * args.n - successes
    emit(
        {
            "procs": args.procs,
            "n_per_proc": args.n,
            "type": args.type,
            "calls": args.procs * args.n,
            "successes": successes,
            "failed_calls": alloc_failures,
            "exhausted": sum(p["exhausted"] for p in allocs.values()),
            "release_errors": sum(p["release_errors"] for p in releases.values()),
            "errors": dict(errors),
            "retries": sum(p["retries"] for p in releases.values()),
            "duplicates": duplicates,
            "missing_from_db": missing,
            "orphan_rows": orphans,
            "rows_left_after_release": len(left),
            "lost": missing + orphans + len(left),
            "alloc_per_s": successes / alloc_wall if alloc_wall else 0.0,
            "release_per_s": successes / release_wall if release_wall else 0.0,
            "ops_per_s": 2 * successes / (alloc_wall + release_wall) if alloc_wall + release_wall else 0.0,
            "worker_exitcodes": [p.exitcode for p in procs],
        }
    )


if __name__ == "__main__":
    main()
