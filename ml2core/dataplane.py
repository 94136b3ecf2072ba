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

if TYPE_CHECKING:
    from oslo_config import cfg

__all__ = ["BackendDescription", "DataplaneBackend", "PortInfo", "SyncReport", "tap_device_name"]

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
