"""Host fixtures for dataplane tests: namespace hosts, wires, "VM"s, Open vSwitch sandboxes.

Public, for ml2core's own tests and for vendors testing a dataplane
backend against real packets on one machine (root required)::

    from ml2core.testing.hosts import HostLab, tap_device_name

    with HostLab() as lab:
        wire = lab.wire()
        h1, h2 = lab.host("h1"), lab.host("h2")
        wire.attach(h1, "ul0", address="198.51.100.1/24")
        wire.attach(h2, "ul0", address="198.51.100.2/24")
        vm1 = lab.vm(h1, tap_device_name(port_id), mac="fa:16:3e:00:00:01",
                     address="10.0.0.1/24", mtu=1450)
        ...  # let a backend plug vm1.tap, then
        assert vm1.wait_for_ping("10.0.0.2")

Everything a lab made is removed when it closes, in reverse order, also
after a failure: daemons stopped, namespaces deleted (with their devices).
Host preparation that the lab notes ask of an operator is done here,
never by a backend: :meth:`OvsSandbox.setup_tunnel_underlay` (tunnel
address on ``br-phy``, ``rp_filter=1`` on the underlay veth),
:class:`VmNamespace` (``tx off`` and MTU inside the VM), and
:meth:`NetnsHost.tx_checksum_off` for a kernel VTEP facing OVS userspace
VTEPs (or configure ``[vxlan] udp_csum = false`` on the Linux bridge
backend).

Capability probes return ``None`` when the feature is there, else a
sentence naming what is missing, for ``pytest.skip``.

Pytest fixtures (also registered through ml2core's pytest plugin when
that is installed): ``host_lab`` (a :class:`HostLab`; skips when not root
or without ``ip netns``) and ``ovs_lab`` (the same, skipping when Open
vSwitch is not installed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from types import TracebackType

import pytest

from ml2core.testing.netns import (
    ContinuousPing,
    HostError,
    NetnsHost,
    PacketCapture,
    PingResult,
    VmNamespace,
    Wire,
    link_kind_unavailable,
    pid_running,
    ping,
    tap_device_name,
    unique_tag,
    wait_for_ping,
)
from ml2core.testing.ovs_sandbox import OvsSandbox, ovs_unavailable

__all__ = [
    "ContinuousPing",
    "HostError",
    "HostLab",
    "NetnsHost",
    "OvsSandbox",
    "PacketCapture",
    "PingResult",
    "VmNamespace",
    "Wire",
    "dataplane_unavailable",
    "dpdk_unavailable",
    "host_lab",
    "link_kind_unavailable",
    "ovs_kernel_datapath_unavailable",
    "ovs_lab",
    "ovs_unavailable",
    "pid_running",
    "ping",
    "sriov_unavailable",
    "tap_device_name",
    "unique_tag",
    "wait_for_ping",
]


# -- capability probes ----------------------------------------------------


def dataplane_unavailable() -> str | None:
    """``None`` when namespaces can be made here (root, iproute2, ping), else why not."""
    if os.geteuid() != 0:
        return "dataplane tests need root (network namespaces, veth pairs)"
    for tool in ("ip", "bridge", "ping", "ethtool"):
        if shutil.which(tool) is None:
            return f"dataplane tests need the {tool} command"
    return None


def ovs_kernel_datapath_unavailable() -> str | None:
    """``None`` when the kernel has the Open vSwitch datapath (generic netlink ``ovs_datapath``)."""
    if shutil.which("genl") is None:
        return "cannot probe the OVS kernel datapath: no genl command (iproute2)"
    proc = subprocess.run(
        ["genl", "ctrl", "get", "name", "ovs_datapath"], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return "no Open vSwitch kernel datapath: generic netlink family ovs_datapath does not exist"
    return None


def dpdk_unavailable() -> str | None:
    """``None`` when ovs-vswitchd is built with DPDK (needed for vhost-user ports)."""
    if shutil.which("ovs-vswitchd") is None:
        return "Open vSwitch is not installed"
    proc = subprocess.run(["ovs-vswitchd", "--version"], capture_output=True, text=True, check=False)
    if "DPDK" not in proc.stdout:
        return "ovs-vswitchd is built without DPDK (no vhost-user ports)"
    return None


def sriov_unavailable(sysfs: str = "/sys") -> str | None:
    """``None`` when some PCI device offers SR-IOV virtual functions (``sriov_totalvfs``)."""
    devices = os.path.join(sysfs, "bus", "pci", "devices")
    try:
        names = os.listdir(devices)
    except OSError:
        names = []
    if any(os.path.exists(os.path.join(devices, name, "sriov_totalvfs")) for name in names):
        return None
    return f"no SR-IOV capable device: no {devices}/*/sriov_totalvfs (and no netdevsim)"


# -- the lab --------------------------------------------------------------


class HostLab:
    """Makes hosts, wires, VMs and OVS sandboxes with unique names, and removes them all.

    Use as a context manager (or call :meth:`close`). Every factory blocks
    until its object is ready and raises :class:`HostError` on failure;
    what was made before the failure is still removed by :meth:`close`.
    """

    def __init__(self, prefix: str = "m2c") -> None:
        self.prefix = prefix
        self._stack = ExitStack()

    def __enter__(self) -> HostLab:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Remove everything made, newest first."""
        self._stack.close()

    def defer(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` at :meth:`close` (before what was made earlier is removed)."""
        self._stack.callback(callback)

    def host(self, role: str = "host") -> NetnsHost:
        """A fresh host namespace (loopback up)."""
        return self._stack.enter_context(NetnsHost(role, prefix=self.prefix))

    def wire(self, role: str = "wire", *, mtu: int = 1500) -> Wire:
        """A fresh L2 segment (a switch namespace) to :meth:`Wire.attach` hosts to."""
        return self._stack.enter_context(Wire(role, prefix=self.prefix, mtu=mtu))

    def vm(self, host: NetnsHost, tap: str, *, mac: str, address: str, mtu: int = 1500) -> VmNamespace:
        """A "VM" namespace whose veth's host end ``tap`` is in ``host`` (down, unplugged)."""
        return self._stack.enter_context(
            VmNamespace(host, tap, mac=mac, address=address, mtu=mtu, prefix=self.prefix)
        )

    def ovs(self, host: NetnsHost) -> OvsSandbox:
        """A private ovsdb-server + ovs-vswitchd running in ``host``'s namespace."""
        return self._stack.enter_context(OvsSandbox(host))


# -- pytest fixtures ------------------------------------------------------


@pytest.fixture
def host_lab() -> Iterator[HostLab]:
    """A :class:`HostLab`, closed after the test; skips without root or iproute2."""
    reason = dataplane_unavailable()
    if reason:
        pytest.skip(reason)
    with HostLab() as lab:
        yield lab


@pytest.fixture
def ovs_lab(host_lab: HostLab) -> HostLab:
    """:func:`host_lab`, skipping when Open vSwitch is not installed."""
    reason = ovs_unavailable()
    if reason:
        pytest.skip(reason)
    return host_lab
