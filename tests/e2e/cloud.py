"""A small cloud for end-to-end tests: a controller on a SQLite file, namespace hosts with agents, VMs.

The controller is an ``Ml2Plugin`` with the in-tree type and mechanism
drivers, configured through a config file exactly as an operator would;
each host's agent reads that same file plus a host file (``[agent]`` and
the backend's group, pointing the backend at the host's namespace and, for
Open vSwitch, at the host's private switch). Agents run in-process
(:meth:`E2eHost.agent`, an ``drivers.agent.Agent`` over
``LocalHostClient``) or as the real console script (:meth:`E2eHost.cli`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oslo_config import cfg

from drivers.agent import Agent, PassResult
from ml2core import Context, LocalHostClient, Ml2Plugin
from ml2core.testing.config import render_ini
from ml2core.testing.hosts import HostLab, NetnsHost, OvsSandbox, VmNamespace, Wire, tap_device_name

UNDERLAY = "198.51.100"
SUBNET = "10.0.0"  # every network uses it: isolation is by segment, never by address

#: What the controller runs: every in-tree type, both agent-based mechanism drivers.
CONTROLLER = {
    "ml2": {
        "type_drivers": ["flat", "vlan", "vxlan", "gre", "geneve", "local"],
        "project_network_types": ["vxlan"],
        "mechanism_drivers": ["openvswitch", "linuxbridge"],
    },
    "ml2_type_flat": {"flat_networks": ["physnet1"]},
    "ml2_type_vlan": {"network_vlan_ranges": ["physnet1:100:199"]},
    "ml2_type_vxlan": {"vni_ranges": ["1000:1999"]},
    "ml2_type_gre": {"tunnel_id_ranges": ["1000:1999"]},
    "ml2_type_geneve": {"vni_ranges": ["1000:1999"]},
}

AGENT_SCRIPT = Path(sys.executable).with_name("ml2core-agent")


def write_ini(path: Path, groups: dict[str, dict[str, Any]]) -> Path:
    path.write_text(render_ini(groups))
    return path


@dataclass
class Cloud:
    """The controller: a plugin on a SQLite file, and the config file the agents share with it."""

    workdir: Path
    conf_file: Path
    plugin: Ml2Plugin
    ctx: Context = field(default_factory=Context.admin)
    _subnets: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, workdir: Path) -> Cloud:
        groups: dict[str, dict[str, Any]] = {
            **CONTROLLER,
            "database": {"connection": f"sqlite:///{workdir / 'ml2core.sqlite'}"},
        }
        conf_file = write_ini(workdir / "ml2core.conf", groups)
        conf = cfg.ConfigOpts()
        conf(["--config-file", str(conf_file)], project="ml2core", default_config_files=[])
        return cls(workdir, conf_file, Ml2Plugin(conf))

    def close(self) -> None:
        self.plugin.close()

    # -- resources --------------------------------------------------------------------

    def network(
        self, network_type: str, segmentation_id: int | None = None, physical_network: str | None = None
    ) -> dict[str, Any]:
        """A provider network with a subnet ``10.0.0.0/24`` (the same on every network)."""
        body: dict[str, Any] = {
            "name": f"{network_type}-{segmentation_id}",
            "provider:network_type": network_type,
        }
        if segmentation_id is not None:
            body["provider:segmentation_id"] = segmentation_id
        if physical_network is not None:
            body["provider:physical_network"] = physical_network
        net = self.plugin.create_network(self.ctx, body)
        subnet = self.plugin.create_subnet(
            self.ctx,
            {
                "network_id": net["id"],
                "cidr": f"{SUBNET}.0/24",
                "ip_version": 4,
                "enable_dhcp": False,
                "gateway_ip": None,
            },
        )
        self._subnets[net["id"]] = subnet["id"]
        return net

    def port(self, net: dict[str, Any], host: E2eHost, last_octet: int) -> dict[str, Any]:
        """A VM port on ``net`` bound to ``host`` with address ``10.0.0.<last_octet>``."""
        return self.plugin.create_port(
            self.ctx,
            {
                "network_id": net["id"],
                "name": f"vm-{last_octet}",
                "device_owner": "compute:e2e",
                "device_id": f"vm-{last_octet}",
                "binding:host_id": host.name,
                "fixed_ips": [
                    {"subnet_id": self._subnets[net["id"]], "ip_address": f"{SUBNET}.{last_octet}"}
                ],
            },
        )

    def get_port(self, port_id: str) -> dict[str, Any]:
        return self.plugin.get_port(self.ctx, port_id)

    def status(self, port: dict[str, Any]) -> str:
        return str(self.get_port(port["id"])["status"])


@dataclass
class E2eHost:
    """A namespace host with its agent configuration (and its private switch for Open vSwitch)."""

    cloud: Cloud
    lab: HostLab
    ns: NetnsHost
    ip: str
    backend: str
    conf_file: Path
    ovs: OvsSandbox | None = None
    _agent: Agent | None = None

    @property
    def name(self) -> str:
        """The host name ports are bound to (the namespace's name)."""
        return self.ns.name

    def argv(self) -> list[str]:
        return ["--config-file", str(self.cloud.conf_file), "--config-file", str(self.conf_file)]

    def new_agent(self) -> Agent:
        """A fresh in-process agent (as a started ``ml2core-agent`` process), started."""
        conf = cfg.ConfigOpts()
        conf(self.argv(), project="ml2core", default_config_files=[])
        agent = Agent(conf, LocalHostClient(self.cloud.plugin))
        self.lab.defer(agent.close)
        agent.start()
        return agent

    def agent(self) -> Agent:
        """This host's long-running in-process agent (started on first use)."""
        if self._agent is None:
            self._agent = self.new_agent()
        return self._agent

    def restart_agent(self) -> Agent:
        """Stop the in-process agent and start another (a restart of the agent process)."""
        if self._agent is not None:
            self._agent.close()
        self._agent = self.new_agent()
        return self._agent

    def run_once(self) -> PassResult:
        """One in-process pass of this host's agent."""
        return self.agent().run_once()

    def cli(
        self, *extra: str, timeout: float = 60.0, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the real ``ml2core-agent`` console script with this host's config files."""
        return subprocess.run(
            [str(AGENT_SCRIPT), *self.argv(), *extra],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
        )

    def vm(self, port: dict[str, Any], mtu: int) -> VmNamespace:
        """A VM namespace for ``port`` with the tap name the backends plug, its MAC, address and MTU."""
        address = port["fixed_ips"][0]["ip_address"]
        return self.lab.vm(
            self.ns, tap_device_name(port["id"]), mac=port["mac_address"], address=f"{address}/24", mtu=mtu
        )


def lb_host(
    cloud: Cloud,
    lab: HostLab,
    wire: Wire,
    index: int,
    *,
    physical: Wire | None = None,
    vxlan: dict[str, Any] | None = None,
    agent: dict[str, Any] | None = None,
) -> E2eHost:
    """A Linux bridge host on ``wire`` (underlay ``.<index>``), with physnet1 on ``physical`` if given."""
    ns = lab.host(f"lb{index}")
    ip = f"{UNDERLAY}.{index}"
    wire.attach(ns, "ul0", address=f"{ip}/24")
    groups: dict[str, dict[str, Any]] = {
        "agent": {"host": ns.name, "backend": "linuxbridge", **_fast_agent(), **(agent or {})},
        "linux_bridge": {"netns": ns.name},
        "vxlan": {"local_ip": ip, **(vxlan or {})},
    }
    if physical is not None:
        physical.attach(ns, "ph0")
        groups["linux_bridge"]["physical_interface_mappings"] = ["physnet1:ph0"]
    conf_file = write_ini(cloud.workdir / f"{ns.name}.conf", groups)
    return E2eHost(cloud, lab, ns, ip, "linuxbridge", conf_file)


def ovs_host(
    cloud: Cloud,
    lab: HostLab,
    wire: Wire,
    index: int,
    *,
    physical: Wire | None = None,
    datapath_type: str = "netdev",
    agent: dict[str, Any] | None = None,
) -> E2eHost:
    """An Open vSwitch host: private switch, tunnel address on ``br-phy``, physnet1 on ``br-phys1``."""
    ns = lab.host(f"ovs{index}")
    sandbox = lab.ovs(ns)
    ip = f"{UNDERLAY}.{index}"
    wire.attach(ns, "ul0")
    sandbox.setup_tunnel_underlay("ul0", f"{ip}/24")
    ovs: dict[str, Any] = {
        "local_ip": ip,
        "datapath_type": datapath_type,
        "ovsdb_connection": sandbox.db_connection,
        "ovs_rundir": sandbox.rundir,
        "netns": ns.name,
    }
    if physical is not None:
        physical.attach(ns, "ph0")
        sandbox.add_bridge("br-phys1", datapath_type=datapath_type)
        sandbox.add_port("br-phys1", "ph0")
        ovs["bridge_mappings"] = ["physnet1:br-phys1"]
    groups = {
        "agent": {"host": ns.name, "backend": "openvswitch", **_fast_agent(), **(agent or {})},
        "ovs": ovs,
    }
    conf_file = write_ini(cloud.workdir / f"{ns.name}.conf", groups)
    return E2eHost(cloud, lab, ns, ip, "openvswitch", conf_file, ovs=sandbox)


def _fast_agent() -> dict[str, Any]:
    return {"polling_interval": 0.2, "report_interval": 5}


def start_agents(hosts: Sequence[E2eHost]) -> None:
    """Start every host's agent and send its first state report (so ports bind to it at once)."""
    for host in hosts:
        host.agent().report_state()


def sync_all(hosts: Sequence[E2eHost]) -> list[PassResult]:
    """One pass of every host's agent, in order."""
    return [host.run_once() for host in hosts]


class AgentDaemon:
    """The real ``ml2core-agent`` console script running as a daemon (``--debug``), stderr collected.

    :meth:`wait_for` blocks until a log line contains a text; :meth:`stop`
    sends SIGTERM and returns the exit code.
    """

    def __init__(self, host: E2eHost, *extra: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [str(AGENT_SCRIPT), *host.argv(), "--debug", *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        host.lab.defer(self.kill)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 20.0) -> str:
        """The first log line from index ``after`` on containing ``text``; fails after ``timeout`` s."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[after:]:
                    if text in line:
                        return line
                remaining = end - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"no log line with {text!r} in:\n" + "\n".join(self.lines))
                self._cond.wait(min(remaining, 0.1))

    def passes(self, *, after: int = 0) -> list[str]:
        with self._cond:
            return [line for line in self.lines[after:] if "pass done:" in line]

    def stop(self, signum: int = 15, timeout: float = 20.0) -> int:
        """Send ``signum`` (SIGTERM) and wait for the exit code."""
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def env_with_pythonpath(extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (extra, env.get("PYTHONPATH", "")) if p)
    return env


def iter_lines(*captures: Any) -> Iterator[str]:
    for capture in captures:
        yield from capture.lines
