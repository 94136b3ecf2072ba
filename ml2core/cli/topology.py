"""``ml2core topology --output FILE.svg``: networks, segments, hosts and ports in one picture.

:func:`collect` reads the model through public calls (networks, ports,
agents, each bound port's binding explanation); :mod:`ml2core.cli.svg`
draws it.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

from ml2core import Context, Ml2Plugin, constants
from ml2core.cli.commands import Registry
from ml2core.cli.errors import CliError
from ml2core.cli.session import Session
from ml2core.cli.views import binding_path, network_segments, segment_label

__all__ = ["TopoHost", "TopoNetwork", "TopoPort", "Topology", "collect", "register"]


@dataclass
class TopoNetwork:
    """A network and its segments (static, then dynamic ones in use)."""

    id: str
    name: str
    mtu: int
    segments: list[str]
    dynamic: list[str] = field(default_factory=list)


@dataclass
class TopoHost:
    """A host and its agents (``(agent type, alive)``)."""

    name: str
    agents: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class TopoPort:
    """A port, its host, and the binding (one ``driver: segment`` per level)."""

    id: str
    name: str
    network_id: str
    host: str
    vif_type: str
    vnic_type: str
    ips: list[str]
    levels: list[str] = field(default_factory=list)

    @property
    def bound(self) -> bool:
        """True when a driver bound it."""
        return self.vif_type not in (constants.VIF_TYPE_UNBOUND, constants.VIF_TYPE_BINDING_FAILED)


@dataclass
class Topology:
    """Everything the picture shows."""

    networks: list[TopoNetwork]
    hosts: list[TopoHost]
    ports: list[TopoPort]


def collect(plugin: Ml2Plugin, ctx: Context) -> Topology:
    """Read networks, hosts (from agents and bindings), ports and their binding levels."""
    networks = {
        n["id"]: TopoNetwork(n["id"], n["name"], n["mtu"], [segment_label(s) for s in network_segments(n)])
        for n in plugin.get_networks(ctx, sorts=[("name", "asc")])
    }
    hosts: dict[str, TopoHost] = {}
    for agent in plugin.get_agents(ctx):
        hosts.setdefault(agent["host"], TopoHost(agent["host"])).agents.append(
            (agent["agent_type"], bool(agent.get("alive")))
        )
    ports = []
    for p in plugin.get_ports(ctx, sorts=[("name", "asc")]):
        host = p.get("binding:host_id") or ""
        port = TopoPort(
            p["id"],
            p["name"],
            p["network_id"],
            host,
            p.get("binding:vif_type") or constants.VIF_TYPE_UNBOUND,
            p.get("binding:vnic_type") or constants.VNIC_NORMAL,
            [ip["ip_address"] for ip in p["fixed_ips"]],
        )
        if host:
            hosts.setdefault(host, TopoHost(host))
        if port.bound:
            network = networks.get(port.network_id)
            for level in binding_path(plugin.explain_binding(ctx, port.id)):
                label = segment_label(level.segment)
                port.levels.append(f"{level.driver}: {label}")
                if network is not None and label not in network.segments and label not in network.dynamic:
                    network.dynamic.append(label)
        ports.append(port)
    return Topology(list(networks.values()), [hosts[h] for h in sorted(hosts)], ports)


def _topology(session: Session, args: argparse.Namespace) -> int:
    from ml2core.cli.svg import render_svg

    topo = collect(session.plugin, session.ctx)
    text = render_svg(topo, title=args.title)
    if args.output == "-":
        session.out.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror}") from exc
    session.out.write(
        f"Wrote {os.path.abspath(args.output)}: {len(topo.networks)} networks, "
        f"{len(topo.hosts)} hosts, {len(topo.ports)} ports.\n"
    )
    return 0


def register(registry: Registry) -> None:
    """Add ``topology``."""
    p = registry.command(
        None,
        "topology",
        _topology,
        "draw networks, segments, hosts and ports as an SVG picture",
        "Draw the deployment: networks with their segments (left), ports (middle) and hosts\n"
        "with their agents (right). A line joins each port to its host, labelled with the\n"
        "driver and segment of each binding level; red dashed lines are failed bindings.",
        output=False,
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="FILE.svg", help="SVG file to write ('-' for stdout)"
    )
    p.add_argument("--title", default="ml2core topology", help="title drawn at the top")
