"""``ml2core port list|show|create|update|delete|explain``."""

from __future__ import annotations

import argparse
from typing import Any

from ml2core import constants
from ml2core.cli.argtypes import binding_profile_entry, fixed_ip
from ml2core.cli.commands import Registry
from ml2core.cli.explain import render_explanation
from ml2core.cli.output import Document, Record, Table
from ml2core.cli.session import Session

__all__ = ["port_record", "register"]

SHOW_FIELDS = (
    "id",
    "name",
    "project_id",
    "network_id",
    "mac_address",
    "fixed_ips",
    "device_id",
    "device_owner",
    "status",
    "admin_state_up",
    "binding:host_id",
    "binding:vnic_type",
    "binding:profile",
    "binding:vif_type",
    "binding:vif_details",
    "created_at",
    "updated_at",
)


def port_record(port: dict[str, Any]) -> Record:
    """A port as a ``Field | Value`` record."""
    keys = [k for k in SHOW_FIELDS if k in port]
    keys += sorted(k for k in port if k not in SHOW_FIELDS and k != "tenant_id")
    return Record([(k, port[k]) for k in keys])


def _list(session: Session, args: argparse.Namespace) -> Table:
    filters: dict[str, Any] = {}
    if args.network:
        filters["network_id"] = [session.network(args.network)["id"]]
    if args.host:
        filters["binding:host_id"] = [args.host]
    if args.name:
        filters["name"] = [args.name]
    if args.vif_type:
        filters["binding:vif_type"] = [args.vif_type]
    ports = session.plugin.get_ports(session.ctx, filters or None, sorts=[("name", "asc")])
    return Table(
        ["ID", "Name", "Network", "MAC Address", "Fixed IP Addresses", "Status", "Host", "VIF Type"],
        [
            [
                p["id"],
                p["name"],
                p["network_id"],
                p["mac_address"],
                [ip["ip_address"] for ip in p["fixed_ips"]],
                p["status"],
                p.get("binding:host_id"),
                p.get("binding:vif_type"),
            ]
            for p in ports
        ],
        formatters={"Fixed IP Addresses": "\n".join},
    )


def _show(session: Session, args: argparse.Namespace) -> Record:
    return port_record(session.port(args.port))


def _fixed_ips(session: Session, entries: list[dict[str, str]]) -> list[dict[str, str]]:
    result = []
    for entry in entries:
        item: dict[str, str] = {}
        if entry.get("subnet"):
            item["subnet_id"] = session.subnet(entry["subnet"])["id"]
        if entry.get("ip-address"):
            item["ip_address"] = entry["ip-address"]
        result.append(item)
    return result


def _profile(entries: list[dict[str, Any]]) -> dict[str, Any]:
    profile: dict[str, Any] = {}
    for entry in entries:
        profile.update(entry)
    return profile


