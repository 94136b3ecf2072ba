"""``ml2core subnet list|show|create|delete``."""

from __future__ import annotations

import argparse
from typing import Any

from ml2core.cli.argtypes import allocation_pool
from ml2core.cli.commands import Registry
from ml2core.cli.output import Record, Table
from ml2core.cli.session import Session

__all__ = ["register", "subnet_record"]

SHOW_FIELDS = (
    "id",
    "name",
    "project_id",
    "network_id",
    "cidr",
    "ip_version",
    "gateway_ip",
    "allocation_pools",
    "enable_dhcp",
    "ipv6_address_mode",
    "ipv6_ra_mode",
    "created_at",
    "updated_at",
)
IPV6_MODES = ("slaac", "dhcpv6-stateful", "dhcpv6-stateless")


def subnet_record(subnet: dict[str, Any]) -> Record:
    """A subnet as a ``Field | Value`` record."""
    keys = [k for k in SHOW_FIELDS if k in subnet]
    keys += sorted(k for k in subnet if k not in SHOW_FIELDS and k != "tenant_id")
    return Record(
        [(k, subnet[k]) for k in keys],
        formatters={"allocation_pools": lambda v: "\n".join(f"{p['start']}-{p['end']}" for p in v or [])},
    )


def _list(session: Session, args: argparse.Namespace) -> Table:
    filters: dict[str, Any] = {}
    if args.network:
        filters["network_id"] = [session.network(args.network)["id"]]
    if args.name:
        filters["name"] = [args.name]
    if args.ip_version:
        filters["ip_version"] = [args.ip_version]
    subnets = session.plugin.get_subnets(session.ctx, filters or None, sorts=[("name", "asc")])
    return Table(
        ["ID", "Name", "Network", "Subnet", "Gateway", "Allocation Pools"],
        [
            [s["id"], s["name"], s["network_id"], s["cidr"], s["gateway_ip"], s["allocation_pools"]]
            for s in subnets
        ],
        formatters={"Allocation Pools": lambda v: "\n".join(f"{p['start']}-{p['end']}" for p in v or [])},
    )


def _show(session: Session, args: argparse.Namespace) -> Record:
    return subnet_record(session.subnet(args.subnet))


def _gateway(value: str) -> str | None:
    return None if value == "none" else value


def _create(session: Session, args: argparse.Namespace) -> Record:
    network = session.network(args.network)
    body: dict[str, Any] = {
        "name": args.name,
        "network_id": network["id"],
        "cidr": args.subnet_range,
        "enable_dhcp": args.dhcp,
    }
    if args.ip_version is not None:
        body["ip_version"] = args.ip_version
    if args.gateway is not None and args.gateway != "auto":
        body["gateway_ip"] = _gateway(args.gateway)
    if args.allocation_pools:
        body["allocation_pools"] = args.allocation_pools
    if args.ipv6_address_mode:
        body["ipv6_address_mode"] = args.ipv6_address_mode
    if args.ipv6_ra_mode:
        body["ipv6_ra_mode"] = args.ipv6_ra_mode
    if args.project:
        body["project_id"] = args.project
    return subnet_record(session.plugin.create_subnet(session.ctx, body))


def _delete(session: Session, args: argparse.Namespace) -> None:
    found = [session.subnet(ref) for ref in args.subnets]
    for subnet in found:
        session.plugin.delete_subnet(session.ctx, subnet["id"])
        session.out.write(f"Deleted subnet {subnet['name'] or subnet['id']} ({subnet['id']})\n")


def register(registry: Registry) -> None:
    """Add ``subnet list|show|create|delete``."""
    verbs = registry.noun("subnet", "subnets (IP ranges of a network)")

    p = registry.command(verbs, "list", _list, "list subnets")
    p.add_argument("--network", help="only subnets of this network (name or ID)")
    p.add_argument("--name", help="only subnets with this name")
    p.add_argument("--ip-version", type=int, choices=(4, 6), help="only IPv4 or IPv6 subnets")

    p = registry.command(verbs, "show", _show, "show one subnet")
    p.add_argument("subnet", metavar="SUBNET", help="subnet name or ID")

    p = registry.command(
        verbs,
        "create",
        _create,
        "create a subnet",
        "Create a subnet on a network. ml2core stores enable_dhcp but serves no DHCP.",
    )
    p.add_argument("name", metavar="NAME", help="name of the new subnet")
    p.add_argument("--network", required=True, help="network (name or ID)")
    p.add_argument(
        "--subnet-range", required=True, metavar="CIDR", help="the subnet's CIDR, e.g. 10.0.0.0/24"
    )
    p.add_argument(
        "--gateway",
        metavar="IP|auto|none",
        help="gateway address; 'auto' (default) takes the first address, 'none' means no gateway",
    )
    p.add_argument(
        "--allocation-pool",
        dest="allocation_pools",
        action="append",
        type=allocation_pool,
        default=[],
        metavar="start=IP,end=IP",
        help="range of addresses handed to ports (may be repeated; default: the whole subnet)",
    )
    p.add_argument("--ip-version", type=int, choices=(4, 6), help="4 or 6 (default: from the CIDR)")
    p.add_argument("--ipv6-address-mode", choices=IPV6_MODES, help="IPv6 address mode")
    p.add_argument("--ipv6-ra-mode", choices=IPV6_MODES, help="IPv6 router advertisement mode")
    dhcp = p.add_mutually_exclusive_group()
    dhcp.add_argument("--dhcp", dest="dhcp", action="store_true", default=True, help="enable DHCP (default)")
    dhcp.add_argument("--no-dhcp", dest="dhcp", action="store_false", help="disable DHCP")
    p.add_argument("--project", help="owning project (default: admin)")

    p = registry.command(verbs, "delete", _delete, "delete subnets", output=False)
    p.add_argument("subnets", metavar="SUBNET", nargs="+", help="subnet names or IDs")
