"""Process bodies for the multi-process tests (imported by spawned children, so kept lean).

Each child builds its own ``Ml2Plugin`` on the shared database, as a
controller process would, waits at a barrier so that all start together,
and reports what it did through a queue.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from ml2core import Context, Ml2Plugin
from ml2core.testing.config import make_conf

ADMIN = Context.admin()


def churn(
    url: str,
    groups: dict[str, dict[str, Any]],
    cycles: int,
    keep_every: int,
    types: list[str],
    barrier: Any,
    results: Any,
    index: int,
) -> None:
    """``cycles`` times: one network of each type allocated, then released unless kept.

    Reports every holding as ``(type, physnet, id, held_from, held_until,
    network_id)``: ``held_until`` is ``None`` for kept networks; the interval
    runs from the create's return to the delete's call, so two holdings of
    one ID may never overlap.
    """
    report: dict[str, Any] = {"index": index, "holdings": [], "errors": [], "calls": 0}
    plugin: Ml2Plugin | None = None
    try:
        plugin = Ml2Plugin(make_conf(**groups), db_url=url)
        barrier.wait(120)
        started = time.monotonic()
        for cycle in range(cycles):
            for network_type in types:
                try:
                    net = plugin.create_network(ADMIN, {"provider:network_type": network_type})
                except Exception as exc:
                    report["errors"].append(f"create {network_type}: {type(exc).__name__}: {exc}")
                    continue
                finally:
                    report["calls"] += 1
                held_from = time.monotonic()
                key = (network_type, net["provider:physical_network"], net["provider:segmentation_id"])
                if cycle % keep_every == 0:
                    report["holdings"].append((*key, held_from, None, net["id"]))
                    continue
                held_until: float | None = time.monotonic()
                try:
                    plugin.delete_network(ADMIN, net["id"])
                except Exception as exc:
                    report["errors"].append(f"delete {key}: {type(exc).__name__}: {exc}")
                    held_until = None  # still held as far as anyone knows
                finally:
                    report["calls"] += 1
                report["holdings"].append((*key, held_from, held_until, net["id"]))
        report["elapsed"] = time.monotonic() - started
    except Exception:
        report["errors"].append(traceback.format_exc())
    finally:
        if plugin is not None:
            plugin.close()
        results.put(report)


def dynamic(
    url: str,
    groups: dict[str, dict[str, Any]],
    network_ids: list[str],
    segment: dict[str, Any],
    rounds: int,
    barrier: Any,
    results: Any,
    index: int,
) -> None:
    """Ask for the same dynamic segment of each network ``rounds`` times; report the segment IDs."""
    report: dict[str, Any] = {"index": index, "segments": [], "errors": []}
    plugin: Ml2Plugin | None = None
    try:
        plugin = Ml2Plugin(make_conf(**groups), db_url=url)
        barrier.wait(120)
        for _ in range(rounds):
            for network_id in network_ids:
                try:
                    seg = plugin.allocate_dynamic_segment(ADMIN, network_id, segment)
                    report["segments"].append((network_id, seg["id"], seg["segmentation_id"]))
                except Exception as exc:
                    report["errors"].append(f"{type(exc).__name__}: {exc}")
    except Exception:
        report["errors"].append(traceback.format_exc())
    finally:
        if plugin is not None:
            plugin.close()
        results.put(report)
