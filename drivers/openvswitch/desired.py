"""What the switch should hold for a list of ports: pure computation, no OVSDB access.

Naming follows Neutron's OVS agent: VM ports ``tap<port id[:11]>`` on the
integration bridge, tunnel ports ``<type>-<remote IP in hex>`` on the
tunnel bridge, patch ports ``int-<bridge>`` / ``phy-<bridge>`` to provider
bridges. Each network gets a host-local VLAN (``lvid``) on the integration
bridge, kept across syncs and restarts (recorded on the integration
bridge's ``external_ids``).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from drivers.openvswitch.config import OvsSettings
from ml2core import constants
from ml2core.dataplane import PortInfo, PortSpec, parse_port_info

__all__ = [
    "DEAD_VLAN",
    "LVID_KEY_PREFIX",
    "TUNNEL_TYPES",
    "NetworkPlan",
    "OvsDesired",
    "TunnelSpec",
    "build_desired",
    "patch_port_names",
    "tunnel_port_name",
]

#: The VLAN of administratively down ports (dropped), as Neutron's DEAD_VLAN_TAG.
DEAD_VLAN = 4095
#: external_ids key prefix on the integration bridge: ``ml2core-lvid-<network id>`` = local VLAN.
LVID_KEY_PREFIX = "ml2core-lvid-"
TUNNEL_TYPES = (constants.TYPE_VXLAN, constants.TYPE_GRE, constants.TYPE_GENEVE)
_DEFAULT_UDP_PORT = {constants.TYPE_VXLAN: 4789, constants.TYPE_GENEVE: 6081}
IFNAMSIZ = 15


def tunnel_port_name(tunnel_type: str, remote_ip: str) -> str:
    """``vxlan-c6336402`` for 198.51.100.2 (a hash for IPv6), at most 15 characters."""
    address = ipaddress.ip_address(remote_ip)
    # IPv6 addresses do not fit in 15 characters: a hash stands in.
    tail = f"{int(address):08x}" if address.version == 4 else hashlib.sha1(remote_ip.encode()).hexdigest()[:8]
    return f"{tunnel_type}-{tail}"[:IFNAMSIZ]


def patch_port_names(bridge: str) -> tuple[str, str]:
    """(port on the integration bridge, port on the provider bridge) for provider ``bridge``."""
    return f"int-{bridge}"[:IFNAMSIZ], f"phy-{bridge}"[:IFNAMSIZ]


@dataclass(frozen=True)
class TunnelSpec:
    """One tunnel port towards one remote endpoint."""

    name: str
    tunnel_type: str
    remote_ip: str
    dst_port: int | None


@dataclass(frozen=True)
class NetworkPlan:
    """One network on this host."""

    network_id: str
    network_type: str
    physical_network: str | None
    segmentation_id: int | None
    mtu: int
    lvid: int
    #: Names of the tunnel ports leading to this network's other hosts.
    tunnels: frozenset[str] = frozenset()


@dataclass
class OvsDesired:
    """Networks, ports and tunnels to realize, and ports that cannot be, with the reason."""

    networks: dict[str, NetworkPlan] = field(default_factory=dict)
    ports: dict[str, PortSpec] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    tunnels: dict[str, TunnelSpec] = field(default_factory=dict)

    @property
    def lvids(self) -> dict[str, int]:
        """``network id -> local VLAN``."""
        return {net.network_id: net.lvid for net in self.networks.values()}


def _check(
    spec: PortSpec, settings: OvsSettings, unavailable: Mapping[str, str], bridges: Iterable[str]
) -> None:
    """Raise ``ValueError`` with the reason ``spec`` cannot be realized here."""
    net_type = spec.network_type
    if net_type in unavailable:
        raise ValueError(f"network type {net_type} is unavailable on this host: {unavailable[net_type]}")
    if (net_type in TUNNEL_TYPES or net_type == constants.TYPE_VLAN) and spec.segmentation_id is None:
        raise ValueError(f"{net_type} segment without segmentation_id")
    if net_type in (constants.TYPE_FLAT, constants.TYPE_VLAN):
        physnet = spec.physical_network
        if not physnet or physnet not in settings.bridge_mappings:
            raise ValueError(f"physical network {physnet} is not in [ovs] bridge_mappings")
        if settings.bridge_mappings[physnet] not in bridges:
            raise ValueError(
                f"provider bridge {settings.bridge_mappings[physnet]} of physical network "
                f"{physnet} does not exist"
            )
    elif net_type not in TUNNEL_TYPES and net_type != constants.TYPE_LOCAL:
        raise ValueError(f"network type {net_type} is not supported by the Open vSwitch backend")


def _tunnels(spec: PortSpec, settings: OvsSettings) -> list[TunnelSpec]:
    result = []
    for endpoint in spec.endpoints:
        if endpoint.tunnel_type not in (None, spec.network_type):
            continue
        if endpoint.ip_address == settings.local_ip:
            continue
        default = _DEFAULT_UDP_PORT.get(spec.network_type)
        port = endpoint.udp_port if endpoint.udp_port and endpoint.udp_port != default else None
        result.append(
            TunnelSpec(
                name=tunnel_port_name(spec.network_type, endpoint.ip_address),
                tunnel_type=spec.network_type,
                remote_ip=endpoint.ip_address,
                dst_port=port if spec.network_type != constants.TYPE_GRE else None,
            )
        )
    return result


def _allocate_lvids(network_ids: list[str], recorded: Mapping[str, int]) -> dict[str, int]:
    """Keep recorded local VLANs; give new networks the lowest free ones."""
    lvids = {net: recorded[net] for net in network_ids if net in recorded}
    used = set(lvids.values())
    candidate = 1
    for net in sorted(n for n in network_ids if n not in lvids):
        while candidate in used:
            candidate += 1
        if candidate >= DEAD_VLAN:
            raise ValueError("no local VLAN left on the integration bridge")
        lvids[net] = candidate
        used.add(candidate)
    return lvids


def build_desired(
    port_infos: Iterable[PortInfo],
    settings: OvsSettings,
    unavailable: Mapping[str, str],
    bridges: Iterable[str],
    recorded_lvids: Mapping[str, int],
) -> OvsDesired:
    """Compute the target for ``port_infos``; never raises for a bad port (it gets an error)."""
    desired = OvsDesired()
    bridges = set(bridges)
    specs: list[PortSpec] = []
    taps: dict[str, str] = {}
    for info in port_infos:
        try:
            spec = parse_port_info(info)
        except (KeyError, TypeError, ValueError) as exc:
            port_id = str((info.get("port") or {}).get("id", "?"))
            desired.errors[port_id] = f"malformed port_info: {exc!r}"
            continue
        try:
            if taps.setdefault(spec.tap, spec.port_id) != spec.port_id:
                raise ValueError(f"device name {spec.tap} collides with port {taps[spec.tap]}")
            _check(spec, settings, unavailable, bridges)
        except ValueError as exc:
            desired.errors[spec.port_id] = str(exc)
            continue
        specs.append(spec)
    first: dict[str, PortSpec] = {}
    tunnels_of: dict[str, set[str]] = {}
    for spec in specs:
        first.setdefault(spec.network_id, spec)
        desired.ports[spec.port_id] = spec
        if spec.network_type in TUNNEL_TYPES:
            names = tunnels_of.setdefault(spec.network_id, set())
            for tunnel in _tunnels(spec, settings):
                desired.tunnels.setdefault(tunnel.name, tunnel)
                names.add(tunnel.name)
    lvids = _allocate_lvids(list(first), recorded_lvids)
    for net_id, spec in first.items():
        desired.networks[net_id] = NetworkPlan(
            network_id=net_id,
            network_type=spec.network_type,
            physical_network=spec.physical_network,
            segmentation_id=spec.segmentation_id,
            mtu=spec.mtu,
            lvid=lvids[net_id],
            tunnels=frozenset(tunnels_of.get(net_id, ())),
        )
    return desired
