"""What the dataplane demo needs besides the story: prerequisites, backends, an agent pass.

The agents are the real ``ml2core-agent`` console script, run once per
pass with the controllers' configuration file and a host file of their own
(:class:`AgentProcess`), exactly as an operator runs them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import FrameType
from typing import Any

from ml2core.cli.errors import CliError
from ml2core.dataplane import DataplaneBackend

__all__ = [
    "AgentPass",
    "AgentProcess",
    "OwnedExitStack",
    "agent_command",
    "check_prerequisites",
    "sigterm_interrupts",
    "write_agent_config",
]

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
            "demo --dataplane needs root: it creates network namespaces, veth pairs and "
            "private Open vSwitch daemons; run it as root, or run 'ml2core demo' without --dataplane"
        )
    agent_command()
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise CliError(
            f"demo --dataplane needs {', '.join(missing)} (Debian packages iproute2, "
            "iputils-ping, ethtool, openvswitch-switch)"
        )
    names = {ep.name for ep in entry_points(group="ml2core.dataplane")}
    absent = [b for b in BACKENDS if b not in names]
    if absent:
        raise CliError(f"demo --dataplane: no dataplane backend {', '.join(absent)} is installed")
    for name in BACKENDS:
        try:
            _backend_class(name)
        except ImportError as exc:
            raise CliError(
                f"demo --dataplane: the {name} backend cannot be loaded ({exc}); "
                "install the agent extra: pip install 'ml2core[agent]'"
            ) from exc


def _backend_class(name: str) -> type[DataplaneBackend]:
    (ep,) = [e for e in entry_points(group="ml2core.dataplane") if e.name == name]
    cls = ep.load()
    if not (isinstance(cls, type) and issubclass(cls, DataplaneBackend)):
        raise ImportError(f"entry point {name} is not a DataplaneBackend")
    return cls


@dataclass
class AgentPass:
    """What one ``ml2core-agent --once`` run printed and returned."""

    returncode: int
    log: list[str]


class AgentProcess:
    """A host agent: the real ``ml2core-agent`` console script, one pass per :meth:`run_once`.

    It reads the controllers' configuration file (the shared database) and
    its host's own file (``[agent]`` and the backend's options), exactly as
    an operator would run it on a compute host.
    """

    def __init__(self, host: str, agent_type: str, backend: str, files: list[str]) -> None:
        self.host = host
        self.agent_type = agent_type
        self.backend = backend
        self.files = files

    def run_once(self, timeout: float = 120.0) -> AgentPass:
        """Run one pass: report state, fetch the host's ports, sync, report statuses."""
        argv = [agent_command(), "--once"]
        for path in self.files:
            argv += ["--config-file", path]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        return AgentPass(result.returncode, lines)


def agent_command() -> str:
    """The ``ml2core-agent`` script installed beside this interpreter (or on PATH)."""
    beside = os.path.join(os.path.dirname(sys.executable), "ml2core-agent")
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("ml2core-agent")
    if found is None:
        raise CliError("demo --dataplane needs the ml2core-agent command (pip install 'ml2core[agent]')")
    return found


def write_agent_config(confdir: str, name: str, groups: dict[str, dict[str, Any]]) -> str:
    """Write an agent's host configuration file; return its path."""
    path = os.path.join(confdir, f"{name}.conf")
    with open(path, "w", encoding="utf-8") as handle:
        for group, values in groups.items():
            handle.write(f"[{group}]\n")
            for key, value in values.items():
                handle.write(f"{key} = {value}\n")
            handle.write("\n")
    return path


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
