"""``ml2core segment-range list|show|create|delete`` (Neutron's network segment ranges)."""

from __future__ import annotations

import argparse
from typing import Any

from ml2core.cli.argtypes import non_negative_int
from ml2core.cli.commands import Registry
from ml2core.cli.output import Record, Table
from ml2core.cli.session import Session

__all__ = ["format_subranges", "register"]

SHOW_FIELDS = (
    "id",
    "name",
    "default",
    "shared",
    "project_id",
    "network_type",
    "physical_network",
    "minimum",
    "maximum",
    "used",
    "available",
)


def format_subranges(value: Any) -> str:
    """``[[100, 104], [106, 199]]`` -> ``100-104, 106-199``."""
    return ", ".join(f"{lo}-{hi}" if lo != hi else str(lo) for lo, hi in value or [])


def _used(value: Any) -> str:
    return "\n".join(
        f"{seg_id}: {project}" for seg_id, project in sorted((value or {}).items(), key=lambda i: int(i[0]))
    )


def _record(item: dict[str, Any]) -> Record:
    return Record(
        [(k, item[k]) for k in SHOW_FIELDS if k in item],
        formatters={"available": format_subranges, "used": _used},
    )


def _list(session: Session, args: argparse.Namespace) -> Table:
    filters: dict[str, Any] = {}
    if args.network_type:
        filters["network_type"] = [args.network_type]
    if args.physical_network:
        filters["physical_network"] = [args.physical_network]
    ranges = session.plugin.get_network_segment_ranges(session.ctx, filters or None)
    return Table(
        [
            "ID",
            "Name",
            "Default",
            "Shared",
            "Project",
            "Network Type",
            "Physical Network",
            "Minimum",
            "Maximum",
            "Used",
            "Available",
        ],
        [
            [
                r["id"],
                r["name"],
                r["default"],
                r["shared"],
                r["project_id"],
                r["network_type"],
                r["physical_network"],
                r["minimum"],
                r["maximum"],
                r["used"],
                r["available"],
            ]
            for r in ranges
        ],
        formatters={"Used": lambda v: str(len(v or {})), "Available": format_subranges},
    )


def _show(session: Session, args: argparse.Namespace) -> Record:
    return _record(session.segment_range(args.range))


def _create(session: Session, args: argparse.Namespace) -> Record:
    body: dict[str, Any] = {
        "name": args.name,
        "network_type": args.network_type,
        "minimum": args.minimum,
        "maximum": args.maximum,
        "shared": not args.private,
    }
    if args.physical_network:
        body["physical_network"] = args.physical_network
    if args.project:
        body["project_id"] = args.project
    created = session.plugin.create_network_segment_range(session.ctx, body)
    defaults = session.plugin.get_network_segment_ranges(
        session.ctx, {"default": [True], "network_type": [created["network_type"]]}
    )
    overlap = [
        f"{d['minimum']}-{d['maximum']}"
        for d in defaults
        if d["physical_network"] == created["physical_network"]
        and d["minimum"] <= created["maximum"]
        and d["maximum"] >= created["minimum"]
    ]
    if overlap:
        # Accepted, as Neutron does; but the operator should know.
        print(
            f"ml2core: warning: the range overlaps the configured range {', '.join(overlap)}: "
            "its IDs there stay available to every project",
            file=session.err,
        )
    return _record(created)


def _delete(session: Session, args: argparse.Namespace) -> None:
    found = [session.segment_range(ref) for ref in args.ranges]
    for item in found:
        session.plugin.delete_network_segment_range(session.ctx, item["id"])
        session.out.write(f"Deleted network segment range {item['name'] or item['id']} ({item['id']})\n")


def register(registry: Registry) -> None:
    """Add ``segment-range list|show|create|delete``."""
    verbs = registry.noun("segment-range", "ranges of segmentation IDs project networks are allocated from")

    p = registry.command(
        verbs,
        "list",
        _list,
        "list segment ranges (configured ones are 'default', read-only)",
    )
    p.add_argument("--network-type", help="only ranges of this type")
    p.add_argument("--physical-network", help="only ranges of this physical network")

    p = registry.command(verbs, "show", _show, "show one range with the IDs in use and the free sub-ranges")
    p.add_argument("range", metavar="RANGE", help="range name or ID")

    p = registry.command(
        verbs,
        "create",
        _create,
        "create a shared or per-project range",
        "Create a network segment range. A --private range belongs to --project, whose\n"
        "networks take IDs from it first; a shared range serves every project.",
    )
    p.add_argument("name", metavar="NAME", help="name of the new range")
    p.add_argument("--network-type", required=True, help="vlan, vxlan, gre, geneve (or a vendor's)")
    p.add_argument("--physical-network", help="physical network (vlan)")
    p.add_argument("--minimum", required=True, type=non_negative_int, help="first ID of the range")
    p.add_argument("--maximum", required=True, type=non_negative_int, help="last ID of the range")
    p.add_argument("--private", action="store_true", help="reserve the range for --project")
    p.add_argument("--project", help="the project of a --private range")

    p = registry.command(verbs, "delete", _delete, "delete ranges that have no ID in use", output=False)
    p.add_argument("ranges", metavar="RANGE", nargs="+", help="range names or IDs")
