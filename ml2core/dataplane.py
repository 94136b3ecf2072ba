"""The host dataplane contract (os-vif-like).

A backend realizes the ports bound to its host: Linux bridges and VXLAN
devices, Open vSwitch bridges and flows, SR-IOV VFs. Backends load from the
``ml2core.dataplane`` entry points and never see the database: they get
items of ``Ml2Plugin.get_host_ports`` (``port_info``)::

    {"port": {...}, "network": {"id", "mtu", ...},
     "segment": {"network_type", "physical_network", "segmentation_id"},
     "tunnel_endpoints": [{"ip_address", "host", "udp_port"}],
     "remote_ports": [{"mac_address", "ip_address", "tunnel_ip"}]}

Netlink and OVSDB have no transaction across a whole host, so the promise
is convergence: :meth:`DataplaneBackend.sync` repairs whatever an
interrupted sync left behind.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ml2core import constants

if TYPE_CHECKING:
    from oslo_config import cfg

__all__ = [
    "BackendDescription",
    "DataplaneBackend",
    "Endpoint",
    "PortInfo",
    "PortSpec",
    "SyncReport",
    "parse_port_info",
    "tap_device_name",
]

#: One item of ``get_host_ports``.
PortInfo = dict[str, Any]


def tap_device_name(port_id: str) -> str:
    """The host-side device of port ``port_id``: ``tap`` + its first 11 characters (as Neutron).

    The name a hypervisor gives the VM's tap (or veth host end) and the
    device the ``linuxbridge`` and ``openvswitch`` backends plug; at most
    14 characters, within the kernel's 15.
    """
    return f"tap{port_id[:11]}"


@dataclass(frozen=True)
class Endpoint:
    """A remote tunnel endpoint of a network (an item of ``tunnel_endpoints``)."""

    ip_address: str
    udp_port: int | None
    tunnel_type: str | None


@dataclass(frozen=True)
class PortSpec:
    """What a backend needs of one ``port_info``, typed (see :func:`parse_port_info`)."""

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
        """The host-side device name (:func:`tap_device_name`)."""
        return tap_device_name(self.port_id)


def _endpoint(raw: dict[str, Any]) -> Endpoint:
    port = raw.get("udp_port")
    return Endpoint(
        ip_address=str(raw["ip_address"]),
        udp_port=int(port) if port else None,
        tunnel_type=str(raw["tunnel_type"]) if raw.get("tunnel_type") else None,
    )


def parse_port_info(info: PortInfo) -> PortSpec:
    """Read one ``port_info``; raises ``KeyError``/``ValueError``/``TypeError`` when malformed.

    Pure; backends call it for every item they are given and report a
    malformed one as that port's error.
    """
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


@dataclass(frozen=True)
class BackendDescription:
    """What a backend can realize on this host (after its capability probes)."""

    name: str
    network_types: frozenset[str]
    vnic_types: frozenset[str]
    vif_types: frozenset[str]
    #: Features this host lacks, with the reason (``{"vlan": "no 8021q in kernel"}``).
    unavailable: dict[str, str] = field(default_factory=dict)


@dataclass
class SyncReport:
    """What a sync did: changes applied and the resulting state of each port."""

    #: Number of changes applied (0 when the host already matched).
    changes: int = 0
    #: ``port_id -> "ACTIVE" | "DOWN"`` for every port in the desired list.
    port_status: dict[str, str] = field(default_factory=dict)
    #: ``port_id -> reason`` for ports that could not be realized.
    errors: dict[str, str] = field(default_factory=dict)
    #: Ports removed because they are no longer bound here.
    removed: list[str] = field(default_factory=list)


class DataplaneBackend(abc.ABC):
    """Realizes bound ports on one host.

    The agent sets :attr:`conf` (the agent's ``ConfigOpts``, on which the
    backend registers its own options) and calls :meth:`initialize` once.
    Every method may block on the kernel or on OVSDB; none touches the
    database. Failures raise ``ml2core.exceptions.DataplaneError``. A
    backend only ever changes what it created (marked by device name,
    ``external_ids`` or a state file).
    """

    conf: cfg.ConfigOpts
    name: str = ""

    @abc.abstractmethod
    def initialize(self) -> None:
        """Probe the host's capabilities and prepare (integration bridge, state dir)."""

    @abc.abstractmethod
    def describe(self) -> BackendDescription:
        """Network types, vnic types and VIF types this backend supports here."""

    @abc.abstractmethod
    def plug(self, port_info: PortInfo) -> None:
        """Realize one port (idempotent)."""

    @abc.abstractmethod
    def unplug(self, port_id: str) -> None:
        """Remove one port and whatever only it needed (idempotent)."""

    @abc.abstractmethod
    def sync(self, port_infos: Sequence[PortInfo]) -> SyncReport:
        """Make the host match exactly ``port_infos``.

        Idempotent: a second run with the same list changes nothing. Ports
        realized earlier and absent from the list are removed; devices
        ml2core did not create are never touched.
        """

    def close(self) -> None:
        """Release connections (OVSDB, netlink sockets)."""
