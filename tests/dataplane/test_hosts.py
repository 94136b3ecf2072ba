"""The public host fixtures of ml2core.testing.hosts: cleanup and host preparation as documented."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from ml2core.dataplane import tap_device_name as backends_tap_name
from ml2core.testing.hosts import (
    ContinuousPing,
    HostLab,
    OvsSandbox,
    PacketCapture,
    pid_running,
    ping,
    tap_device_name,
    wait_for_ping,
)

pytestmark = pytest.mark.dataplane


def _namespaces() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def test_lab_deletes_its_namespaces_even_when_the_test_body_fails(host_lab: HostLab) -> None:
    made: list[str] = []
    with pytest.raises(RuntimeError), HostLab() as lab:
        made += [lab.host("a").name, lab.wire().host.name]
        raise RuntimeError("test failed")

    assert made and _namespaces().isdisjoint(made)


def test_ovs_sandbox_close_leaves_no_daemon_and_no_run_directory(ovs_lab: HostLab) -> None:
    host = ovs_lab.host("ovs")
    sandbox = OvsSandbox(host).start()
    pids, rundir = sandbox.pids, sandbox.rundir
    assert sandbox.running() and len(pids) == 2

    sandbox.close()

    assert not any(pid_running(pid) for pid in pids)
    assert not os.path.exists(rundir)


def test_ovs_sandbox_keeps_its_sockets_private_and_its_datapath_in_userspace(ovs_lab: HostLab) -> None:
    host = ovs_lab.host("ovs")
    sandbox = ovs_lab.ovs(host)

    sandbox.add_bridge("br-test")

    assert os.path.exists(os.path.join(sandbox.rundir, "br-test.mgmt"))
    assert sandbox.vsctl("get", "Open_vSwitch", ".", "datapath_types").strip() == "[netdev]"
    assert host.link_exists("br-test")  # vswitchd's tap lives in the host namespace


def test_tunnel_underlay_moves_the_address_to_br_phy_and_sets_rp_filter(ovs_lab: HostLab) -> None:
    wire = ovs_lab.wire()
    host, peer = ovs_lab.host("ovs"), ovs_lab.host("peer")
    wire.attach(host, "ul0")
    wire.attach(peer, "ul0", address="198.51.100.2/24")
    sandbox = ovs_lab.ovs(host)

    sandbox.setup_tunnel_underlay("ul0", "198.51.100.1/24")

    assert "198.51.100.1/24" in host.ip("addr", "show", "dev", "br-phy").stdout
    assert host.run("sysctl", "-n", "net.ipv4.conf.ul0.rp_filter").stdout.strip() == "1"
    result = wait_for_ping(host.name, "198.51.100.2", count=2)
    assert result.ok and "DUP" not in result.output


def test_vm_namespace_sets_mac_address_mtu_and_turns_tx_checksum_off(host_lab: HostLab) -> None:
    host = host_lab.host()

    vm = host_lab.vm(host, "tapvmtest0001", mac="fa:16:3e:12:34:56", address="10.9.0.1/24", mtu=1400)

    assert vm.ns.link_mac("eth0") == "fa:16:3e:12:34:56"
    assert vm.ns.link_mtu("eth0") == 1400
    assert "10.9.0.1/24" in vm.ns.ip("addr", "show", "dev", "eth0").stdout
    assert "tx-checksumming: off" in vm.run("ethtool", "-k", "eth0").stdout
    assert host.link_exists("tapvmtest0001")


def test_ping_to_an_unreachable_address_fails_within_its_deadline(host_lab: HostLab) -> None:
    host = host_lab.host()
    host.ip("addr", "add", "10.9.0.1/24", "dev", "lo")
    start = time.monotonic()

    result = ping(host.name, "10.9.0.1", count=1, deadline=1.0)
    missed = ping(host.name, "10.77.0.1", count=1, deadline=1.0)

    assert result.ok and not missed.ok
    assert time.monotonic() - start < 5


def test_packet_capture_records_the_packets_seen_on_an_interface(host_lab: HostLab) -> None:
    wire = host_lab.wire()
    a, b = host_lab.host("a"), host_lab.host("b")
    wire.attach(a, "ul0", address="198.51.100.1/24")
    wire.attach(b, "ul0", address="198.51.100.2/24")

    with PacketCapture(b.name, "ul0", "icmp", count=2) as capture:
        assert wait_for_ping(a.name, "198.51.100.2").ok

    assert any("198.51.100.1 > 198.51.100.2: ICMP echo request" in line for line in capture.lines)


def test_tap_device_name_is_the_one_the_backends_plug() -> None:
    port_id = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"

    assert tap_device_name(port_id) == backends_tap_name(port_id) == "tap5d4c3b2a-1f"


def test_continuous_ping_counts_replies_and_losses(host_lab: HostLab) -> None:
    host = host_lab.host()
    host.ip_batch(
        [
            "addr add 10.9.0.1/24 dev lo",
            "link add quiet0 type veth peer name quiet1",
            "addr add 10.9.1.1/24 dev quiet0",
            "link set quiet0 up",
            "link set quiet1 up",
        ]
    )

    with ContinuousPing(host.name, "10.9.0.1") as good:
        time.sleep(0.3)
    with ContinuousPing(host.name, "10.9.1.2") as bad:  # nobody there
        time.sleep(0.3)

    assert good.transmitted > 2 and good.lost == 0
    assert bad.transmitted > 2 and bad.received == 0
