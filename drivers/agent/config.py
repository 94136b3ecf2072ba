"""Options of ``ml2core-agent``: ``[agent]`` in the config file, ``--once`` / ``--debug`` on the command line.

The backend's own options (mappings, ``local_ip``, namespaces, OVSDB) live
in its group (``[linux_bridge]`` / ``[vxlan]``, ``[ovs]``, ``[sriov_nic]``)
and are registered by the backend itself; the database the
``LocalHostClient`` uses is the controllers' ``[database] connection``,
read from the same files.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import Any

from oslo_config import cfg

from ml2core import constants
from ml2core.exceptions import ConfigError

__all__ = [
    "GROUP",
    "TUNNEL_TYPES",
    "AgentSettings",
    "agent_opts",
    "cli_opts",
    "list_opts",
    "load",
    "register_cli_opts",
    "register_opts",
]

GROUP = "agent"

#: The tunnel network types an agent can announce in ``tunnel_types``.
TUNNEL_TYPES = (constants.TYPE_VXLAN, constants.TYPE_GRE, constants.TYPE_GENEVE)

agent_opts = [
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<this machine's host name>",
        help="The host name ports are bound to (their binding:host_id) and this agent reports as.",
    ),
    cfg.StrOpt(
        "backend",
        help="Dataplane backend realizing the ports, by ml2core.dataplane entry-point name: "
        "linuxbridge, openvswitch, sriov, or a vendor's. Required.",
    ),
    cfg.FloatOpt(
        "report_interval",
        default=30.0,
        min=0.1,
        help="Seconds between state reports. Keep it well under the controllers' "
        "[DEFAULT] agent_down_time (75 s), or the agent is declared dead between reports.",
    ),
    cfg.FloatOpt(
        "polling_interval",
        default=2.0,
        min=0.05,
        help="Seconds between two passes (fetch the host's ports, sync the backend, report statuses).",
    ),
    cfg.ListOpt(
        "tunnel_types",
        help="Tunnel network types (vxlan, gre, geneve) this agent announces, so the mechanism "
        "drivers bind such ports here and other hosts tunnel to this one. Unset: every tunnel type "
        "the backend can realize on this host; empty: none. A listed type the backend cannot "
        "realize is left out, with a warning.",
    ),
]

cli_opts = [
    cfg.BoolOpt("once", default=False, help="Run one pass (report, fetch, sync, report statuses) and exit."),
    cfg.BoolOpt("debug", short="d", default=False, help="Log every pass and the agent's decisions."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register ``[agent]`` on ``conf`` (idempotent; allowed after parsing)."""
    conf.register_opts(agent_opts, group=GROUP)


def register_cli_opts(conf: cfg.ConfigOpts) -> None:
    """Register ``--once`` and ``--debug``; must precede parsing the command line."""
    conf.register_cli_opts(cli_opts)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """The config-file options, for ``oslo-config-generator`` (entry point ``ml2core.agent``)."""
    return [(GROUP, list(agent_opts))]


@dataclass(frozen=True)
class AgentSettings:
    """The parsed ``[agent]`` options."""

    host: str
    backend: str
    report_interval: float
    polling_interval: float
    #: ``None``: announce whatever the backend can realize.
    tunnel_types: tuple[str, ...] | None


def _read(conf: cfg.ConfigOpts, name: str) -> Any:
    """``[agent] name``; a value oslo.config cannot convert raises ``ConfigError`` naming it."""
    try:
        return getattr(conf.agent, name)
    except (cfg.Error, ValueError) as exc:
        reason = str(exc).rpartition(" is not valid: ")[2] or str(exc)
        quoted = re.search(r"'([^']*)'", reason)
        raise ConfigError(
            option=f"[{GROUP}] {name}", entry=quoted.group(1) if quoted else "", reason=reason
        ) from exc


def load(conf: cfg.ConfigOpts) -> AgentSettings:
    """Read ``[agent]`` (registered on ``conf``); raises ``ConfigError`` naming the option."""
    raw = {opt.dest: _read(conf, opt.dest) for opt in agent_opts}
    host = (raw["host"] or "").strip()
    if not host:
        raise ConfigError(option="[agent] host", entry=raw["host"] or "", reason="must not be empty")
    backend = (raw["backend"] or "").strip()
    if not backend:
        raise ConfigError(
            option="[agent] backend",
            entry="",
            reason="required: name the dataplane backend (linuxbridge, openvswitch, sriov)",
        )
    tunnel_types: tuple[str, ...] | None = None
    if raw["tunnel_types"] is not None:
        names = [t.strip() for t in raw["tunnel_types"] if t.strip()]
        for name in names:
            if name not in TUNNEL_TYPES:
                raise ConfigError(
                    option="[agent] tunnel_types",
                    entry=name,
                    reason=f"not a tunnel type (expected {', '.join(TUNNEL_TYPES)})",
                )
        tunnel_types = tuple(dict.fromkeys(names))
    return AgentSettings(
        host=host,
        backend=backend,
        report_interval=float(raw["report_interval"]),
        polling_interval=float(raw["polling_interval"]),
        tunnel_types=tunnel_types,
    )
