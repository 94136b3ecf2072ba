"""``ml2core agent list``: which agents report, alive or dead since when, what they can reach."""

from __future__ import annotations

import argparse
from typing import Any

from ml2core.cli.commands import Registry
from ml2core.cli.output import Table
from ml2core.cli.session import Session
from ml2core.cli.views import agent_mappings, ago

__all__ = ["agent_rows", "register"]

COLUMNS = ["ID", "Agent Type", "Host", "Alive", "Since", "Mappings", "Tunnel Types", "Tunnel IP"]


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
        },
    )


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
