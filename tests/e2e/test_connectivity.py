"""Two hosts, two networks on one IP subnet, four VMs: each network connects its VMs and nothing else.

Per case: ports are created through the plugin (bound to the hosts by
the mechanism drivers, as the agents reported), one ``ml2core-agent``
pass per host realizes them, then VM a1 (host 1) reaches a2 (host 2) with
a full-size packet at the network's MTU and cannot reach b1 or b2 (the
other network, same subnet). Captures on host 2's underlay (and
provider wire) during those probes show network A's encapsulation (the
VLAN tag, VNI or key: a positive control) and not one packet in network
B's, and b1's and b2's own interfaces see nothing (issue 10: no packet of
one network is delivered into another).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest

from ml2core.testing.hosts import (
    HostLab,
    PacketCapture,
    Wire,
    link_kind_unavailable,
    ovs_kernel_datapath_unavailable,
    tap_device_name,
)
from tests.e2e.cloud import Cloud, E2eHost, lb_host, ovs_host, start_agents, sync_all
from tests.e2e.conftest import require_tcpdump

pytestmark = pytest.mark.dataplane

Segment = tuple[str, int | None, str | None]  # network_type, segmentation_id, physical_network


def _no_8021q() -> str | None:
    reason = link_kind_unavailable("vlan")
    return f"kernel has no 802.1Q VLAN devices (CONFIG_VLAN_8021Q): {reason}" if reason else None


@dataclass(frozen=True)
class Case:
    id: str
    kinds: tuple[str, str]  # host 1, host 2: "lb" or "ovs"
    net_a: Segment
    net_b: Segment
    datapath: str = "netdev"
    lb_vxlan: dict[str, Any] = field(default_factory=dict)
    probe: Callable[[], str | None] | None = None

    @property
    def needs_ovs(self) -> bool:
        return "ovs" in self.kinds

    @property
    def needs_physnet(self) -> bool:
        return any(seg[2] is not None for seg in (self.net_a, self.net_b))


CASES = [
    Case("linuxbridge-vxlan", ("lb", "lb"), ("vxlan", 1101, None), ("vxlan", 1102, None)),
    Case("linuxbridge-flat", ("lb", "lb"), ("flat", None, "physnet1"), ("vxlan", 1102, None)),
    Case(
        "linuxbridge-vlan",
        ("lb", "lb"),
        ("vlan", 101, "physnet1"),
        ("vlan", 102, "physnet1"),
        probe=_no_8021q,
    ),
    Case("openvswitch-vlan", ("ovs", "ovs"), ("vlan", 101, "physnet1"), ("vlan", 102, "physnet1")),
    Case("openvswitch-vxlan", ("ovs", "ovs"), ("vxlan", 1101, None), ("vxlan", 1102, None)),
    Case("openvswitch-gre", ("ovs", "ovs"), ("gre", 1101, None), ("gre", 1102, None)),
    Case("openvswitch-geneve", ("ovs", "ovs"), ("geneve", 1101, None), ("geneve", 1102, None)),
    Case("openvswitch-flat", ("ovs", "ovs"), ("flat", None, "physnet1"), ("geneve", 1102, None)),
    Case(
        "openvswitch-vxlan-kernel-datapath",
        ("ovs", "ovs"),
        ("vxlan", 1101, None),
        ("vxlan", 1102, None),
        datapath="system",
        probe=ovs_kernel_datapath_unavailable,
    ),
    # The kernel VTEP sends no partial UDP checksums to the userspace one (lab notes 5.5(3)).
    Case(
        "mixed-linuxbridge-openvswitch-vxlan",
        ("lb", "ovs"),
        ("vxlan", 1101, None),
        ("vxlan", 1102, None),
        lb_vxlan={"udp_csum": False},
    ),
]


def signature(segment: Segment) -> re.Pattern[str] | None:
    """How tcpdump prints a packet of ``segment`` on the wire (``None``: flat, untagged)."""
    network_type, seg_id, _ = segment
    if seg_id is None:
        return None
    text = {
        "vxlan": rf"vni {seg_id}\b",
        "geneve": rf"vni {seg_id:#x}\b",
        "gre": rf"key={seg_id:#x}\b",
        "vlan": rf"vlan {seg_id},",
    }[network_type]
    return re.compile(text)


def _host(
    kind: str, case: Case, cloud: Cloud, lab: HostLab, wire: Wire, index: int, physical: Wire | None
) -> E2eHost:
    if kind == "lb":
        return lb_host(cloud, lab, wire, index, physical=physical, vxlan=case.lb_vxlan)
    return ovs_host(cloud, lab, wire, index, physical=physical, datapath_type=case.datapath)


def _ip(port: dict[str, Any]) -> str:
    return str(port["fixed_ips"][0]["ip_address"])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_network_connects_its_vms_across_hosts_and_nothing_else(
    case: Case, request: pytest.FixtureRequest, cloud: Cloud
) -> None:
    lab: HostLab = request.getfixturevalue("ovs_lab" if case.needs_ovs else "host_lab")
    reason = case.probe() if case.probe else None
    if reason:
        pytest.skip(reason)
    require_tcpdump()
    wire = lab.wire()
    physical = lab.wire("phys") if case.needs_physnet else None
    h1 = _host(case.kinds[0], case, cloud, lab, wire, 1, physical)
    h2 = _host(case.kinds[1], case, cloud, lab, wire, 2, physical)
    start_agents([h1, h2])
    net_a, net_b = cloud.network(*case.net_a), cloud.network(*case.net_b)
    a1, a2 = cloud.port(net_a, h1, 1), cloud.port(net_a, h2, 2)
    b1, b2 = cloud.port(net_b, h1, 3), cloud.port(net_b, h2, 4)
    vm_a1, _ = h1.vm(a1, net_a["mtu"]), h2.vm(a2, net_a["mtu"])
    vm_b1, vm_b2 = h1.vm(b1, net_b["mtu"]), h2.vm(b2, net_b["mtu"])

    passes = sync_all([h1, h2])

    assert [p.sync.errors for p in passes] == [{}, {}]
    assert {p["id"]: cloud.status(p) for p in (a1, a2, b1, b2)} == dict.fromkeys(
        (a1["id"], a2["id"], b1["id"], b2["id"]), "ACTIVE"
    )
    # MTU: the backend gives the tap the network's MTU; a full-size packet passes unfragmented.
    mtu = int(net_a["mtu"])
    assert h1.ns.link_mtu(tap_device_name(a1["id"])) == vm_a1.ns.link_mtu("eth0") == mtu
    assert vm_a1.wait_for_ping(_ip(a2)).ok
    full = vm_a1.ping(_ip(a2), count=2, deadline=3.0, size=mtu - 28, dont_fragment=True)
    assert full.ok, full.output
    assert vm_b1.wait_for_ping(_ip(b2)).ok  # network B works: its silence below means something

    mac, ip = a1["mac_address"], _ip(a1)
    with ExitStack() as stack:
        wires = [stack.enter_context(PacketCapture(h2.ns.name, "ul0", count=1000))]
        if physical is not None:
            wires.append(stack.enter_context(PacketCapture(h2.ns.name, "ph0", count=1000)))
        a1_only = f"ether host {mac} or host {ip}"
        targets = [stack.enter_context(PacketCapture(vm.name, "eth0", a1_only)) for vm in (vm_b1, vm_b2)]
        across = vm_a1.ping(_ip(b2), count=3, deadline=1.0)
        local = vm_a1.ping(_ip(b1), count=3, deadline=1.0)
        own = vm_a1.ping(_ip(a2), count=3, deadline=2.0)

    assert not across.ok and across.received == 0, across.output
    assert not local.ok and local.received == 0, local.output
    assert own.ok, own.output
    # Hosts' own IPv6 chatter rides the networks too: only a1's packets matter.
    of_a1 = [pkt for pkt in packets(line for c in wires for line in c.lines) if mac in pkt or ip in pkt]
    sig_a, sig_b = signature(case.net_a), signature(case.net_b)
    if sig_a is not None:  # positive control: a1's packets carry network A's tag / VNI / key
        assert any(sig_a.search(pkt) for pkt in of_a1), of_a1
    else:  # flat: a1's packets cross the provider wire untagged
        assert any("802.1Q" not in pkt for pkt in of_a1), of_a1
    assert sig_b is not None
    leaked = [pkt for pkt in of_a1 if sig_b.search(pkt)]
    assert not leaked, "\n".join(leaked)
    assert [t.lines for t in targets] == [[], []]


_TIMESTAMP = re.compile(r"^\d\d:\d\d:\d\d\.\d+ ")


def packets(lines: Iterable[str]) -> list[str]:
    """tcpdump lines joined per packet (an encapsulated frame is printed on the lines that follow)."""
    result: list[str] = []
    for line in lines:
        if _TIMESTAMP.match(line) or not result:
            result.append(line)
        else:
            result[-1] += " | " + line.strip()
    return result
