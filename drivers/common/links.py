"""A network device as the kernel reports it, and the error a failed netlink request raises."""

from __future__ import annotations

from dataclasses import dataclass

from ml2core.exceptions import DataplaneError

__all__ = ["Link", "NetlinkFailure", "VxlanAttrs"]


class NetlinkFailure(DataplaneError):
    """A netlink request failed; ``errno`` holds the kernel's error number (0 if none)."""


@dataclass(frozen=True)
class VxlanAttrs:
    """The attributes of a VXLAN device that ml2core sets."""

    vni: int
    local: str | None
    port: int
    group: str | None
    link: int | None
    udp_csum: bool
    learning: bool
    ttl: int | None


@dataclass(frozen=True)
class Link:
    """One network device as the kernel reports it."""

    index: int
    name: str
    kind: str | None
    master: int | None
    mtu: int
    up: bool
    group: int
    alias: str | None
    vxlan: VxlanAttrs | None = None
    vlan_id: int | None = None
    parent: int | None = None
