"""Network-namespace hosts, wires, "VM"s, pings and packet captures for dataplane tests.

Every object here creates kernel state (namespaces, veth pairs, processes)
and removes it again in ``close()`` / ``__exit__``, also when the test
failed. Names are unique per object (a random tag), so tests may run in
parallel. Only loopback and namespaces made here carry test traffic: the
root namespace is never changed.

All helpers shell out to ``ip``, ``ethtool``, ``ping`` and ``tcpdump``
(iproute2, ethtool, iputils-ping, tcpdump) and need root; the ping and
capture helpers live in :mod:`ml2core.testing.traffic` and are re-exported
here. They are plain classes, independent of pytest;
``ml2core.testing.hosts`` adds the pytest fixtures.
"""

from __future__ import annotations

import atexit
import re
import secrets
import subprocess
import threading
from collections.abc import Iterable
from types import TracebackType

from ml2core import dataplane
from ml2core.testing._commands import HostError, run_command
from ml2core.testing.traffic import ContinuousPing, PacketCapture, PingResult, ping, wait_for_ping

__all__ = [
    "ContinuousPing",
    "HostError",
    "NetnsHost",
    "PacketCapture",
    "PingResult",
    "VmNamespace",
    "Wire",
    "link_kind_unavailable",
    "pid_running",
    "ping",
    "tap_device_name",
    "unique_tag",
    "wait_for_ping",
]

#: Interface names are limited to 15 characters by the kernel (IFNAMSIZ - 1).
IFNAMSIZ = 15

_live_namespaces: set[str] = set()
_live_lock = threading.Lock()


def tap_device_name(port_id: str) -> str:
    """The host-side device name Neutron-style backends expect for a port: ``tap`` + 11 characters of its ID.

    ml2core's ``linuxbridge`` and ``openvswitch`` backends plug the device
    of this name; give it to :class:`VmNamespace` as ``tap``. Same as
    :func:`ml2core.dataplane.tap_device_name`.
    """
    return dataplane.tap_device_name(port_id)


