"""``ml2core agent list|show``: which agents report, since when, what they reach and realize."""

from __future__ import annotations

import argparse
from typing import Any

from ml2core.cli.commands import Registry
from ml2core.cli.errors import CliError
from ml2core.cli.output import Record, Table
from ml2core.cli.session import Session
from ml2core.cli.views import agent_mappings, ago

__all__ = ["agent_rows", "register"]

COLUMNS = ["ID", "Agent Type", "Host", "Alive", "Since", "Mappings", "Tunnel Types", "Tunnel IP", "Dataplane"]


def format_dataplane(value: dict[str, Any] | None) -> str:
    """``backend: types`` then one ``not X: reason`` line per thing this host cannot realize."""
    if not value:
        return "-"
    lines = [f"{value.get('backend', '?')}: {', '.join(value.get('network_types') or []) or '-'}"]
    lines += [f"not {name}: {reason}" for name, reason in (value.get("unavailable") or {}).items()]
    return "\n".join(lines)


def _since(agent: dict[str, Any]) -> str:
    # Alive: up since its (re)start. Dead: silent since its last report.
    if agent.get("alive"):
        return "up since " + ago(agent.get("started_at"))
    return "last report " + ago(agent.get("heartbeat_timestamp"))


def agent_rows(agents: list[dict[str, Any]]) -> list[list[Any]]:
    """Rows of :data:`COLUMNS` (raw values: ``Alive`` a bool, mappings and tunnel types as given)."""
    rows = []
    for agent in agents:
        conf = agent.get("configurations") or {}
        rows.append(
            [
                agent["id"],
                agent["agent_type"],
                agent["host"],
                bool(agent.get("alive")),
                _since(agent),
                {
                    k: conf[k]
                    for k in ("bridge_mappings", "interface_mappings", "device_mappings")
                    if conf.get(k)
                },
                list(conf.get("tunnel_types") or []),
                conf.get("tunneling_ip"),
                conf.get("dataplane"),
            ]
        )
    return rows


def _list(session: Session, args: argparse.Namespace) -> Table:
    filters: dict[str, Any] = {}
    if args.host:
        filters["host"] = [args.host]
    if args.agent_type:
        filters["agent_type"] = [args.agent_type]
    agents = session.plugin.get_agents(session.ctx, filters or None)
    return Table(
        COLUMNS,
        agent_rows(agents),
        formatters={
            "Alive": lambda v: "alive" if v else "DEAD",
            "Mappings": lambda v: agent_mappings({"configurations": v}),
            "Tunnel Types": ", ".join,
            "Dataplane": format_dataplane,
        },
    )


def _show(session: Session, args: argparse.Namespace) -> Record:
    agents = session.plugin.get_agents(session.ctx)
    found = [a for a in agents if a["id"] == args.agent] or [a for a in agents if a["host"] == args.agent]
    if args.agent_type:
        found = [a for a in found if a["agent_type"] == args.agent_type]
    if not found:
        raise CliError(f"No agent with an ID or host of '{args.agent}' exists.")
    if len(found) > 1:
        types = ", ".join(sorted(a["agent_type"] for a in found))
        raise CliError(f"Host {args.agent} has several agents ({types}); give --agent-type or the ID.")
    agent = found[0]
    conf = dict(agent.get("configurations") or {})
    dataplane = conf.pop("dataplane", None)
    fields: list[tuple[str, Any]] = [
        (k, agent.get(k))
        for k in ("id", "agent_type", "host", "binary", "alive", "started_at", "heartbeat_timestamp")
    ]
    fields += [(f"configurations.{k}", v) for k, v in sorted(conf.items())]
    fields.append(("dataplane", dataplane))
    return Record(fields, formatters={"dataplane": format_dataplane})


def register(registry: Registry) -> None:
    """Add ``agent list``."""
    verbs = registry.noun("agent", "host agents and their liveness")
    p = registry.command(
        verbs,
        "list",
        _list,
        "list agents: alive or dead (and since when), mappings, tunnel types",
        "List the agents that reported to this database. An agent is alive while its last\n"
        "report is younger than [DEFAULT] agent_down_time; mechanism drivers bind ports only\n"
        "through live agents.",
    )
    p.add_argument("--host", help="only agents on this host")
    p.add_argument("--agent-type", help="only agents of this type, e.g. 'Open vSwitch agent'")
    p = registry.command(
        verbs,
        "show",
        _show,
        "one agent: its whole report, and what its dataplane can realize here and why not the rest",
        "Show one agent by ID or host: every configuration it reported (mappings, tunnel\n"
        "types and IP, devices) and its dataplane report: the backend, the network types it\n"
        "realizes on this host, and each thing it cannot, with the reason.",
    )
    p.add_argument("agent", help="agent ID or host name")
    p.add_argument("--agent-type", help="the agent type, when the host runs several agents")
