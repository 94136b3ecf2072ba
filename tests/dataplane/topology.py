"""Building blocks of the dataplane tests: networks, port_info dicts, hosts with a backend.

port_info dicts are written by hand here (what ``get_host_ports`` returns),
so the backends are tested without the controller.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from drivers.linuxbridge import LinuxBridgeBackend
from drivers.openvswitch import OpenvswitchBackend
from ml2core.dataplane import tap_device_name
from ml2core.testing.config import make_conf
from ml2core.testing.hosts import HostLab, NetnsHost, OvsSandbox, VmNamespace, Wire

UNDERLAY = "198.51.100"
TUNNEL_MTU = 1450  # 1500 underlay - 50 bytes of VXLAN/GENEVE over IPv4


@dataclass(frozen=True)
class Net:
    """A network as the plugin would describe it."""

    network_type: str
    segmentation_id: int | None = None
    physical_network: str | None = None
    mtu: int = 1500
    vxlan_group: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def segment(self) -> dict[str, Any]:
        segment: dict[str, Any] = {
            "network_type": self.network_type,
            "physical_network": self.physical_network,
            "segmentation_id": self.segmentation_id,
        }
        if self.vxlan_group:
            segment["vxlan_group"] = self.vxlan_group
        return segment


@dataclass
class Port:
    """A port of ``net`` bound to a host, with its VM's addresses."""

    net: Net
    ip: str
    mac: str
    admin_state_up: bool = True
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def tap(self) -> str:
        return tap_device_name(self.id)

    def info(self, endpoints: Sequence[str] = (), tunnel_type: str | None = None) -> dict[str, Any]:
        """The port_info of this port, with ``endpoints`` as the network's other VTEPs."""
        kind = tunnel_type or self.net.network_type
        return {
            "port": {
                "id": self.id,
                "network_id": self.net.id,
                "mac_address": self.mac,
                "fixed_ips": [{"subnet_id": "subnet", "ip_address": self.ip}],
                "admin_state_up": self.admin_state_up,
                "status": "DOWN",
                "device_owner": "compute:nova",
                "device_id": "vm",
                "binding:host_id": "host",
                "binding:vnic_type": "normal",
                "binding:profile": {},
                "binding:vif_type": "ovs",
                "binding:vif_details": {},
            },
            "network": {"id": self.net.id, "mtu": self.net.mtu, "name": "net"},
            "segment": self.net.segment(),
            "tunnel_endpoints": [
                {"ip_address": ip, "host": f"host-{ip}", "udp_port": None, "tunnel_type": kind}
                for ip in endpoints
            ],
            "remote_ports": [],
        }


_mac_counter = iter(range(1, 1 << 16))


def make_port(net: Net, ip: str, **kwargs: Any) -> Port:
    n = next(_mac_counter)
    return Port(net=net, ip=ip, mac=f"fa:16:3e:00:{n >> 8:02x}:{n & 0xFF:02x}", **kwargs)


@dataclass
class Host:
    """A host namespace with an underlay address and a backend."""

    ns: NetnsHost
    ip: str
    backend: Any
    ovs: OvsSandbox | None = None

    def vm(self, lab: HostLab, port: Port) -> VmNamespace:
        prefix = 24
        return lab.vm(self.ns, port.tap, mac=port.mac, address=f"{port.ip}/{prefix}", mtu=port.net.mtu)


def lb_host(
    lab: HostLab,
    wire: Wire,
    index: int,
    *,
    physical: Wire | None = None,
    vxlan: dict[str, Any] | None = None,
    initialize: bool = True,
) -> Host:
    """A Linux bridge host on ``wire`` (underlay .<index>), optionally with physnet1 on ``physical``."""
    ns = lab.host(f"lb{index}")
    ip = f"{UNDERLAY}.{index}"
    wire.attach(ns, "ul0", address=f"{ip}/24")
    groups: dict[str, dict[str, Any]] = {"vxlan": {"local_ip": ip, **(vxlan or {})}}
    if physical is not None:
        physical.attach(ns, "ph0")
        groups["linux_bridge"] = {"physical_interface_mappings": ["physnet1:ph0"]}
    backend = LinuxBridgeBackend(make_conf(**groups), netns=ns.name)
    lab.defer(backend.close)
    if initialize:
        backend.initialize()
    return Host(ns=ns, ip=ip, backend=backend)


def ovs_host(
    lab: HostLab,
    wire: Wire,
    index: int,
    *,
    physical: Wire | None = None,
    datapath_type: str = "netdev",
    initialize: bool = True,
) -> Host:
    """An Open vSwitch host: private OVS, underlay on br-phy, physnet1 on br-phys1 when ``physical``."""
    ns = lab.host(f"ovs{index}")
    sandbox = lab.ovs(ns)
    ip = f"{UNDERLAY}.{index}"
    wire.attach(ns, "ul0")
    sandbox.setup_tunnel_underlay("ul0", f"{ip}/24")
    ovs: dict[str, Any] = {"local_ip": ip, "datapath_type": datapath_type}
    if physical is not None:
        physical.attach(ns, "ph0")
        sandbox.add_bridge("br-phys1", datapath_type=datapath_type)
        sandbox.add_port("br-phys1", "ph0")
        ovs["bridge_mappings"] = ["physnet1:br-phys1"]
    backend = OpenvswitchBackend(
        make_conf(ovs=ovs),
        ovsdb_connection=sandbox.db_connection,
        ovs_rundir=sandbox.rundir,
        netns=ns.name,
    )
    lab.defer(backend.close)
    if initialize:
        backend.initialize()
    return Host(ns=ns, ip=ip, backend=backend, ovs=sandbox)


def new_ovs_backend(host: Host) -> OpenvswitchBackend:
    """A second backend on the same switch (an agent restart)."""
    assert host.ovs is not None
    backend = OpenvswitchBackend(
        host.backend.conf,
        ovsdb_connection=host.ovs.db_connection,
        ovs_rundir=host.ovs.rundir,
        netns=host.ns.name,
    )
    return backend


def new_lb_backend(host: Host) -> LinuxBridgeBackend:
    """A second Linux bridge backend on the same host (an agent restart)."""
    return LinuxBridgeBackend(host.backend.conf, netns=host.ns.name)
