"""A private Open vSwitch (``ovsdb-server`` + ``ovs-vswitchd``) inside one test namespace.

Each sandbox has its own run directory (database, sockets, logs, the
``<bridge>.mgmt`` OpenFlow sockets), runs ``ovs-vswitchd
--disable-system`` (userspace datapath only; no kernel module needed) and
never touches the system's Open vSwitch or ``/var/run/openvswitch``. The
daemons are children of the test process (not ``--detach``ed), so they are
stopped, waited for and their directory removed on ``close()``, also after
a failure; an ``atexit`` hook stops any left running.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
import time
from types import TracebackType

from ml2core.testing._commands import HostError, run_command
from ml2core.testing.netns import NetnsHost, pid_running

__all__ = ["OVS_SCHEMA", "OvsSandbox", "ovs_unavailable"]

OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
_BINARIES = ("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl", "ovs-appctl")

_live: set[OvsSandbox] = set()
_live_lock = threading.Lock()


def ovs_unavailable() -> str | None:
    """Capability probe: ``None`` when Open vSwitch binaries and schema are installed, else why not."""
    missing = [name for name in _BINARIES if shutil.which(name) is None]
    if missing:
        return f"Open vSwitch tools missing: {', '.join(missing)} (Debian package openvswitch-switch)"
    if not os.path.exists(OVS_SCHEMA):
        return f"Open vSwitch schema {OVS_SCHEMA} missing"
    return None


class OvsSandbox:
    """One private Open vSwitch instance running inside ``host``'s namespace.

    ``start()`` (or ``__enter__``) blocks until both daemons answer (about
    0.1 s); ``close()`` stops them (``exit --cleanup``, then SIGTERM, then
    SIGKILL) and removes the run directory unless ``keep_dir`` is set or the
    environment variable ``ML2CORE_KEEP_OVS`` is non-empty (for reading the
    logs after a failure). Helpers raise :class:`HostError`.
    """

    def __init__(self, host: NetnsHost, *, base_dir: str | None = None, keep_dir: bool = False) -> None:
        self.host = host
        self.rundir = tempfile.mkdtemp(prefix="m2c-ovs-", dir=base_dir)
        self.keep_dir = keep_dir or bool(os.environ.get("ML2CORE_KEEP_OVS"))
        self._db: subprocess.Popen[bytes] | None = None
        self._vswitchd: subprocess.Popen[bytes] | None = None

    # -- paths ----------------------------------------------------------

    @property
    def db_socket(self) -> str:
        """Path of the OVSDB unix socket."""
        return os.path.join(self.rundir, "db.sock")

    @property
    def db_connection(self) -> str:
        """The OVSDB connection string (``unix:<rundir>/db.sock``) for ovsdbapp."""
        return f"unix:{self.db_socket}"

    def mgmt_target(self, bridge: str) -> str:
        """The ``ovs-ofctl`` target of ``bridge`` (its management socket)."""
        return f"unix:{os.path.join(self.rundir, bridge)}.mgmt"

    @property
    def pids(self) -> list[int]:
        """PIDs of the daemons started (running or not)."""
        return [p.pid for p in (self._db, self._vswitchd) if p is not None]

    # -- life cycle -----------------------------------------------------

    def __enter__(self) -> OvsSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var in ("OVS_RUNDIR", "OVS_LOGDIR", "OVS_DBDIR", "OVS_SYSCONFDIR"):
            env[var] = self.rundir
        return env

    def _spawn(self, *argv: str) -> subprocess.Popen[bytes]:
        log = open(os.path.join(self.rundir, f"{argv[0]}.stderr"), "wb")  # noqa: SIM115
        try:
            return subprocess.Popen(
                ["ip", "netns", "exec", self.host.name, *argv],
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        finally:
            log.close()

    def _wait_ready(self, proc: subprocess.Popen[bytes], check: list[str], what: str) -> None:
        end = time.monotonic() + 10.0
        while True:
            if proc.poll() is not None:
                raise HostError(f"{what} exited with {proc.returncode}; see {self.rundir}")
            if run_command(check, check=False, timeout=5).returncode == 0:
                return
            if time.monotonic() > end:
                raise HostError(f"{what} did not become ready; see {self.rundir}")
            time.sleep(0.01)

    def start(self) -> OvsSandbox:
        """Create the database and start both daemons; blocks until they answer."""
        with _live_lock:
            _live.add(self)
        try:
            db = os.path.join(self.rundir, "conf.db")
            run_command(["ovsdb-tool", "create", db, OVS_SCHEMA])
            self._db = self._spawn(
                "ovsdb-server",
                db,
                f"--remote=punix:{self.db_socket}",
                f"--unixctl={self.rundir}/ovsdb-server.ctl",
                f"--log-file={self.rundir}/ovsdb-server.log",
                "--no-chdir",
                "-vconsole:off",
            )
            self._wait_ready(
                self._db, ["ovs-vsctl", f"--db={self.db_connection}", "--no-wait", "init"], "ovsdb-server"
            )
            self._vswitchd = self._spawn(
                "ovs-vswitchd",
                self.db_connection,
                "--disable-system",
                f"--unixctl={self.rundir}/ovs-vswitchd.ctl",
                f"--log-file={self.rundir}/ovs-vswitchd.log",
                "--no-chdir",
                "-vconsole:off",
            )
            self._wait_ready(
                self._vswitchd,
                ["ovs-appctl", "-t", f"{self.rundir}/ovs-vswitchd.ctl", "version"],
                "ovs-vswitchd",
            )
        except BaseException:
            self.close()
            raise
        return self

    def _stop(self, proc: subprocess.Popen[bytes] | None, ctl: str, *exit_args: str) -> None:
        if proc is None or proc.poll() is not None:
            return
        run_command(["ovs-appctl", "-t", f"{self.rundir}/{ctl}", "exit", *exit_args], check=False, timeout=5)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=3)

    def close(self) -> None:
        """Stop both daemons, wait for them, and remove the run directory (idempotent)."""
        try:
            self._stop(self._vswitchd, "ovs-vswitchd.ctl", "--cleanup")
            self._stop(self._db, "ovsdb-server.ctl")
        finally:
            with _live_lock:
                _live.discard(self)
            if not self.keep_dir:
                shutil.rmtree(self.rundir, ignore_errors=True)

    def running(self) -> bool:
        """Whether both daemons are alive (zombies count as dead)."""
        procs = [self._db, self._vswitchd]
        return all(p is not None and p.poll() is None and pid_running(p.pid) for p in procs)

    def restart_vswitchd(self) -> None:
        """Stop and start ``ovs-vswitchd`` only (its flows are lost, the database stays)."""
        self._stop(self._vswitchd, "ovs-vswitchd.ctl")
        self._vswitchd = self._spawn(
            "ovs-vswitchd",
            self.db_connection,
            "--disable-system",
            f"--unixctl={self.rundir}/ovs-vswitchd.ctl",
            f"--log-file={self.rundir}/ovs-vswitchd.log",
            "--no-chdir",
            "-vconsole:off",
        )
        self._wait_ready(
            self._vswitchd,
            ["ovs-appctl", "-t", f"{self.rundir}/ovs-vswitchd.ctl", "version"],
            "ovs-vswitchd",
        )

    # -- tools ----------------------------------------------------------

    def vsctl(self, *args: str, check: bool = True) -> str:
        """``ovs-vsctl`` against this instance; returns stdout."""
        proc = run_command(["ovs-vsctl", f"--db={self.db_connection}", "--timeout=10", *args], check=check)
        return proc.stdout

    def ofctl(self, command: str, bridge: str, *args: str, check: bool = True) -> str:
        """``ovs-ofctl COMMAND <bridge's mgmt socket> ARGS``; returns stdout."""
        proc = run_command(["ovs-ofctl", command, self.mgmt_target(bridge), *args], check=check)
        return proc.stdout

    def appctl(self, *args: str, check: bool = True) -> str:
        """``ovs-appctl`` to this instance's ``ovs-vswitchd``; returns stdout."""
        proc = run_command(["ovs-appctl", "-t", f"{self.rundir}/ovs-vswitchd.ctl", *args], check=check)
        return proc.stdout

    def add_bridge(self, name: str, *, datapath_type: str = "netdev", fail_mode: str = "standalone") -> None:
        """Create a bridge (as an operator would, e.g. a provider bridge)."""
        self.vsctl(
            "--may-exist",
            "add-br",
            name,
            "--",
            "set",
            "bridge",
            name,
            f"datapath_type={datapath_type}",
            f"fail_mode={fail_mode}",
        )

    def add_port(self, bridge: str, port: str) -> None:
        """Add an existing device to ``bridge``."""
        self.vsctl("--may-exist", "add-port", bridge, port)

    def setup_tunnel_underlay(self, iface: str, address: str, *, bridge: str = "br-phy") -> None:
        """Host preparation for userspace tunnels (the operator's job, not the agent's).

        Moves the underlay veth ``iface`` into OVS bridge ``bridge`` (same
        MAC), puts the tunnel-endpoint ``address`` (CIDR) on the bridge's
        internal port instead of the veth, and sets ``rp_filter=1`` on the
        veth: the kernel still sees every frame AF_PACKET reads and would
        otherwise answer tunnel packets with port-unreachables and pings
        twice.
        """
        mac = self.host.link_mac(iface)
        self.host.ip("addr", "flush", "dev", iface)
        self.vsctl(
            "--may-exist",
            "add-br",
            bridge,
            "--",
            "set",
            "bridge",
            bridge,
            "datapath_type=netdev",
            "fail_mode=standalone",
            f"other_config:hwaddr={mac}",
            "--",
            "--may-exist",
            "add-port",
            bridge,
            iface,
        )
        self.host.sysctl(f"net.ipv4.conf.{iface}.rp_filter", 1)
        self.host.ip_batch([f"addr add {address} dev {bridge}", f"link set {bridge} up"])

    def interface_names(self, bridge: str) -> set[str]:
        """Names of the ports on ``bridge``."""
        return set(self.vsctl("list-ports", bridge).split())

    def dump_flows(self, bridge: str) -> list[str]:
        """``ovs-ofctl dump-flows`` lines of ``bridge`` (without statistics)."""
        out = self.ofctl("dump-flows", bridge, "--no-stats", "--no-names")
        return [line.strip() for line in out.splitlines() if line.strip() and "NXST" not in line]


@atexit.register
def _stop_leftovers() -> None:
    with _live_lock:
        sandboxes = list(_live)
    for sandbox in sandboxes:
        sandbox.close()
