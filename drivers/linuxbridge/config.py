"""Options of the Linux bridge backend (``[linux_bridge]`` and ``[vxlan]``, as Neutron's agent)."""

from __future__ import annotations

from dataclasses import dataclass

from oslo_config import cfg

from ml2core.exceptions import ConfigError

__all__ = ["DEFAULT_DEVICE_GROUP", "LinuxBridgeSettings", "list_opts", "load", "register_opts"]

#: Kernel device group (IFLA_GROUP) stamped on devices ml2core creates: "ml2" in ASCII.
DEFAULT_DEVICE_GROUP = 0x6D6C32

linux_bridge_opts = [
    cfg.ListOpt(
        "physical_interface_mappings",
        default=[],
        help="<physical_network>:<interface> pairs. Flat networks of that physical network "
        "enslave the interface to their bridge; VLAN networks use <interface>.<vlan> 802.1Q "
        "devices (where the kernel has 8021q).",
    ),
    cfg.StrOpt(
        "netns",
        help="Network namespace to operate in (by name, as under /run/netns). Unset: the "
        "agent's own namespace. Tests use it to run one host per namespace.",
    ),
    cfg.IntOpt(
        "device_group",
        default=DEFAULT_DEVICE_GROUP,
        min=1,
        max=2**31 - 1,
        help="Kernel device group stamped on every bridge, VXLAN and VLAN device this backend "
        "creates. Only devices in this group are ever changed or deleted, so devices ml2core "
        "did not create stay untouched whatever their names.",
    ),
]

vxlan_opts = [
    cfg.BoolOpt("enable_vxlan", default=True, help="Realize VXLAN networks."),
    cfg.IPOpt("local_ip", version=4, help="This host's tunnel endpoint (VTEP) IPv4 address."),
    cfg.PortOpt("udp_dstport", default=4789, help="UDP destination port of VXLAN packets (IANA 4789)."),
    cfg.IPOpt(
        "vxlan_group",
        version=4,
        help="Multicast group for networks whose segment names none. Unset: unicast head-end "
        "replication to the tunnel endpoints the plugin reports.",
    ),
    cfg.IntOpt(
        "ttl", min=1, max=255, help="TTL of VXLAN packets (multicast needs it). Unset: kernel default."
    ),
    cfg.BoolOpt(
        "udp_csum",
        default=True,
        help="Compute UDP checksums of transmitted VXLAN packets. Turn off (noudpcsum) when "
        "peers are Open vSwitch userspace VTEPs reading a veth raw: they drop packets with "
        "partial checksums.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the backend's options on ``conf`` (idempotent)."""
    conf.register_opts(linux_bridge_opts, group="linux_bridge")
    conf.register_opts(vxlan_opts, group="vxlan")


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """The options, for ``oslo-config-generator``."""
    return [("linux_bridge", list(linux_bridge_opts)), ("vxlan", list(vxlan_opts))]


@dataclass(frozen=True)
class LinuxBridgeSettings:
    """The parsed options."""

    interface_mappings: dict[str, str]
    netns: str | None
    device_group: int
    enable_vxlan: bool
    local_ip: str | None
    udp_dstport: int
    vxlan_group: str | None
    ttl: int | None
    udp_csum: bool


def parse_mappings(entries: list[str], option: str) -> dict[str, str]:
    """``["physnet1:eth1", ...]`` -> ``{"physnet1": "eth1"}``; raises ConfigError."""
    result: dict[str, str] = {}
    for entry in entries:
        key, sep, value = entry.strip().partition(":")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ConfigError(option=option, entry=entry, reason="expected <physical_network>:<name>")
        if key in result:
            raise ConfigError(option=option, entry=entry, reason=f"physical network {key} given twice")
        if value in result.values():
            raise ConfigError(option=option, entry=entry, reason=f"{value} mapped twice")
        if len(value) > 15:
            raise ConfigError(option=option, entry=entry, reason="device names have at most 15 characters")
        result[key] = value
    return result


def load(conf: cfg.ConfigOpts) -> LinuxBridgeSettings:
    """Read the registered options; raises ConfigError on a malformed value."""
    lb = conf.linux_bridge
    vx = conf.vxlan
    return LinuxBridgeSettings(
        interface_mappings=parse_mappings(
            list(lb.physical_interface_mappings), "[linux_bridge] physical_interface_mappings"
        ),
        netns=lb.netns or None,
        device_group=int(lb.device_group),
        enable_vxlan=bool(vx.enable_vxlan),
        local_ip=str(vx.local_ip) if vx.local_ip else None,
        udp_dstport=int(vx.udp_dstport),
        vxlan_group=str(vx.vxlan_group) if vx.vxlan_group else None,
        ttl=int(vx.ttl) if vx.ttl is not None else None,
        udp_csum=bool(vx.udp_csum),
    )
