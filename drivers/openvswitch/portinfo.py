"""Reading ``port_info`` dicts (items of ``get_host_ports``) into typed values.

The same reading as the Linux bridge backend's (kept separate so each backend
stands alone, as a vendor's would).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ml2core import constants
from ml2core.dataplane import PortInfo, tap_device_name

__all__ = ["Endpoint", "PortSpec", "parse_port_info", "tap_device_name"]

@dataclass(frozen=True)
class Endpoint:
    """A remote tunnel endpoint of a network."""

    ip_address: str
    udp_port: int | None
    tunnel_type: str | None


@dataclass(frozen=True)
class PortSpec:
    """What a backend needs of one ``port_info``."""

    port_id: str
    network_id: str
    mac_address: str
    admin_state_up: bool
    mtu: int
    network_type: str
    physical_network: str | None
    segmentation_id: int | None
    vxlan_group: str | None
    endpoints: tuple[Endpoint, ...]

    @property
    def tap(self) -> str:
        """The host-side device name."""
        return tap_device_name(self.port_id)


def _endpoint(raw: dict[str, Any]) -> Endpoint:
    port = raw.get("udp_port")
    return Endpoint(
        ip_address=str(raw["ip_address"]),
        udp_port=int(port) if port else None,
        tunnel_type=str(raw["tunnel_type"]) if raw.get("tunnel_type") else None,
    )


def parse_port_info(info: PortInfo) -> PortSpec:
    """Read one ``port_info``; raises ``KeyError``/``ValueError``/``TypeError`` when malformed."""
    port = info["port"]
    network = info.get("network") or {}
    segment = info["segment"]
    seg_id = segment.get("segmentation_id")
    return PortSpec(
        port_id=str(port["id"]),
        network_id=str(port.get("network_id") or network["id"]),
        mac_address=str(port.get("mac_address") or ""),
        admin_state_up=bool(port.get("admin_state_up", True)),
        mtu=int(network.get("mtu") or constants.DEFAULT_NETWORK_MTU),
        network_type=str(segment["network_type"]),
        physical_network=str(segment["physical_network"]) if segment.get("physical_network") else None,
        segmentation_id=int(seg_id) if seg_id is not None else None,
        vxlan_group=str(segment["vxlan_group"]) if segment.get("vxlan_group") else None,
        endpoints=tuple(_endpoint(e) for e in info.get("tunnel_endpoints") or ()),
    )
