"""What the host should look like for a list of ports: pure computation, no kernel access.

Naming follows Neutron's Linux bridge agent so operators find their way:
``brq`` + 11 characters of the network ID, ``vxlan-<vni>``,
``<interface>.<vlan>``, and the VM side ``tap`` + 11 characters of the port
ID. Ports that cannot be realized here get a reason instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from drivers.linuxbridge.config import LinuxBridgeSettings
from ml2core import constants
from ml2core.dataplane import PortInfo, PortSpec, parse_port_info

__all__ = [
    "Desired",
    "NetworkSpec",
    "VlanSpec",
    "VxlanSpec",
    "bridge_name",
    "build_desired",
    "vlan_device_name",
    "vxlan_device_name",
]

IFNAMSIZ = 15


def bridge_name(network_id: str) -> str:
    """The bridge of network ``network_id``: ``brq`` + its first 11 characters."""
    return f"brq{network_id[:11]}"


def vxlan_device_name(vni: int) -> str:
    """The VXLAN device of VNI ``vni``."""
    return f"vxlan-{vni}"


def vlan_device_name(interface: str, vlan_id: int) -> str:
    """``<interface>.<vlan>``, shortened with a hash when longer than 15 characters."""
    name = f"{interface}.{vlan_id}"
    if len(name) <= IFNAMSIZ:
        return name
    suffix = f".{vlan_id}"
    digest = hashlib.sha1(interface.encode()).hexdigest()[:4]
    return f"{interface[: IFNAMSIZ - len(suffix) - 4]}{digest}{suffix}"


@dataclass(frozen=True)
class VxlanSpec:
    """A VXLAN device and how it floods (multicast ``group`` or unicast ``flood`` targets)."""

    name: str
    vni: int
    local: str
    port: int
    group: str | None
    ttl: int | None
    udp_csum: bool
    #: Head-end replication targets ``(remote VTEP, UDP port or None for the default)``.
    flood: frozenset[tuple[str, int | None]]


@dataclass(frozen=True)
class VlanSpec:
    """An 802.1Q device on a physical interface."""

    name: str
    parent: str
    vlan_id: int


@dataclass(frozen=True)
class NetworkSpec:
    """One network's bridge and its way out of the host (none for ``local``)."""

    network_id: str
    bridge: str
    mtu: int
    network_type: str
    vxlan: VxlanSpec | None = None
    vlan: VlanSpec | None = None
    physical: str | None = None

    @property
    def uplink_name(self) -> str | None:
        """The device ml2core creates for the uplink, if any."""
        if self.vxlan is not None:
            return self.vxlan.name
        if self.vlan is not None:
            return self.vlan.name
        return None


@dataclass
class Desired:
    """Networks and ports to realize, and ports that cannot be, with the reason."""

    networks: dict[str, NetworkSpec] = field(default_factory=dict)
    ports: dict[str, PortSpec] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def ports_of(self, network_id: str) -> list[PortSpec]:
        """The realizable ports of one network."""
        return [p for p in self.ports.values() if p.network_id == network_id]


def _flood_targets(spec: PortSpec, settings: LinuxBridgeSettings) -> frozenset[tuple[str, int | None]]:
    targets: set[tuple[str, int | None]] = set()
    for endpoint in spec.endpoints:
        if endpoint.tunnel_type not in (None, constants.TYPE_VXLAN):
            continue
        if endpoint.ip_address == settings.local_ip:
            continue
        port = endpoint.udp_port if endpoint.udp_port != settings.udp_dstport else None
        targets.add((endpoint.ip_address, port))
    return frozenset(targets)


def _network_for(
    spec: PortSpec, settings: LinuxBridgeSettings, unavailable: Mapping[str, str]
) -> NetworkSpec:
    """The network spec a port needs; raises ``ValueError`` with the reason it cannot be."""
    net_type = spec.network_type
    if net_type in unavailable:
        raise ValueError(f"network type {net_type} is unavailable on this host: {unavailable[net_type]}")
    base = NetworkSpec(
        network_id=spec.network_id,
        bridge=bridge_name(spec.network_id),
        mtu=spec.mtu,
        network_type=net_type,
    )
    if net_type == constants.TYPE_LOCAL:
        return base
    if net_type == constants.TYPE_VXLAN:
        if spec.segmentation_id is None:
            raise ValueError("vxlan segment without segmentation_id")
        if not settings.local_ip:
            raise ValueError("no [vxlan] local_ip configured")
        group = spec.vxlan_group or settings.vxlan_group
        vxlan = VxlanSpec(
            name=vxlan_device_name(spec.segmentation_id),
            vni=spec.segmentation_id,
            local=settings.local_ip,
            port=settings.udp_dstport,
            group=group,
            ttl=settings.ttl,
            udp_csum=settings.udp_csum,
            flood=frozenset() if group else _flood_targets(spec, settings),
        )
        return replace(base, vxlan=vxlan)
    if net_type in (constants.TYPE_FLAT, constants.TYPE_VLAN):
        physnet = spec.physical_network
        if not physnet:
            raise ValueError(f"{net_type} segment without physical_network")
        interface = settings.interface_mappings.get(physnet)
        if interface is None:
            raise ValueError(
                f"physical network {physnet} is not in [linux_bridge] physical_interface_mappings"
            )
        if net_type == constants.TYPE_FLAT:
            return replace(base, physical=interface)
        if spec.segmentation_id is None:
            raise ValueError("vlan segment without segmentation_id")
        vlan = VlanSpec(
            name=vlan_device_name(interface, spec.segmentation_id),
            parent=interface,
            vlan_id=spec.segmentation_id,
        )
        return replace(base, vlan=vlan)
    raise ValueError(f"network type {net_type} is not supported by the Linux bridge backend")


def _merge(first: NetworkSpec, other: NetworkSpec) -> NetworkSpec:
    """Two ports of one network: same network, endpoints united."""
    if first.vxlan is None or other.vxlan is None:
        return first
    return replace(first, vxlan=replace(first.vxlan, flood=first.vxlan.flood | other.vxlan.flood))


def build_desired(
    port_infos: Iterable[PortInfo], settings: LinuxBridgeSettings, unavailable: Mapping[str, str]
) -> Desired:
    """Compute the target state for ``port_infos``; never raises for a bad port (it gets an error)."""
    desired = Desired()
    taps: dict[str, str] = {}
    # Devices a network claims (bridge, uplink, physical interface) -> that network.
    claimed: dict[str, str] = {}
    for info in port_infos:
        try:
            spec = parse_port_info(info)
        except (KeyError, TypeError, ValueError) as exc:
            port_id = str((info.get("port") or {}).get("id", "?"))
            desired.errors[port_id] = f"malformed port_info: {exc!r}"
            continue
        try:
            if spec.tap in taps and taps[spec.tap] != spec.port_id:
                raise ValueError(f"device name {spec.tap} collides with port {taps[spec.tap]}")
            network = _network_for(spec, settings, unavailable)
            claims = [network.bridge, network.uplink_name, network.physical]
            for claim in filter(None, claims):
                holder = claimed.get(claim, spec.network_id)
                if holder != spec.network_id:
                    raise ValueError(f"{claim} already serves network {holder} on this host")
        except ValueError as exc:
            desired.errors[spec.port_id] = str(exc)
            continue
        for claim in filter(None, claims):
            claimed[claim] = spec.network_id
        known = desired.networks.get(spec.network_id)
        desired.networks[spec.network_id] = network if known is None else _merge(known, network)
        desired.ports[spec.port_id] = spec
        taps[spec.tap] = spec.port_id
    return desired
