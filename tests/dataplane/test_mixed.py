"""One VXLAN network across a Linux bridge host and an Open vSwitch host."""

from __future__ import annotations

import pytest

from ml2core.testing.hosts import HostLab
from tests.dataplane.topology import TUNNEL_MTU, Net, lb_host, make_port, ovs_host

pytestmark = pytest.mark.dataplane


def test_linux_bridge_and_open_vswitch_vms_share_a_vxlan_network(ovs_lab: HostLab) -> None:
    wire = ovs_lab.wire()
    # The kernel VTEP sends no partial UDP checksums to the userspace VTEP (lab notes 5.5(3)).
    lb = lb_host(ovs_lab, wire, 1, vxlan={"udp_csum": False})
    ovs = ovs_host(ovs_lab, wire, 2)
    net = Net("vxlan", 4242, mtu=TUNNEL_MTU)
    p1, p2 = make_port(net, "10.0.0.1"), make_port(net, "10.0.0.2")
    vm1, vm2 = lb.vm(ovs_lab, p1), ovs.vm(ovs_lab, p2)

    r1 = lb.backend.sync([p1.info([ovs.ip])])
    r2 = ovs.backend.sync([p2.info([lb.ip])])

    assert r1.port_status == {p1.id: "ACTIVE"} and r2.port_status == {p2.id: "ACTIVE"}
    assert vm1.wait_for_ping(p2.ip).ok
    assert vm2.wait_for_ping(p1.ip, size=net.mtu - 28, dont_fragment=True).ok


def test_mixed_vxlan_networks_sharing_a_subnet_are_isolated(ovs_lab: HostLab) -> None:
    wire = ovs_lab.wire()
    lb = lb_host(ovs_lab, wire, 1, vxlan={"udp_csum": False})
    ovs = ovs_host(ovs_lab, wire, 2)
    net_a, net_b = Net("vxlan", 4242, mtu=TUNNEL_MTU), Net("vxlan", 4243, mtu=TUNNEL_MTU)
    a1, a2, b2 = make_port(net_a, "10.0.0.1"), make_port(net_a, "10.0.0.2"), make_port(net_b, "10.0.0.3")
    vm_a1 = lb.vm(ovs_lab, a1)
    ovs.vm(ovs_lab, a2), ovs.vm(ovs_lab, b2)
    lb.backend.sync([a1.info([ovs.ip])])
    ovs.backend.sync([a2.info([lb.ip]), b2.info([lb.ip])])
    assert vm_a1.wait_for_ping(a2.ip).ok

    assert not vm_a1.ping(b2.ip, count=2, deadline=1.5).ok
