"""``ml2core demo --dataplane``: real packets between two network-namespace hosts (root only).

Each host is a network namespace running two host agents, real
``ml2core-agent`` processes on the demo's database: a Linux bridge one
(kernel VXLAN) and an Open vSwitch one (a private ``ovsdb-server`` +
``ovs-vswitchd``, userspace datapath, GENEVE). VMs are namespaces joined
to their host by a veth. Everything is removed at the end, also after a
failure, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from ml2core import Context, Ml2Plugin, constants
from ml2core.cli.demo_agents import AgentProcess, OwnedExitStack, sigterm_interrupts, write_agent_config
from ml2core.cli.narrate import Narrator

__all__ = ["DataplaneDemo"]

SUBNET = "10.99.0"  # the same on both networks, on purpose: isolation is by segment, not by address


@dataclass
class _Host:
    name: str
    ns: Any
    agents: list[AgentProcess]


class DataplaneDemo:
    """Two namespace hosts, two networks, four VMs, pings; then everything removed."""

    def __init__(self, narrator: Narrator, plugin: Ml2Plugin, problems: list[str], conf_path: str) -> None:
        self.n = narrator
        self.p = plugin
        self.conf_path = conf_path
        self.ctx = Context.admin()
        self.problems = problems
        self.networks: dict[str, dict[str, Any]] = {}
        self.ports: dict[str, dict[str, Any]] = {}
        self.hosts: list[_Host] = []

    def run(self) -> None:
        """The whole dataplane part; always removes what it made."""
        with sigterm_interrupts(), OwnedExitStack() as stack:
            confdir = tempfile.mkdtemp(prefix="ml2core-demo-agents-")
            stack.callback(shutil.rmtree, confdir, True)
            stack.callback(self._delete_resources)
            stack.callback(self.n.lines, ["Removed the namespaces, veths and Open vSwitch daemons."])
            self._build(stack, confdir)
            self._sync("The agents start (ml2core-agent --once on each host) and report their state")
            vms = self._networks_and_vms(stack)
            self._sync("First agent pass: each agent realizes the ports bound to its host")
            self._pings(vms)
            self._teardown()

    # -- building ----------------------------------------------------------------------
    def _build(self, stack: ExitStack, confdir: str) -> None:
        from ml2core.testing.netns import NetnsHost, Wire
        from ml2core.testing.ovs_sandbox import OvsSandbox

        self.n.say(
            "Two hosts, dp-host-a and dp-host-b, are network namespaces joined by two underlay "
            "wires. Each runs a Linux bridge agent (kernel VXLAN, underlay 198.51.100.0/24) and an "
            "Open vSwitch agent (private ovs-vswitchd, userspace datapath, GENEVE over "
            "198.51.101.0/24)."
        )
        with self.n.progress("Building the hosts") as tick:
            lb_wire = stack.enter_context(Wire("lbwire", prefix="m2cdemo"))
            ovs_wire = stack.enter_context(Wire("ovswire", prefix="m2cdemo"))
            tick("wires")
            for index, letter in enumerate("ab", 1):
                name = f"dp-host-{letter}"
                ns = stack.enter_context(NetnsHost(f"host{letter}", prefix="m2cdemo"))
                lb_ip, ovs_ip = f"198.51.100.{index}", f"198.51.101.{index}"
                lb_wire.attach(ns, "ul0", address=f"{lb_ip}/24")
                sandbox = stack.enter_context(OvsSandbox(ns))
                ovs_wire.attach(ns, "ul1")
                sandbox.setup_tunnel_underlay("ul1", f"{ovs_ip}/24")
                lb_conf = write_agent_config(
                    confdir,
                    f"{name}-linuxbridge",
                    {
                        "agent": {"host": name, "backend": "linuxbridge", "tunnel_types": "vxlan"},
                        "linux_bridge": {"netns": ns.name},
                        "vxlan": {"local_ip": lb_ip},
                    },
                )
                ovs_conf = write_agent_config(
                    confdir,
                    f"{name}-openvswitch",
                    {
                        "agent": {"host": name, "backend": "openvswitch", "tunnel_types": "geneve"},
                        "ovs": {
                            "local_ip": ovs_ip,
                            "datapath_type": "netdev",
                            "ovsdb_connection": sandbox.db_connection,
                            "ovs_rundir": sandbox.rundir,
                            "netns": ns.name,
                        },
                    },
                )
                agents = [
                    AgentProcess(
                        name, constants.AGENT_TYPE_LINUXBRIDGE, "linuxbridge", [self.conf_path, lb_conf]
                    ),
                    AgentProcess(name, constants.AGENT_TYPE_OVS, "openvswitch", [self.conf_path, ovs_conf]),
                ]
                self.hosts.append(_Host(name, ns, agents))
                tick(name)

    def _networks_and_vms(self, stack: ExitStack) -> dict[str, Any]:
        from ml2core.testing.netns import VmNamespace

        vms: dict[str, Any] = {}
        with self.n.progress("Creating networks, ports and VMs") as tick:
            for net_name, net_type in (("dp-vxlan", "vxlan"), ("dp-geneve", "geneve")):
                net = self.p.create_network(self.ctx, {"name": net_name, "provider:network_type": net_type})
                self.networks[net_name] = net
                subnet = self.p.create_subnet(
                    self.ctx,
                    {"network_id": net["id"], "cidr": f"{SUBNET}.0/24", "name": f"{net_name}-subnet"},
                )
                for offset, host in enumerate(self.hosts, 1):
                    vm_name = f"{net_type}-{host.name[-1]}"
                    address = f"{SUBNET}.{10 * (1 if net_type == 'vxlan' else 2) + offset}"
                    port = self.p.create_port(
                        self.ctx,
                        {
                            "name": vm_name,
                            "network_id": net["id"],
                            "binding:host_id": host.name,
                            "device_owner": "compute:demo",
                            "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": address}],
                        },
                    )
                    self.ports[vm_name] = port
                    vms[vm_name] = stack.enter_context(
                        VmNamespace(
                            host.ns,
                            "tap" + port["id"][:11],
                            mac=port["mac_address"],
                            address=f"{address}/24",
                            mtu=net["mtu"],
                            prefix="m2cdemo",
                        )
                    )
                    tick(vm_name)
        rows = []
        for vm_name, port in self.ports.items():
            net = next(n for n in self.networks.values() if n["id"] == port["network_id"])
            rows.append(
                [
                    vm_name,
                    net["name"],
                    f"{net['provider:network_type']} {net['provider:segmentation_id']}",
                    port["binding:host_id"],
                    port["fixed_ips"][0]["ip_address"],
                    port["binding:vif_type"],
                    net["mtu"],
                ]
            )
        self.n.table(["VM port", "Network", "Segment", "Host", "Address", "VIF type", "MTU"], rows)
        self.n.say(
            "On each host the openvswitch driver comes first in mechanism_drivers, but its agent "
            "lists only geneve: so the VXLAN ports were bound by linuxbridge (VIF bridge) and the "
            "GENEVE ports by openvswitch (VIF ovs). Both networks use the same IP subnet on purpose."
        )
        return vms

    def _sync(self, title: str) -> None:
        rows = []
        with self.n.progress(title) as tick:
            for host in self.hosts:
                for agent in host.agents:
                    outcome = agent.run_once()
                    items = self.p.get_host_ports(self.ctx, host.name, agent.agent_type)
                    statuses = sorted({item["port"]["status"] for item in items})
                    result = "ok" if outcome.returncode == 0 else f"exit {outcome.returncode}"
                    rows.append([host.name, agent.agent_type, len(items), ", ".join(statuses) or "-", result])
                    tick(f"{host.name[-1]}/{agent.backend}")
                    if outcome.returncode != 0:
                        last = outcome.log[-1] if outcome.log else "no output"
                        self.problems.append(f"{host.name} {agent.agent_type}: ml2core-agent failed: {last}")
        self.n.table(["Host", "Agent", "Ports", "Status", "ml2core-agent --once"], rows)

    # -- packets -----------------------------------------------------------------------
    def _pings(self, vms: dict[str, Any]) -> None:
        statuses = {
            name: self.p.get_port(self.ctx, port["id"])["status"] for name, port in self.ports.items()
        }
        self.n.say(
            "The agents reported the ports "
            + ", ".join(sorted(set(statuses.values())))
            + " (update_port_status). Now the VMs ping:"
        )
        checks = [
            ("vxlan-a", "vxlan-b", True, "Linux bridge VXLAN across hosts"),
            ("geneve-a", "geneve-b", True, "Open vSwitch GENEVE across hosts"),
            ("vxlan-a", "geneve-b", False, "isolation: another network, same subnet"),
            ("geneve-a", "vxlan-b", False, "isolation: another network, same subnet"),
        ]
        rows = []
        with self.n.progress("Pinging") as tick:
            for src, dst, expect, what in checks:
                address = self.ports[dst]["fixed_ips"][0]["ip_address"]
                if expect:
                    mtu = self.networks["dp-vxlan" if src.startswith("vxlan") else "dp-geneve"]["mtu"]
                    result = vms[src].wait_for_ping(address, timeout=10.0)
                    full = vms[src].wait_for_ping(address, timeout=4.0, size=mtu - 28, dont_fragment=True)
                    outcome = (
                        f"replies ({result.elapsed * 1000:.0f} ms), full-size {mtu}-byte packet passes"
                        if result.ok and full.ok
                        else "NO REPLY"
                        if not result.ok
                        else f"small packets pass, {mtu}-byte packet does not"
                    )
                    ok = result.ok and full.ok
                else:
                    result = vms[src].ping(address, count=2, deadline=1.5)
                    ok = not result.ok
                    outcome = "no reply, as it should be" if ok else "REPLIES: networks are not isolated"
                rows.append([f"{src} -> {dst} ({address})", what, outcome])
                tick("ok" if ok else "UNEXPECTED")
                if not ok:
                    self.problems.append(f"ping {src} -> {dst}: {outcome}")
        self.n.table(["Ping", "What it shows", "Result"], rows)

    # -- removing ----------------------------------------------------------------------
    def _teardown(self) -> None:
        for port in self.ports.values():
            self.p.delete_port(self.ctx, port["id"])
        self.ports.clear()
        self.n.say("The ports are deleted; one more agent pass removes what the backends made:")
        self._sync("Second agent pass")
        for net in self.networks.values():
            self.p.delete_network(self.ctx, net["id"])
        self.networks.clear()

    def _delete_resources(self) -> None:
        # After a failure: leave the database as clean as the namespaces.
        for port in self.ports.values():
            try:
                self.p.delete_port(self.ctx, port["id"])
            except Exception as exc:  # cleanup goes on whatever fails
                self.n.lines([f"could not delete port {port['name']}: {exc}"])
        for net in self.networks.values():
            try:
                self.p.delete_network(self.ctx, net["id"])
            except Exception as exc:
                self.n.lines([f"could not delete network {net['name']}: {exc}"])
