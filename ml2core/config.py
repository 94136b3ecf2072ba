"""Configuration options, with Neutron's groups, names and defaults.

Options are registered on the ``ConfigOpts`` the caller passes, never on the
global ``cfg.CONF`` unless that is what the caller passes. ``list_opts`` is
the ``oslo.config.opts`` entry point, so::

    oslo-config-generator --namespace ml2core

writes a sample file. :func:`validate` parses every option that has a syntax
of its own and raises :class:`~ml2core.exceptions.ConfigError` naming the
option and the entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oslo_config import cfg

from ml2core import constants
from ml2core.api import ranges
from ml2core.api.config_files import parse
from ml2core.exceptions import ConfigError

__all__ = [
    "Settings",
    "list_opts",
    "new_conf",
    "parse",
    "register_opts",
    "validate",
]

default_opts = [
    cfg.IntOpt(
        "global_physnet_mtu",
        default=constants.DEFAULT_NETWORK_MTU,
        min=68,
        deprecated_name="segment_mtu",
        deprecated_group="ml2",
        help="MTU of the underlying physical network. Flat and VLAN networks get this MTU "
        "(or less, see [ml2] physical_network_mtus); tunnel networks get it less their "
        "encapsulation overhead.",
    ),
    cfg.IntOpt(
        "agent_down_time",
        default=75,
        min=1,
        help="Seconds after its last report at which an agent counts as down. Should be at "
        "least twice the agents' report_interval.",
    ),
    cfg.StrOpt(
        "base_mac",
        default=constants.DEFAULT_BASE_MAC,
        help="Base MAC address for generated port MACs. The first three octets stay as "
        "given; the others are random where they are zero here.",
    ),
]

ml2_opts = [
    cfg.ListOpt(
        "type_drivers",
        default=["local", "flat", "vlan", "gre", "vxlan", "geneve"],
        help="Network type driver entry points (namespace ml2core.type_drivers) to load.",
    ),
    cfg.ListOpt(
        "project_network_types",
        default=["local"],
        deprecated_name="tenant_network_types",
        help="Network types for project networks, tried in this order. Each must be a loaded type driver.",
    ),
    cfg.ListOpt(
        "mechanism_drivers",
        default=[],
        help="Mechanism driver entry points (namespace ml2core.mechanism_drivers), called "
        "and tried for binding in this order.",
    ),
    cfg.ListOpt(
        "extension_drivers",
        default=[],
        help="Extension driver entry points (namespace ml2core.extension_drivers) to load.",
    ),
    cfg.IntOpt(
        "path_mtu",
        default=0,
        min=0,
        help="Largest IP packet the overlay underlay can carry. Tunnel network MTUs are "
        "computed from the smaller of this and global_physnet_mtu. 0 means unset.",
    ),
    cfg.ListOpt(
        "physical_network_mtus",
        default=[],
        help="<physnet>:<mtu> pairs giving the MTU of physical networks that differ from "
        "global_physnet_mtu (flat and VLAN networks).",
    ),
    cfg.IntOpt(
        "overlay_ip_version",
        default=4,
        choices=[4, 6],
        help="IP version of all overlay (tunnel) endpoints; sets the IP header size in the "
        "tunnel MTU computation.",
    ),
    cfg.IntOpt(
        "max_bind_tries",
        default=10,
        min=1,
        help="How often a port binding is recomputed when the port changed while it was "
        "being bound, before the engine gives up.",
    ),
]

flat_opts = [
    cfg.ListOpt(
        "flat_networks",
        default=["*"],
        help="Physical networks on which flat networks may be created. '*' allows any; "
        "an empty list disables flat networks.",
    ),
]

vlan_opts = [
    cfg.ListOpt(
        "network_vlan_ranges",
        default=[],
        help="<physnet>:<vlan_min>:<vlan_max> or <physnet> entries naming the physical "
        "networks usable for VLAN provider networks and the VLAN ranges of each that "
        "project networks may be allocated from. A bare <physnet> stands for 1:4094.",
    ),
]

vxlan_opts = [
    cfg.ListOpt(
        "vni_ranges",
        default=[],
        help="<vni_min>:<vni_max> ranges of VXLAN VNIs available for project networks.",
    ),
    cfg.StrOpt(
        "vxlan_group",
        help="Multicast group for VXLAN. When set, agents send broadcast traffic to this "
        "group instead of head-end replication to every endpoint.",
    ),
]

gre_opts = [
    cfg.ListOpt(
        "tunnel_id_ranges",
        default=[],
        help="<tun_min>:<tun_max> ranges of GRE keys available for project networks.",
    ),
]

geneve_opts = [
    cfg.ListOpt(
        "vni_ranges",
        default=[],
        help="<vni_min>:<vni_max> ranges of Geneve VNIs available for project networks.",
    ),
    cfg.IntOpt(
        "max_header_size",
        default=constants.GENEVE_ENCAP_MIN_OVERHEAD,
        min=constants.GENEVE_ENCAP_MIN_OVERHEAD,
        help="Geneve encapsulation header size in bytes (outer UDP and Geneve headers and "
        "options), used to compute the network MTU.",
    ),
]

database_opts = [
    cfg.StrOpt(
        "connection",
        default="sqlite:///ml2core.sqlite",
        secret=True,
        help="SQLAlchemy URL of the database: a SQLite file (the default, in the working "
        "directory), postgresql+psycopg://… or mysql+pymysql://….",
    ),
    cfg.BoolOpt(
        "auto_migrate",
        default=True,
        help="Apply pending expand migrations when a plugin starts. Contract migrations "
        "only run through 'ml2core db upgrade --contract'.",
    ),
    cfg.IntOpt(
        "max_retries",
        default=10,
        min=0,
        help="How often an operation is retried in a fresh transaction after a deadlock, a "
        "serialization failure, a lock wait that timed out or a lost connection before "
        "RetryableError is raised.",
    ),
    cfg.FloatOpt(
        "lock_timeout",
        default=5.0,
        min=0.1,
        max=3600,
        help="Seconds one statement waits for a lock another session holds (a row, a table, "
        "the SQLite file) before the attempt fails and is retried: PostgreSQL lock_timeout, "
        "MariaDB innodb_lock_wait_timeout and lock_wait_timeout (whole seconds, at least 1), "
        "SQLite busy_timeout. A caller waits at most about (max_retries + 1) x lock_timeout "
        "for locks before RetryableError. Applies to engines ml2core makes from the URL.",
    ),
    cfg.FloatOpt(
        "statement_timeout",
        default=60.0,
        min=0,
        max=86400,
        help="Seconds one statement may run before the server cancels it and the call raises "
        "RetryableError (not retried: it would take as long again). 0 means no limit. "
        "PostgreSQL statement_timeout, MariaDB max_statement_time, MySQL max_execution_time "
        "(reads only); SQLite has none. Applies to engines ml2core makes from the URL.",
    ),
]

_GROUPS: Sequence[tuple[str | None, Sequence[cfg.Opt]]] = (
    (None, default_opts),
    ("ml2", ml2_opts),
    ("ml2_type_flat", flat_opts),
    ("ml2_type_vlan", vlan_opts),
    ("ml2_type_vxlan", vxlan_opts),
    ("ml2_type_gre", gre_opts),
    ("ml2_type_geneve", geneve_opts),
    ("database", database_opts),
)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Return ``[(group, options)]`` for oslo-config-generator."""
    return [(group or "DEFAULT", list(opts)) for group, opts in _GROUPS]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register every ml2core option on ``conf``; safe to call again."""
    for group, opts in _GROUPS:
        for opt in opts:
            try:
                conf.register_opt(opt, group=group)
            except cfg.DuplicateOptError as exc:
                raise ConfigError(
                    option=f"[{group or 'DEFAULT'}] {opt.name}",
                    entry=opt.name,
                    reason=f"already registered differently by another component ({exc})",
                ) from exc


def new_conf(args: Sequence[str] = (), config_files: Sequence[str] = ()) -> cfg.ConfigOpts:
    """Return a fresh, parsed ``ConfigOpts`` with ml2core's options registered.

    Raises ConfigError naming a config file that is not UTF-8 text, and
    what oslo.config raises for other unreadable files.
    """
    conf = cfg.ConfigOpts()
    register_opts(conf)
    parse(
        conf,
        args,
        project="ml2core",
        default_config_files=list(config_files),
        default_config_dirs=[],
        validate_default_values=True,
    )
    return conf


@dataclass(frozen=True)
class Settings:
    """The parsed form of the options the core itself uses."""

    type_drivers: list[str]
    project_network_types: list[str]
    mechanism_drivers: list[str]
    extension_drivers: list[str]
    max_bind_tries: int = 10
    max_retries: int = 10
    agent_down_time: int = 75
    base_mac: str = constants.DEFAULT_BASE_MAC


def _opt_value(conf: cfg.ConfigOpts, group: str | None, name: str) -> object:
    option = f"[{group or 'DEFAULT'}] {name}"
    try:
        return getattr(conf[group], name) if group else getattr(conf, name)
    except (cfg.ConfigFileValueError, ValueError) as exc:
        raise ConfigError(option=option, entry=name, reason=str(exc)) from exc
    except cfg.Error as exc:
        raise ConfigError(option=option, entry=name, reason=str(exc)) from exc


def _names(conf: cfg.ConfigOpts, group: str, name: str) -> list[str]:
    value = _opt_value(conf, group, name)
    assert isinstance(value, list)
    result: list[str] = []
    for raw in value:
        entry = str(raw).strip()
        if not entry:
            raise ConfigError(option=f"[{group}] {name}", entry=raw, reason="empty driver name")
        if entry in result:
            raise ConfigError(option=f"[{group}] {name}", entry=raw, reason="listed twice")
        result.append(entry)
    return result


def validate(conf: cfg.ConfigOpts) -> Settings:
    """Parse and check every ml2core option; raise ConfigError on the first bad one.

    Called by ``Ml2Plugin`` before it touches the database. Does not block.
    """
    for group, opts in _GROUPS:
        for opt in opts:
            value = _opt_value(conf, group, opt.dest)
            if value is None and opt.default is not None:
                # ``name =`` with nothing after it parses as None for most types.
                raise ConfigError(
                    option=f"[{group or 'DEFAULT'}] {opt.dest}", entry="", reason="the value is empty"
                )
    type_drivers = _names(conf, "ml2", "type_drivers")
    project_types = _names(conf, "ml2", "project_network_types")
    for name in project_types:
        if name not in type_drivers:
            raise ConfigError(
                option="[ml2] project_network_types",
                entry=name,
                reason=f"network type {name!r} is not in [ml2] type_drivers {type_drivers}",
            )
    ranges.parse_network_vlan_ranges(conf.ml2_type_vlan.network_vlan_ranges)
    ranges.parse_flat_networks(conf.ml2_type_flat.flat_networks)
    ranges.parse_tunnel_ranges(
        conf.ml2_type_vxlan.vni_ranges,
        option="[ml2_type_vxlan] vni_ranges",
        bounds=(constants.MIN_VXLAN_VNI, constants.MAX_VXLAN_VNI),
    )
    ranges.parse_tunnel_ranges(
        conf.ml2_type_geneve.vni_ranges,
        option="[ml2_type_geneve] vni_ranges",
        bounds=(constants.MIN_GENEVE_VNI, constants.MAX_GENEVE_VNI),
    )
    ranges.parse_tunnel_ranges(
        conf.ml2_type_gre.tunnel_id_ranges,
        option="[ml2_type_gre] tunnel_id_ranges",
        bounds=(constants.MIN_GRE_ID, constants.MAX_GRE_ID),
    )
    ranges.parse_physnet_mtus(conf.ml2.physical_network_mtus)  # validated here, read by the type drivers
    base_mac = str(conf.base_mac)
    _validate_base_mac(base_mac)
    return Settings(
        type_drivers=type_drivers,
        project_network_types=project_types,
        mechanism_drivers=_names(conf, "ml2", "mechanism_drivers"),
        extension_drivers=_names(conf, "ml2", "extension_drivers"),
        max_bind_tries=int(conf.ml2.max_bind_tries),
        max_retries=int(conf.database.max_retries),
        agent_down_time=int(conf.agent_down_time),
        base_mac=base_mac.lower(),
    )


def _validate_base_mac(value: str) -> None:
    parts = value.split(":")
    ok = len(parts) == 6 and all(len(p) == 2 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts)
    if not ok:
        raise ConfigError(
            option="[DEFAULT] base_mac", entry=value, reason="expected six hex octets like fa:16:3e:00:00:00"
        )
    if int(parts[0], 16) & 1:
        raise ConfigError(
            option="[DEFAULT] base_mac", entry=value, reason="the first octet is a multicast address"
        )
