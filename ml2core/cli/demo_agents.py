"""What the dataplane demo needs besides the story: prerequisites, backends, an agent pass.

Backends are loaded by entry-point name (``ml2core.dataplane``) and
configured from an ini file, as ``ml2core-agent`` would; :class:`HostAgent`
does one agent pass (report state, fetch the host's ports, ``sync``,
report each port's status) through the ``HostClient`` protocol only.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib.metadata import entry_points
from types import FrameType
from typing import Any

from oslo_config import cfg

from ml2core.api import HostClient
from ml2core.cli.errors import CliError
from ml2core.dataplane import DataplaneBackend, SyncReport

__all__ = ["HostAgent", "OwnedExitStack", "check_prerequisites", "load_backend", "sigterm_interrupts"]

TOOLS = (
    "ip",
    "bridge",
    "ping",
    "ethtool",
    "ovsdb-server",
    "ovs-vswitchd",
    "ovs-vsctl",
    "ovs-ofctl",
    "ovsdb-tool",
)
BACKENDS = ("linuxbridge", "openvswitch")


def check_prerequisites() -> None:
    """Raise CliError naming what is missing for ``--dataplane`` (root, tools, backends)."""
    if os.geteuid() != 0:
        raise CliError(
            "ml2core demo --dataplane needs root: it creates network namespaces, veth pairs and "
            "private Open vSwitch daemons; run it as root, or run 'ml2core demo' without --dataplane"
        )
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise CliError(
            f"ml2core demo --dataplane needs {', '.join(missing)} (Debian packages iproute2, "
            "iputils-ping, ethtool, openvswitch-switch)"
        )
    names = {ep.name for ep in entry_points(group="ml2core.dataplane")}
    absent = [b for b in BACKENDS if b not in names]
    if absent:
        raise CliError(f"ml2core demo --dataplane: no dataplane backend {', '.join(absent)} is installed")
    for name in BACKENDS:
        try:
            _backend_class(name)
        except ImportError as exc:
            raise CliError(
                f"ml2core demo --dataplane: the {name} backend cannot be loaded ({exc}); "
                "install the agent extra: pip install 'ml2core[agent]'"
            ) from exc


def _backend_class(name: str) -> type[DataplaneBackend]:
    (ep,) = [e for e in entry_points(group="ml2core.dataplane") if e.name == name]
    cls = ep.load()
    if not (isinstance(cls, type) and issubclass(cls, DataplaneBackend)):
        raise ImportError(f"entry point {name} is not a DataplaneBackend")
    return cls


def load_backend(name: str, ini: str, confdir: str) -> DataplaneBackend:
    """A backend by entry-point name, configured from ``ini`` as an agent's config file, initialized."""
    path = os.path.join(confdir, f"{name}-{len(os.listdir(confdir))}.ini")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(ini)
    conf = cfg.ConfigOpts()
    conf(["--config-file", path], project="ml2core-agent", default_config_files=[], default_config_dirs=[])
    backend = _backend_class(name)()
    backend.conf = conf
    backend.initialize()
    return backend


class HostAgent:
    """One pass of a host agent: report, fetch the host's ports, sync, report each port's status."""

    def __init__(
        self,
        client: HostClient,
        host: str,
        agent_type: str,
        configurations: dict[str, Any],
        backend: DataplaneBackend,
    ) -> None:
        self.client = client
        self.host = host
        self.agent_type = agent_type
        self.configurations = configurations
        self.backend = backend
        self._started = False

    def report(self) -> None:
        """Report this agent's state (alive, mappings, tunnel types)."""
        self.client.report_state(
            {
                "host": self.host,
                "agent_type": self.agent_type,
                "binary": "ml2core-demo-agent",
                "configurations": self.configurations,
                "start_flag": not self._started,
            }
        )
        self._started = True

    def sync_once(self) -> SyncReport:
        """Make the host match its bound ports and report their status."""
        self.report()
        items = self.client.get_host_ports(self.host, self.agent_type)
        report = self.backend.sync(items)
        for port_id, status in report.port_status.items():
            self.client.update_port_status(port_id, status, self.host)
        return report


class OwnedExitStack(ExitStack):
    """An ExitStack that only the process which made it unwinds.

    pyroute2 forks helpers to enter namespaces; a helper interrupted while
    it runs a copy of this stack must exit, not tear down the parent's hosts.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pid = os.getpid()

    def __exit__(self, *exc: Any) -> bool:
        if os.getpid() != self._pid:
            os._exit(1)
        return bool(super().__exit__(*exc))


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM interrupts the demo like Ctrl-C (so it cleans up); forked helpers keep the default."""
    pid = os.getpid()

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != pid:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