def unique_tag(length: int = 6) -> str:
    """A random hex tag for names that must not collide between parallel tests."""
    return secrets.token_hex((length + 1) // 2)[:length]


def _delete_netns(name: str) -> None:
    # `ip netns del` returns at once; the kernel tears devices down asynchronously.
    run_command(["ip", "netns", "del", name], check=False)
    with _live_lock:
        _live_namespaces.discard(name)


@atexit.register
def _cleanup_leftovers() -> None:
    # Last resort when a test process ends without running its finalizers.
    with _live_lock:
        names = list(_live_namespaces)
    for name in names:
        _delete_netns(name)


class NetnsHost:
    """One network namespace standing for a host.

    Created on ``__enter__`` (or :meth:`create`), deleted with everything in
    it on ``__exit__`` / :meth:`close` (``ip netns del``, even after a
    failure). ``name`` is ``<prefix>-<tag>-<role>``; pass ``name`` to choose
    it exactly. Commands block until they finish and raise
    :class:`HostError` on a non-zero exit.
    """

    def __init__(self, role: str = "host", *, name: str | None = None, prefix: str = "m2c") -> None:
        self.name = name or f"{prefix}-{unique_tag()}-{role}"
        self._created = False

    def __enter__(self) -> NetnsHost:
        return self.create()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def create(self) -> NetnsHost:
        """Create the namespace and bring its loopback up."""
        if self._created:
            return self
        run_command(["ip", "netns", "add", self.name])
        with _live_lock:
            _live_namespaces.add(self.name)
        self._created = True
        try:
            self.ip("link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Delete the namespace (idempotent)."""
        if self._created:
            _delete_netns(self.name)
            self._created = False

    # -- commands -------------------------------------------------------

    def run(
        self,
        *argv: str,
        check: bool = True,
        timeout: float = 30.0,
        input_text: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside the namespace (``ip netns exec``)."""
        return run_command(
            ["ip", "netns", "exec", self.name, *argv],
            check=check,
            timeout=timeout,
            input_text=input_text,
        )

    def ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``ip -n <ns> ARGS``."""
        return run_command(["ip", "-n", self.name, *args], check=check)

    def ip_batch(self, commands: Iterable[str]) -> None:
        """Several ``ip`` commands in one process (``ip -n <ns> -batch -``)."""
        text = "".join(f"{line}\n" for line in commands)
        if text:
            run_command(["ip", "-n", self.name, "-batch", "-"], input_text=text)

    def sysctl(self, key: str, value: str | int) -> None:
        """Set a per-namespace sysctl (``net.*``)."""
        self.run("sysctl", "-qw", f"{key}={value}")

    def tx_checksum_off(self, ifname: str) -> None:
        """``ethtool -K <ifname> tx off``: full checksums in software.

        Needed on a kernel VTEP's underlay veth (or ``noudpcsum`` on its
        VXLAN device) when its peer is an Open vSwitch userspace VTEP, which
        reads the veth raw and drops packets with partial checksums.
        """
        self.run("ethtool", "-K", ifname, "tx", "off")

    # -- inspection -----------------------------------------------------

    def link_exists(self, ifname: str) -> bool:
        """Whether ``ifname`` exists in this namespace."""
        return self.ip("link", "show", "dev", ifname, check=False).returncode == 0

    def link_names(self) -> list[str]:
        """Names of every link in this namespace."""
        out = self.ip("-o", "link", "show").stdout
        return [m.group(1) for m in re.finditer(r"^\d+: ([^:@]+)[:@]", out, re.M)]

    def link_mtu(self, ifname: str) -> int:
        """The MTU of ``ifname``."""
        out = self.ip("-o", "link", "show", "dev", ifname).stdout
        match = re.search(r" mtu (\d+) ", out)
        if not match:
            raise HostError(f"no MTU in {out!r}")
        return int(match.group(1))

    def link_master(self, ifname: str) -> str | None:
        """The bridge ``ifname`` is enslaved to, or ``None``."""
        out = self.ip("-o", "link", "show", "dev", ifname).stdout
        match = re.search(r" master (\S+) ", out)
        return match.group(1) if match else None

    def link_details(self, ifname: str) -> str:
        """``ip -d link show`` output for ``ifname``."""
        return self.ip("-d", "link", "show", "dev", ifname).stdout

    def link_mac(self, ifname: str) -> str:
        """The MAC address of ``ifname``."""
        out = self.ip("-o", "link", "show", "dev", ifname).stdout
        match = re.search(r"link/ether ([0-9a-f:]{17})", out)
        if not match:
            raise HostError(f"no MAC in {out!r}")
        return match.group(1)

    def fdb_destinations(self, ifname: str, mac: str = "00:00:00:00:00:00") -> set[str]:
        """Remote destinations of ``mac`` FDB entries on a VXLAN device."""
        out = run_command(["bridge", "-n", self.name, "fdb", "show", "dev", ifname]).stdout
        return {m.group(1) for m in re.finditer(rf"^{re.escape(mac)} dst (\S+)", out, re.M)}

    def __repr__(self) -> str:
        return f"NetnsHost({self.name!r})"


class Wire:
    """A shared L2 segment (a switch): a namespace holding one Linux bridge.

    :meth:`attach` plugs a host into it with a veth pair. Tagged frames
    cross it unchanged, so it serves as a VLAN trunk too. Deleted with its
    namespace on ``close()``.
    """

    def __init__(self, role: str = "wire", *, prefix: str = "m2c", mtu: int = 1500) -> None:
        self.host = NetnsHost(role, prefix=prefix)
        self.mtu = mtu
        self._tag = unique_tag(4)
        self._count = 0

    def __enter__(self) -> Wire:
        return self.create()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def create(self) -> Wire:
        """Create the switch namespace and its bridge."""
        self.host.create()
        try:
            # Snooping off: multicast VXLAN must flood without an IGMP querier.
            self.host.ip_batch(
                [
                    "link add sw type bridge mcast_snooping 0",
                    f"link set sw mtu {self.mtu} up",
                ]
            )
        except BaseException:
            self.host.close()
            raise
        return self

    def close(self) -> None:
        """Delete the switch and every wire-side veth end."""
        self.host.close()

    def attach(
        self,
        host: NetnsHost,
        ifname: str,
        *,
        address: str | None = None,
        mtu: int | None = None,
    ) -> str:
        """Plug ``host`` into the wire through a veth whose host end is ``ifname``.

        ``address`` (CIDR) goes on ``ifname`` when given. Returns the
        wire-side device name.
        """
        mtu = mtu or self.mtu
        self._count += 1
        peer = f"w{self._tag}p{self._count}"
        host.ip(
            "link",
            "add",
            ifname,
            "mtu",
            str(mtu),
            "type",
            "veth",
            "peer",
            "name",
            peer,
            "mtu",
            str(mtu),
            "netns",
            self.host.name,
        )
        self.host.ip_batch([f"link set {peer} master sw", f"link set {peer} up"])
        commands = [f"link set {ifname} up"]
        if address:
            commands.insert(0, f"addr add {address} dev {ifname}")
        host.ip_batch(commands)
        return peer


class VmNamespace:
    """A "VM": a namespace joined to a host by a veth pair.

    The host end is named ``tap`` (the name the backend expects, for
    Neutron-style backends ``tap`` + the first 11 characters of the port ID)
    and is left down with the default MTU, as a hypervisor would leave it
    before the port is plugged. Inside, ``eth0`` gets ``mac``, ``address``
    (CIDR) and ``mtu``, and TX checksum offload is turned off (Open vSwitch
    netdev reads veths raw and would drop TCP with partial checksums).
    """

    def __init__(
        self,
        host: NetnsHost,
        tap: str,
        *,
        mac: str,
        address: str,
        mtu: int = 1500,
        role: str = "vm",
        prefix: str = "m2c",
    ) -> None:
        if len(tap) > IFNAMSIZ:
            raise ValueError(f"device name {tap!r} longer than {IFNAMSIZ} characters")
        self.host = host
        self.tap = tap
        self.mac = mac
        self.address = address
        self.ip_address = address.split("/", 1)[0]
        self.mtu = mtu
        self.ns = NetnsHost(role, prefix=prefix)

    @property
    def name(self) -> str:
        """The VM's namespace name."""
        return self.ns.name

    def __enter__(self) -> VmNamespace:
        return self.create()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def create(self) -> VmNamespace:
        """Create the namespace, the veth pair and configure ``eth0``."""
        self.ns.create()
        try:
            self.host.ip(
                "link", "add", self.tap, "type", "veth", "peer", "name", "eth0", "netns", self.ns.name
            )
            self.ns.ip_batch(
                [
                    f"link set eth0 address {self.mac} mtu {self.mtu}",
                    f"addr add {self.address} dev eth0",
                    "link set eth0 up",
                ]
            )
            self.ns.sysctl("net.ipv6.conf.all.disable_ipv6", 1)
            self.ns.run("ethtool", "-K", "eth0", "tx", "off")
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Delete the VM namespace (its veth pair goes with it)."""
        self.ns.close()

    def run(self, *argv: str, check: bool = True, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run a command inside the VM."""
        return self.ns.run(*argv, check=check, timeout=timeout)

    def ping(self, address: str, **kwargs: float | int | bool | None) -> PingResult:
        """:func:`ping` from this VM."""
        return ping(self.ns.name, address, **kwargs)  # type: ignore[arg-type]

    def wait_for_ping(self, address: str, **kwargs: float | int | bool | None) -> PingResult:
        """:func:`wait_for_ping` from this VM."""
        return wait_for_ping(self.ns.name, address, **kwargs)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"VmNamespace({self.ns.name!r}, tap={self.tap!r}, {self.address})"


def link_kind_unavailable(kind: str, **attrs: str) -> str | None:
    """Capability probe: can this kernel create a link of ``kind``?

    Tries in a scratch namespace (created and deleted here) and returns
    ``None`` when it works, else the kernel's error, e.g. ``"Unknown device
    type"``. ``vlan`` is tried on top of a veth. Blocks for tens of ms.
    """
    probe = NetnsHost("probe")
    with probe:
        argv: list[str] = ["link", "add"]
        if kind == "vlan":
            probe.ip("link", "add", "p0", "type", "veth", "peer", "name", "p1")
            argv += ["link", "p0", "name", "p0.5", "type", "vlan", "id", "5"]
        else:
            argv += ["x0", "type", kind]
            for key, value in attrs.items():
                argv += [key, value]
        proc = probe.ip(*argv, check=False)
    if proc.returncode == 0:
        return None
    return proc.stderr.strip() or f"exit {proc.returncode}"


def pid_running(pid: int) -> bool:
    """Whether ``pid`` is alive and not a zombie.

    ``kill -0`` succeeds for a zombie, and detached daemons re-parented to
    PID 1 may stay zombies for a while, so read ``/proc/PID/stat`` instead.
    """
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return False
    return state != "Z"
