"""Fresh-process probe: N tenant allocations, then N releases, one per transaction.

``python -m benchmarks.alloc_probe --url URL --type vxlan --vni 1:100000 --n 2000``
prints ``RESULT {...}``. Each allocation is ``plugin._core.write("bench", ctx,
lambda c: driver.allocate_tenant_segment(c, {"project_id": "p"}))`` (one write
transaction, committed durably), each release likewise with
``release_segment``; 20 untimed allocate+release pairs first, as Neutron's
``bench_alloc.py`` does.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from benchmarks.counting import RetryCounter, allocated
from benchmarks.plugin_setup import Ranges, make_plugin
from benchmarks.probe import emit
from ml2core import Context

WARMUP = 20


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--type", required=True, choices=["vlan", "vxlan", "gre", "geneve"])
    parser.add_argument("--n", type=int, default=2000)
    Ranges.add_arguments(parser)
    args = parser.parse_args()
    retries = RetryCounter.install()
    plugin = make_plugin(args.url, Ranges.from_namespace(args))
    driver = plugin._core.types.drivers[args.type]
    ctx = Context.admin()
    filters = {"project_id": "p"}

    def alloc() -> dict[str, Any] | None:
        return plugin._core.write("bench", ctx, lambda c: driver.allocate_tenant_segment(c, filters))

    def release(segment: dict[str, Any]) -> None:
        plugin._core.write("bench", ctx, lambda c: driver.release_segment(c, segment))

    for _ in range(WARMUP):
        seg = alloc()
        if seg is not None:
            release(seg)

    segments: list[dict[str, Any]] = []
    latencies: list[float] = []
    none_results = 0
    start = time.perf_counter()
    for _ in range(args.n):
        t0 = time.perf_counter()
        seg = alloc()
        latencies.append(time.perf_counter() - t0)
        if seg is None:
            none_results += 1
        else:
            segments.append(seg)
    alloc_s = time.perf_counter() - start
    keys = [(s["physical_network"] or "", int(s["segmentation_id"])) for s in segments]
    stored = allocated(plugin.engine, args.type)

    release_latencies: list[float] = []
    start = time.perf_counter()
    for seg in segments:
        t0 = time.perf_counter()
        release(seg)
        release_latencies.append(time.perf_counter() - t0)
    release_s = time.perf_counter() - start
    left = allocated(plugin.engine, args.type)
    plugin.close()
    emit(
        {
            "type": args.type,
            "n": args.n,
            "alloc_per_s": len(segments) / alloc_s,
            "alloc_p50_ms": statistics.median(latencies) * 1000,
            "alloc_p99_ms": _pct(latencies, 99) * 1000,
            "release_per_s": len(segments) / release_s if release_s else 0.0,
            "release_p50_ms": statistics.median(release_latencies) * 1000 if segments else 0.0,
            "none_results": none_results,
            "duplicates": len(keys) - len(set(keys)),
            "rows_after_alloc": len(stored),
            "rows_match": sorted(stored) == sorted(keys),
            "rows_after_release": len(left),
            "retries": retries.count,
        }
    )


if __name__ == "__main__":
    main()
