"""``ml2core network list|show|create|delete``."""

from __future__ import annotations

import argparse
from typing import Any

from ml2core.cli.argtypes import non_negative_int
from ml2core.cli.commands import Registry
from ml2core.cli.output import Record, Table
from ml2core.cli.session import Session
from ml2core.cli.views import network_segments

__all__ = ["network_record", "register"]

SHOW_FIELDS = (
    "id",
    "name",
    "project_id",
    "status",
    "admin_state_up",
    "shared",
    "mtu",
    "provider:network_type",
    "provider:physical_network",
    "provider:segmentation_id",
    "segments",
    "subnets",
    "created_at",
    "updated_at",
)


def network_record(network: dict[str, Any]) -> Record:
    """A network as a ``Field | Value`` record (known fields first, then any extension's)."""
    keys = [k for k in SHOW_FIELDS if k in network]
    keys += sorted(k for k in network if k not in SHOW_FIELDS and k != "tenant_id")
    return Record([(k, network[k]) for k in keys])


def _list(session: Session, args: argparse.Namespace) -> Table:
    filters: dict[str, Any] = {}
    if args.name:
        filters["name"] = [args.name]
    if args.project:
        filters["project_id"] = [args.project]
    if args.provider_network_type:
        filters["provider:network_type"] = [args.provider_network_type]
    networks = session.plugin.get_networks(session.ctx, filters or None, sorts=[("name", "asc")])
    rows = []
    for net in networks:
        segments = network_segments(net)
        rows.append(
            [
                net["id"],
                net["name"],
                [s["network_type"] for s in segments],
                [s["physical_network"] or "" for s in segments],
                [s["segmentation_id"] if s["segmentation_id"] is not None else "" for s in segments],
                net["mtu"],
                net.get("shared"),
                net.get("subnets", []),
            ]
        )
    lines = "\n".join
    return Table(
        ["ID", "Name", "Type", "Physical Network", "Segment", "MTU", "Shared", "Subnets"],
        rows,
        formatters={
            "Type": lambda v: lines(map(str, v)),
            "Physical Network": lambda v: lines(map(str, v)),
            "Segment": lambda v: lines(map(str, v)),
            "Subnets": lambda v: lines(map(str, v)),
        },
    )


def _show(session: Session, args: argparse.Namespace) -> Record:
    return network_record(session.network(args.network))


def _create(session: Session, args: argparse.Namespace) -> Record:
    body: dict[str, Any] = {"name": args.name, "admin_state_up": args.enable}
    if args.provider_network_type is not None:
        body["provider:network_type"] = args.provider_network_type
    if args.provider_physical_network is not None:
        body["provider:physical_network"] = args.provider_physical_network
    if args.provider_segment is not None:
        body["provider:segmentation_id"] = args.provider_segment
    if args.share is not None:
        body["shared"] = args.share
    if args.mtu is not None:
        body["mtu"] = args.mtu
    if args.project:
        body["project_id"] = args.project
    return network_record(session.plugin.create_network(session.ctx, body))


def _delete(session: Session, args: argparse.Namespace) -> None:
    # Resolve everything first: a typo in the third name deletes nothing.
    found = [session.network(ref) for ref in args.networks]
    for net in found:
        session.plugin.delete_network(session.ctx, net["id"])
        session.out.write(f"Deleted network {net['name'] or net['id']} ({net['id']})\n")


def register(registry: Registry) -> None:
    """Add ``network list|show|create|delete``."""
    verbs = registry.noun("network", "networks and their segments")

    p = registry.command(verbs, "list", _list, "list networks with their segments (admin view)")
    p.add_argument("--name", help="only networks with this name")
    p.add_argument("--project", help="only networks of this project")
    p.add_argument("--provider-network-type", help="only networks with a segment of this type")

    p = registry.command(verbs, "show", _show, "show one network")
    p.add_argument("network", metavar="NETWORK", help="network name or ID")

    p = registry.command(
        verbs,
        "create",
        _create,
        "create a network",
        "Create a network. Without --provider-* options a project segment is allocated from\n"
        "[ml2] project_network_types, in order. With --provider-network-type alone (a tunnel\n"
        "type, or vlan with --provider-physical-network) the ID is allocated from that type's\n"
        "configured ranges; --provider-segment reserves that exact ID.",
    )
    p.add_argument("name", metavar="NAME", help="name of the new network")
    p.add_argument(
        "--provider-network-type",
        metavar="TYPE",
        help="segment type: flat, vlan, vxlan, gre, geneve, local (or a vendor's)",
    )
    p.add_argument("--provider-physical-network", metavar="PHYSNET", help="physical network (flat, vlan)")
    p.add_argument(
        "--provider-segment", metavar="ID", type=non_negative_int, help="VLAN ID, VNI or GRE key to reserve"
    )
    share = p.add_mutually_exclusive_group()
    share.add_argument(
        "--share", dest="share", action="store_true", default=None, help="share with all projects"
    )
    share.add_argument("--no-share", dest="share", action="store_false", help="do not share (default)")
    p.add_argument("--mtu", type=non_negative_int, help="MTU (at most the one the segments allow)")
    p.add_argument("--project", help="owning project (default: admin)")
    state = p.add_mutually_exclusive_group()
    state.add_argument(
        "--enable", dest="enable", action="store_true", default=True, help="admin state up (default)"
    )
    state.add_argument("--disable", dest="enable", action="store_false", help="admin state down")

    p = registry.command(
        verbs, "delete", _delete, "delete networks (their subnets and IDs go with them)", output=False
    )
    p.add_argument("networks", metavar="NETWORK", nargs="+", help="network names or IDs")
