"""``ml2core allocation list``: per type and physnet, the ranges, how full they are, who holds each ID.

Computed from public calls only: the segment ranges (``used``,
``available``), the networks' segments (``get_networks``), and, for dynamic
segments (which networks do not show), the bottom segments of bound ports
(``get_host_ports`` of each host that has bound ports).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml2core import Context, Ml2Plugin, constants
from ml2core.cli.commands import Registry
from ml2core.cli.output import Table
from ml2core.cli.session import Session
from ml2core.cli.views import network_segments

__all__ = ["InUse", "Usage", "compute_usage", "format_in_use", "register", "usage_table"]

_TYPE_ORDER = [
    constants.TYPE_FLAT,
    constants.TYPE_VLAN,
    constants.TYPE_VXLAN,
    constants.TYPE_GRE,
    constants.TYPE_GENEVE,
]
SegKey = tuple[str, str | None, int | None]


@dataclass
class InUse:
    """One ID in use and what holds it."""

    segmentation_id: int | None
    network_id: str | None
    network_name: str
    dynamic: bool = False
    #: Whether the ID lies in the type's ranges; None for a flat network (no ID, no ranges).
    in_range: bool | None = True


@dataclass
class Usage:
    """The IDs of one (type, physnet): ranges, size, used, free, and each ID's holder."""

    network_type: str
    physical_network: str | None
    ranges: list[tuple[int, int]] = field(default_factory=list)
    size: int = 0
    used: int = 0
    free: int = 0
    in_use: list[InUse] = field(default_factory=list)

    def ranges_value(self) -> list[list[int]] | None:
        """The ranges as lists; None for flat, which has no IDs to range over."""
        if self.network_type == constants.TYPE_FLAT:
            return None
        return [[lo, hi] for lo, hi in self.ranges]

    @property
    def percent(self) -> float:
        """Share of the ranges in use, 0 to 100."""
        return 100.0 * self.used / self.size if self.size else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Raw values, for JSON and YAML."""
        return {
            "network_type": self.network_type,
            "physical_network": self.physical_network,
            "ranges": self.ranges_value(),
            "size": self.size,
            "used": self.used,
            "free": self.free,
            "percent": round(self.percent, 3),
            "in_use": [
                {
                    "segmentation_id": u.segmentation_id,
                    "network_id": u.network_id,
                    "network": u.network_name,
                    "dynamic": u.dynamic,
                    "in_range": u.in_range,
                }
                for u in self.in_use
            ],
        }


def _union(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _size(intervals: list[tuple[int, int]]) -> int:
    return sum(hi - lo + 1 for lo, hi in intervals)


def _inside(value: int, intervals: list[tuple[int, int]]) -> bool:
    return any(lo <= value <= hi for lo, hi in intervals)


def _dynamic_holders(
    plugin: Ml2Plugin, ctx: Context, static: Mapping[SegKey, Any]
) -> dict[SegKey, tuple[str, str]]:
    """``{(type, physnet, id): (network id, name)}`` of bottom segments that are not static ones."""
    unbound = (constants.VIF_TYPE_UNBOUND, constants.VIF_TYPE_BINDING_FAILED)
    hosts = sorted(
        {
            p["binding:host_id"]
            for p in plugin.get_ports(ctx, fields=["binding:host_id", "binding:vif_type"])
            if p.get("binding:host_id") and p.get("binding:vif_type") not in unbound
        }
    )
    found: dict[SegKey, tuple[str, str]] = {}
    for host in hosts:
        for item in plugin.get_host_ports(ctx, host):
            seg = item.get("segment") or {}
            key: SegKey = (
                str(seg.get("network_type")),
                seg.get("physical_network"),
                seg.get("segmentation_id"),
            )
            if key not in static:
                net = item.get("network") or {}
                found[key] = (str(net.get("id")), str(net.get("name") or ""))
    return found


def compute_usage(plugin: Ml2Plugin, ctx: Context, flat_networks: Iterable[str] = ()) -> list[Usage]:
    """Usage per (type, physnet), in type order; ``flat_networks`` adds idle flat physnets."""
    ranges = plugin.get_network_segment_ranges(ctx)
    networks = plugin.get_networks(ctx)
    static: dict[SegKey, tuple[str, str]] = {}
    for net in networks:
        for seg in network_segments(net):
            key = (seg["network_type"], seg["physical_network"], seg["segmentation_id"])
            static[key] = (net["id"], net["name"])
    groups: dict[tuple[str, str | None], dict[str, Any]] = {}
    for r in ranges:
        g = groups.setdefault(
            (r["network_type"], r["physical_network"]), {"ranges": [], "available": [], "used": {}}
        )
        g["ranges"].append((int(r["minimum"]), int(r["maximum"])))
        g["available"].extend((int(lo), int(hi)) for lo, hi in r["available"])
        g["used"].update({int(k): v for k, v in (r["used"] or {}).items()})
    dynamic: dict[SegKey, tuple[str, str]] | None = None
    result: dict[tuple[str, str | None], Usage] = {}
    for (network_type, physnet), g in groups.items():
        union = _union(g["ranges"])
        usage = Usage(network_type, physnet, union, _size(union))
        usage.free = _size(_union(g["available"]))
        usage.used = len(g["used"])
        for seg_id, project in sorted(g["used"].items()):
            key = (network_type, physnet, seg_id)
            if key in static:
                net_id, name = static[key]
                usage.in_use.append(InUse(seg_id, net_id, name))
                continue
            if dynamic is None:
                dynamic = _dynamic_holders(plugin, ctx, static)
            if key in dynamic:
                net_id, name = dynamic[key]
                usage.in_use.append(InUse(seg_id, net_id, name, dynamic=True))
            else:
                usage.in_use.append(InUse(seg_id, None, f"project {project}", dynamic=True))
        result[(network_type, physnet)] = usage
    for (network_type, physnet, seg_id), (net_id, name) in static.items():
        if network_type == constants.TYPE_FLAT:
            usage = result.setdefault((network_type, physnet), Usage(network_type, physnet, size=1, free=1))
            usage.used, usage.free = 1, 0
            usage.in_use.append(InUse(None, net_id, name, in_range=None))
        elif seg_id is not None:
            usage = result.setdefault((network_type, physnet), Usage(network_type, physnet))
            if not _inside(seg_id, usage.ranges):
                usage.in_use.append(InUse(seg_id, net_id, name, in_range=False))
    for physnet in flat_networks:
        if physnet and physnet != "*":
            result.setdefault(
                (constants.TYPE_FLAT, physnet), Usage(constants.TYPE_FLAT, physnet, size=1, free=1)
            )

    def order(key: tuple[str, str | None]) -> tuple[int, str, str]:
        rank = _TYPE_ORDER.index(key[0]) if key[0] in _TYPE_ORDER else len(_TYPE_ORDER)
        return rank, key[0], key[1] or ""

    for usage in result.values():
        usage.in_use.sort(key=lambda u: (u.segmentation_id or 0, u.network_name))
    return [result[k] for k in sorted(result, key=order)]


def format_in_use(value: list[dict[str, Any]], limit: int = 8) -> str:
    """``1173: project-vxlan`` lines (dynamic and out-of-range IDs marked), at most ``limit``."""
    lines = []
    for u in value[:limit]:
        label = u["network"] or (u["network_id"] or "")[:8]
        seg = "flat" if u["segmentation_id"] is None else str(u["segmentation_id"])
        outside = u["in_range"] is False
        marks = [m for m, on in (("dynamic", u["dynamic"]), ("outside the ranges", outside)) if on]
        lines.append(f"{seg}: {label}" + (f" ({', '.join(marks)})" if marks else ""))
    if len(value) > limit:
        lines.append(f"... and {len(value) - limit} more")
    return "\n".join(lines)


def _percent(value: float) -> str:
    if 0 < value < 0.1:
        return "<0.1%"
    return f"{value:.1f}%"


def _ranges(value: list[list[int]] | None) -> str:
    return "\n".join(f"{lo}-{hi}" for lo, hi in value or []) or "-"


def usage_table(usages: list[Usage], *, limit: int = 8) -> Table:
    """The usage as a table (raw values, readable formatters)."""
    rows = [
        [
            u.network_type,
            u.physical_network,
            u.ranges_value(),
            u.size,
            u.used,
            u.free,
            round(u.percent, 3),
            u.as_dict()["in_use"],
        ]
        for u in usages
    ]
    return Table(
        ["Type", "Physical Network", "Ranges", "Size", "Used", "Free", "Used %", "In Use"],
        rows,
        formatters={
            "Ranges": _ranges,
            "Used %": _percent,
            "In Use": lambda v: format_in_use(v, limit),
        },
    )


def _list(session: Session, args: argparse.Namespace) -> Table:
    flat = list(session.conf.ml2_type_flat.flat_networks)
    usages = compute_usage(session.plugin, session.ctx, flat)
    if args.network_type:
        usages = [u for u in usages if u.network_type == args.network_type]
    if args.physical_network:
        usages = [u for u in usages if u.physical_network == args.physical_network]
    return usage_table(usages, limit=args.max_ids)


def register(registry: Registry) -> None:
    """Add ``allocation list``."""
    verbs = registry.noun("allocation", "segmentation IDs in use")
    p = registry.command(
        verbs,
        "list",
        _list,
        "per type and physnet: ranges, used, free, percentage, and who holds each ID",
        "Show, per network type and physical network, the configured and stored ranges,\n"
        "how many IDs are used and free, and which network holds each ID in use\n"
        "(dynamic segments of hierarchical bindings are marked; so are provider IDs\n"
        "outside the ranges, which do not count against them).",
    )
    p.add_argument("--network-type", help="only this network type")
    p.add_argument("--physical-network", help="only this physical network")
    p.add_argument(
        "--max-ids", type=int, default=20, metavar="N", help="IDs listed per row in the table (default 20)"
    )
