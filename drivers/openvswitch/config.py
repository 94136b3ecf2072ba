"""Options of the Open vSwitch backend (``[ovs]``, names as Neutron's OVS agent)."""

from __future__ import annotations

from dataclasses import dataclass

from oslo_config import cfg

from ml2core.exceptions import ConfigError

__all__ = ["OvsSettings", "list_opts", "load", "register_opts"]

ovs_opts = [
    cfg.StrOpt("integration_bridge", default="br-int", help="The integration bridge VM ports go on."),
    cfg.StrOpt("tunnel_bridge", default="br-tun", help="The bridge holding the tunnel ports."),
    cfg.StrOpt(
        "int_peer_patch_port",
        default="patch-tun",
        help="Patch port on the integration bridge towards the tunnel bridge.",
    ),
    cfg.StrOpt(
        "tun_peer_patch_port",
        default="patch-int",
        help="Patch port on the tunnel bridge towards the integration bridge.",
    ),
    cfg.ListOpt(
        "bridge_mappings",
        default=[],
        help="<physical_network>:<bridge> pairs. The provider bridges must exist (the operator "
        "creates them with their physical port); ml2core patches them to the integration bridge.",
    ),
    cfg.IPOpt("local_ip", version=4, help="This host's tunnel endpoint address. Unset: no tunnel networks."),
    cfg.StrOpt(
        "datapath_type",
        default="system",
        help="Datapath of the bridges ml2core creates: 'system' (kernel module) or 'netdev' (userspace).",
    ),
    cfg.StrOpt(
        "ovsdb_connection",
        default="unix:/var/run/openvswitch/db.sock",
        help="OVSDB server to manage, e.g. unix:/path/db.sock or tcp:127.0.0.1:6640.",
    ),
    cfg.IntOpt("ovsdb_timeout", default=10, min=1, help="Seconds to wait for an OVSDB transaction."),
    cfg.StrOpt(
        "ovs_rundir",
        help="Directory holding the bridges' OpenFlow sockets (<bridge>.mgmt), as OVS_RUNDIR. "
        "Unset: ovs-ofctl's default (/var/run/openvswitch).",
    ),
    cfg.StrOpt(
        "netns",
        help="Network namespace the VM devices live in (where ovs-vswitchd runs). Unset: the agent's own.",
    ),
    cfg.BoolOpt("tunnel_csum", default=False, help="Set the checksum option on tunnel ports."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the backend's options on ``conf`` (idempotent)."""
    conf.register_opts(ovs_opts, group="ovs")


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """The options, for ``oslo-config-generator``."""
    return [("ovs", list(ovs_opts))]


@dataclass(frozen=True)
class OvsSettings:
    """The parsed options."""

    integration_bridge: str
    tunnel_bridge: str
    int_peer_patch_port: str
    tun_peer_patch_port: str
    bridge_mappings: dict[str, str]
    local_ip: str | None
    datapath_type: str
    ovsdb_connection: str
    ovsdb_timeout: int
    ovs_rundir: str | None
    netns: str | None
    tunnel_csum: bool


def _mappings(entries: list[str]) -> dict[str, str]:
    option = "[ovs] bridge_mappings"
    result: dict[str, str] = {}
    for entry in entries:
        key, sep, value = entry.strip().partition(":")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ConfigError(option=option, entry=entry, reason="expected <physical_network>:<bridge>")
        if key in result or value in result.values():
            raise ConfigError(option=option, entry=entry, reason="physical network or bridge given twice")
        result[key] = value
    return result


def load(conf: cfg.ConfigOpts) -> OvsSettings:
    """Read the registered options; raises ConfigError on a malformed value."""
    ovs = conf.ovs
    if ovs.datapath_type not in ("system", "netdev"):
        raise ConfigError(
            option="[ovs] datapath_type", entry=ovs.datapath_type, reason="expected system or netdev"
        )
    return OvsSettings(
        integration_bridge=ovs.integration_bridge,
        tunnel_bridge=ovs.tunnel_bridge,
        int_peer_patch_port=ovs.int_peer_patch_port,
        tun_peer_patch_port=ovs.tun_peer_patch_port,
        bridge_mappings=_mappings(list(ovs.bridge_mappings)),
        local_ip=str(ovs.local_ip) if ovs.local_ip else None,
        datapath_type=ovs.datapath_type,
        ovsdb_connection=ovs.ovsdb_connection,
        ovsdb_timeout=int(ovs.ovsdb_timeout),
        ovs_rundir=ovs.ovs_rundir or None,
        netns=ovs.netns or None,
        tunnel_csum=bool(ovs.tunnel_csum),
    )