def _common_body(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if args.host is not None:
        body["binding:host_id"] = args.host
    if args.vnic_type is not None:
        body["binding:vnic_type"] = args.vnic_type
    if args.binding_profile:
        body["binding:profile"] = _profile(args.binding_profile)
    if args.fixed_ips:
        body["fixed_ips"] = _fixed_ips(session, args.fixed_ips)
    if args.device_owner is not None:
        body["device_owner"] = args.device_owner
    if args.device_id is not None:
        body["device_id"] = args.device_id
    if args.mac_address is not None:
        body["mac_address"] = args.mac_address
    if args.enable is not None:
        body["admin_state_up"] = args.enable
    return body


def _create(session: Session, args: argparse.Namespace) -> Record:
    network = session.network(args.network)
    body = {"name": args.name, "network_id": network["id"], **_common_body(session, args)}
    if args.no_fixed_ip:
        body["fixed_ips"] = []
    if args.project:
        body["project_id"] = args.project
    return port_record(session.plugin.create_port(session.ctx, body))


def _update(session: Session, args: argparse.Namespace) -> Record:
    port = session.port(args.port)
    body = _common_body(session, args)
    if args.name is not None:
        body["name"] = args.name
    if args.no_binding_profile:
        body["binding:profile"] = {}
    if args.no_fixed_ip:
        body["fixed_ips"] = []
    if not body:
        session.err.write("Nothing to change.\n")
        return port_record(port)
    return port_record(session.plugin.update_port(session.ctx, port["id"], body))


def _delete(session: Session, args: argparse.Namespace) -> None:
    found = [session.port(ref) for ref in args.ports]
    for port in found:
        session.plugin.delete_port(session.ctx, port["id"])
        session.out.write(f"Deleted port {port['name'] or port['id']} ({port['id']})\n")


def _explain(session: Session, args: argparse.Namespace) -> Document:
    port = session.port(args.port)
    explanation = session.plugin.explain_binding(session.ctx, port["id"])
    network = session.plugin.get_network(session.ctx, port["network_id"])
    return Document(explanation, render_explanation(port, explanation, network))


def _add_binding_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", metavar="HOST", help="binding:host_id: the host to bind the port on")
    p.add_argument(
        "--vnic-type",
        choices=constants.VNIC_TYPES,
        help="binding:vnic_type (normal for a tap; direct, macvtap, direct-physical for SR-IOV)",
    )
    p.add_argument(
        "--binding-profile",
        action="append",
        type=binding_profile_entry,
        default=[],
        metavar="KEY=VALUE",
        help="binding:profile entry (may be repeated; a JSON object is accepted too), "
        "e.g. pci_slot=0000:03:10.1 pci_vendor_info=8086:10ed physical_network=physnet1",
    )
    p.add_argument(
        "--fixed-ip",
        dest="fixed_ips",
        action="append",
        type=fixed_ip,
        default=[],
        metavar="subnet=SUBNET,ip-address=IP",
        help="a fixed IP: a subnet (name or ID), an address, or both (may be repeated)",
    )
    p.add_argument("--no-fixed-ip", action="store_true", help="no fixed IP at all")
    p.add_argument("--device-owner", help="device_owner, e.g. compute:nova")
    p.add_argument("--device-id", help="device_id, e.g. the instance UUID")
    p.add_argument(
        "--mac-address", metavar="MAC", help="MAC address (default: generated from [DEFAULT] base_mac)"
    )
    state = p.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enable", action="store_true", default=None, help="admin state up")
    state.add_argument("--disable", dest="enable", action="store_false", help="admin state down")


def register(registry: Registry) -> None:
    """Add ``port list|show|create|update|delete|explain``."""
    verbs = registry.noun("port", "ports, their bindings and why a binding failed")

    p = registry.command(verbs, "list", _list, "list ports with their host and VIF type")
    p.add_argument("--network", help="only ports of this network (name or ID)")
    p.add_argument("--host", help="only ports bound (or to be bound) on this host")
    p.add_argument("--name", help="only ports with this name")
    p.add_argument("--vif-type", help="only ports with this VIF type, e.g. binding_failed")

    p = registry.command(verbs, "show", _show, "show one port")
    p.add_argument("port", metavar="PORT", help="port name or ID")

    p = registry.command(
        verbs,
        "create",
        _create,
        "create a port (bound at once when --host is given)",
        "Create a port. With --host the mechanism drivers bind it at once; see\n"
        "'ml2core port explain PORT' for how (or why not).",
    )
    p.add_argument("name", metavar="NAME", help="name of the new port")
    p.add_argument("--network", required=True, help="network (name or ID)")
    p.add_argument("--project", help="owning project (default: the network's)")
    _add_binding_options(p)

    p = registry.command(
        verbs,
        "update",
        _update,
        "change a port (a new host, vnic type or profile binds it again)",
    )
    p.add_argument("port", metavar="PORT", help="port name or ID")
    p.add_argument("--name", help="new name")
    p.add_argument("--no-binding-profile", action="store_true", help="clear binding:profile")
    _add_binding_options(p)

    p = registry.command(verbs, "delete", _delete, "delete ports", output=False)
    p.add_argument("ports", metavar="PORT", nargs="+", help="port names or IDs")

    p = registry.command(
        verbs,
        "explain",
        _explain,
        "explain the port's last binding attempt, level by level, driver by driver",
        "Show how the port was bound, or why it could not be: for each binding level the\n"
        "segments to bind, and each mechanism driver's outcome (bound, continued, declined,\n"
        "error) with its reason. -f json gives the raw explanation.",
    )
    p.add_argument("port", metavar="PORT", help="port name or ID")
