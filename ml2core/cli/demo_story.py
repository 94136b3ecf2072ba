"""The control-plane part of ``ml2core demo``: one method per step of the story.

Each step calls the facade as an operator's tools would (as admin, or as a
project for the project network), prints what happened in tables and short
sentences, and records anything unexpected in :attr:`Demo.problems`.
"""

from __future__ import annotations

import os
import textwrap
from typing import Any

from ml2core import Context, Ml2Plugin, constants
from ml2core import config as ml2_config
from ml2core.cli import demo_cloud as cloud
from ml2core.cli.allocations import compute_usage, usage_table
from ml2core.cli.explain import path_sentence, render_explanation, segment_labels
from ml2core.cli.narrate import Narrator
from ml2core.cli.views import agent_mappings, binding_path, network_segments, segment_label
from ml2core.exceptions import DriverLoadError, DriverNotFound

__all__ = ["Demo"]

SegKey = tuple[str, str | None, int | None]


class Demo:
    """One run of the demo on ``workdir`` (the plugin is made in :meth:`start`)."""

    def __init__(self, narrator: Narrator, workdir: str, *, with_tor: bool) -> None:
        self.n = narrator
        self.workdir = workdir
        self.with_tor = with_tor
        self.ctx = Context.admin()
        self.conf_path = os.path.join(workdir, "ml2.conf")
        self.db_url = f"sqlite:///{os.path.join(workdir, 'demo.sqlite')}"
        self.plugin: Ml2Plugin | None = None
        self.networks: dict[str, dict[str, Any]] = {}
        self.ports: dict[str, dict[str, Any]] = {}
        self.problems: list[str] = []

    @property
    def p(self) -> Ml2Plugin:
        """The plugin (after :meth:`start`)."""
        assert self.plugin is not None
        return self.plugin

    def close(self) -> None:
        """Close the plugin."""
        if self.plugin is not None:
            self.plugin.close()

    # -- the story ---------------------------------------------------------------------
    def _write_config(self) -> str:
        text = cloud.config_text(self.db_url, with_tor=self.with_tor)
        with open(self.conf_path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return text

    def start(self) -> None:
        """Write ml2.conf, show it, start the plugin (which creates the schema)."""
        text = self._write_config()
        self.n.say(f"The configuration, as an operator would write it ({self.conf_path}):")
        self.n.lines([line for line in text.splitlines() if line], indent=4)
        self.n.blank()
        if not self.with_tor:
            self.n.note(
                f"Note: the example vendor driver (entry point {cloud.EXAMPLE_TOR}) is not installed, "
                "so it is left out of mechanism_drivers; install it with "
                "'pip install -e examples/vendor-driver' to see the hierarchical binding for real."
            )
        try:
            self._start_plugin()
        except (DriverNotFound, DriverLoadError) as exc:
            if not self.with_tor or cloud.EXAMPLE_TOR not in str(exc):
                raise
            # A broken vendor install must not spoil the rest of the story.
            self.with_tor = False
            self._write_config()
            self.n.note(f"Note: {str(exc).rstrip('.')}. The demo goes on without {cloud.EXAMPLE_TOR}.")
            self._start_plugin()

    def _start_plugin(self) -> None:
        with self.n.progress("Starting ml2core: loading drivers, creating the database schema"):
            conf = ml2_config.new_conf(config_files=[self.conf_path])
            self.plugin = Ml2Plugin(conf)

    def agents(self) -> None:
        """Three hosts report their agents."""
        for state in cloud.AGENTS:
            self.p.report_agent_state(self.ctx, state)
        rows = []
        for agent in self.p.get_agents(self.ctx):
            conf = agent["configurations"]
            rows.append(
                [
                    agent["host"],
                    agent["agent_type"],
                    agent_mappings(agent),
                    ", ".join(conf.get("tunnel_types") or []) or "-",
                    "alive" if agent["alive"] else "DEAD",
                ]
            )
        self.n.table(["Host", "Agent", "Mappings", "Tunnel types", "State"], rows)
        self.n.say(
            "A mechanism driver binds a port on a host only through a live agent of its kind that "
            "reaches the segment: a physnet in the agent's mappings, or a tunnel type it lists. "
            "compute3's Open vSwitch has no tunnels: it sits behind a top-of-rack switch."
        )

    def networks_step(self) -> None:
        """Provider and project networks, with their subnets."""
        with self.n.progress(f"Creating {len(cloud.NETWORKS)} networks and their subnets") as tick:
            for name, project, body, cidr, _how in cloud.NETWORKS:
                ctx = Context(project_id=project) if project and not body else self.ctx
                full = {"name": name, **body}
                if project and body:
                    full["project_id"] = project
                net = self.p.create_network(ctx, full)
                self.p.create_subnet(ctx, {"network_id": net["id"], "cidr": cidr, "name": f"{name}-subnet"})
                self.networks[name] = self.p.get_network(self.ctx, net["id"])
                tick(name)
        rows = []
        for name, project, _body, cidr, how in cloud.NETWORKS:
            net = self.networks[name]
            seg = network_segments(net)[0]
            rows.append(
                [
                    name,
                    project or "admin",
                    seg["network_type"],
                    seg["physical_network"] or "",
                    seg["segmentation_id"] if seg["segmentation_id"] is not None else "-",
                    net["mtu"],
                    cidr,
                    textwrap.fill(how, 32),
                ]
            )
        self.n.table(["Network", "Project", "Type", "Physnet", "ID", "MTU", "Subnet", "How"], rows)
        self.n.say(
            "The VXLAN, GRE and GENEVE IDs were picked from the configured ranges. VLAN 42 lies outside "
            "the project range 100-199: a provider network may use any valid ID. The MTUs follow the "
            "encapsulation: 1500 on flat and VLAN, 1450 for VXLAN and GENEVE (1500 less 50 bytes of outer "
            "headers), 1458 for GRE (less 42)."
        )

    def ports_step(self) -> None:
        """Ports on each host, bound by each mechanism driver."""
        with self.n.progress(f"Creating and binding {len(cloud.PORTS)} ports") as tick:
            for name, net_name, host, vnic, profile, _expect in cloud.PORTS:
                body: dict[str, Any] = {
                    "name": name,
                    "network_id": self.networks[net_name]["id"],
                    "binding:host_id": host,
                    "binding:vnic_type": vnic,
                    "device_owner": "compute:demo",
                }
                if profile:
                    body["binding:profile"] = profile
                self.ports[name] = self.p.create_port(self.ctx, body)
                tick(name)
        rows = []
        for name, net_name, host, vnic, _profile, expect in cloud.PORTS:
            port = self.ports[name]
            path = binding_path(self.p.explain_binding(self.ctx, port["id"]))
            drivers = [lv.driver for lv in path]
            rows.append(
                [
                    name,
                    net_name,
                    host,
                    vnic,
                    " >\n".join(drivers) or "-",
                    " >\n".join(segment_label(lv.segment) for lv in path) or "-",
                    port["binding:vif_type"],
                ]
            )
            self._check(name, expect, drivers, port)
        self.n.table(["Port", "Network", "Host", "VNIC", "Bound by", "Segment(s)", "VIF type"], rows)
        self.n.say(
            "openvswitch bound the flat, GRE and GENEVE ports on compute1 (VIF ovs), linuxbridge the "
            "VXLAN port on compute2 (VIF bridge), and sriovnicswitch the 'direct' port on compute3: a "
            "virtual function (VIF hw_veb) whose binding:profile names the PCI device Nova claimed, "
            f"{cloud.SRIOV_PROFILE['pci_slot']} ({cloud.SRIOV_PROFILE['pci_vendor_info']}), tagged "
            f"with VLAN {self.ports['sriov-vf-1']['binding:vif_details'].get('vlan')} by the NIC."
        )

    def _check(self, name: str, expect: str, drivers: list[str], port: dict[str, Any]) -> None:
        if expect == "fails":
            ok = port["binding:vif_type"] == constants.VIF_TYPE_BINDING_FAILED
        elif expect == "hierarchical":
            ok = drivers == [cloud.EXAMPLE_TOR, "openvswitch"] if self.with_tor else not drivers
        else:
            ok = drivers == [expect]
        if not ok:
            self.problems.append(
                f"port {name}: expected {expect}, got {' > '.join(drivers) or port['binding:vif_type']}"
            )

    def hierarchy(self) -> None:
        """The hierarchically bound port and its dynamic VLAN."""
        port = self.ports["tor-1"]
        explanation = self.p.explain_binding(self.ctx, port["id"])
        path = binding_path(explanation)
        vxlan = self.networks["project-vxlan"]["provider:segmentation_id"]
        if not self.with_tor or len(path) != 2:
            self._hierarchy_missing(port, explanation, vxlan)
            return
        labels = segment_labels(explanation, network_segments(self.networks["project-vxlan"]))
        self.n.table(
            ["Level", "Driver", "Bound segment", "What it did"],
            [
                [
                    0,
                    path[0].driver,
                    labels.get(str(path[0].segment.get("id")), ""),
                    "allocated a dynamic VLAN, continued",
                ],
                [
                    1,
                    path[1].driver,
                    labels.get(str(path[1].segment.get("id")), ""),
                    "bound it through br-vlan",
                ],
            ],
        )
        vlan = path[1].segment.get("segmentation_id")
        tor2 = binding_path(self.p.explain_binding(self.ctx, self.ports["tor-2"]["id"]))
        shared = tor2 and tor2[-1].segment.get("id") == path[1].segment.get("id")
        self.n.say(
            f"tor-1 is on the VXLAN network (VNI {vxlan}), but compute3 carries no tunnels. The vendor "
            f"driver {cloud.EXAMPLE_TOR} stands for the top-of-rack switch: it bound the VXLAN level by "
            f"allocating a dynamic VLAN {vlan} on {cloud.TOR_PHYSNET} and continued the binding; "
            "openvswitch then bound that VLAN on compute3. The switch maps VNI "
            f"{vxlan} to VLAN {vlan}. "
            + (
                f"tor-2, on the same network and host, shares the same dynamic VLAN {vlan}. "
                if shared
                else ""
            )
            + "The framework keeps a dynamic segment while a binding uses it and releases it after "
            "the last one goes (see the cleanup)."
        )
        if not shared:
            self.problems.append("tor-2 does not share tor-1's dynamic segment")

    def _hierarchy_missing(self, port: dict[str, Any], explanation: dict[str, Any], vxlan: Any) -> None:
        if self.with_tor:
            self.problems.append("tor-1 was not bound in two levels")
            self.n.say("Unexpected: tor-1 was not bound in two levels. The explanation:")
        else:
            self.n.say(
                f"Not shown for real: the example vendor driver ({cloud.EXAMPLE_TOR}) is not available. "
                "With it, tor-1 (VXLAN network, on compute3 whose Open vSwitch has no tunnels) "
                "would be bound in two levels:"
            )
            self.n.lines(
                [
                    f"level 0  {cloud.EXAMPLE_TOR:<12} binds vxlan VNI {vxlan}: allocates a dynamic VLAN on "
                    f"{cloud.TOR_PHYSNET} (from 100-199) and continues",
                    f"level 1  {'openvswitch':<12} binds that VLAN on compute3's br-vlan (VIF ovs)",
                ]
            )
            self.n.say("Without it nobody can bind tor-1 and tor-2 today, as the explanation says:")
        self.n.lines(render_explanation(port, explanation, self.networks["project-vxlan"]).splitlines())

    def failure(self) -> None:
        """The port that fails to bind, why, and how it heals."""
        port = self.p.get_port(self.ctx, self.ports["broken-1"]["id"])
        explanation = self.p.explain_binding(self.ctx, port["id"])
        self.n.say(
            f"broken-1 (GRE network, on compute2) has binding:vif_type {port['binding:vif_type']}. "
            "'ml2core port explain broken-1' tells why, driver by driver:"
        )
        self.n.blank()
        self.n.lines(
            render_explanation(port, explanation, self.networks["project-gre"], width=96).splitlines()
        )
        self.n.blank()
        self.n.say(
            "compute2 runs only a Linux bridge agent, whose dataplane carries VXLAN as its only "
            "tunnel type. The port stays binding_failed until an agent that can carry GRE reports "
            "on compute2: ml2core then binds it again by itself. Let us start one."
        )
        self.p.report_agent_state(
            self.ctx,
            {
                "host": "compute2",
                "agent_type": constants.AGENT_TYPE_OVS,
                "binary": "ml2core-agent",
                "configurations": {
                    "bridge_mappings": {},
                    "tunnel_types": ["gre"],
                    "tunneling_ip": "192.0.2.22",
                },
            },
        )
        port = self.p.get_port(self.ctx, port["id"])
        explanation = self.p.explain_binding(self.ctx, port["id"])
        self.ports["broken-1"] = port
        if port["binding:vif_type"] == constants.VIF_TYPE_BINDING_FAILED:
            self.problems.append("broken-1 was not bound again when an Open vSwitch agent appeared")
            self.n.say("Unexpected: broken-1 is still not bound.")
            return
        labels = segment_labels(explanation)
        self.n.say(
            "An Open vSwitch agent with GRE reported on compute2, and broken-1 is now bound: "
            f"{path_sentence(explanation, labels)} (vif_type {port['binding:vif_type']})."
        )

    def usage(self, title: str) -> dict[SegKey, str]:
        """Print the allocation usage; return ``{(type, physnet, id): network}`` of the IDs in use."""
        usages = compute_usage(self.p, self.ctx, ["public"])
        self.n.say(title)
        self.n.result(usage_table(usages))
        return {
            (u.network_type, u.physical_network, i.segmentation_id): i.network_name
            for u in usages
            for i in u.in_use
        }

    def allocations(self) -> None:
        """The allocation usage while the cloud runs."""
        in_use = self.usage("What 'ml2core allocation list' shows now:")
        self.n.say(
            f"{len(in_use)} segments are in use. Only allocated IDs are stored (one row each), never "
            "the free ones: a full 16-million VNI range costs nothing at start-up. VLAN 42 was "
            "chosen by the admin outside the project range, so it does not count against it."
        )

    def picture(self, keep: bool) -> None:
        """Write the topology SVG into the work directory."""
        from ml2core.cli.svg import render_svg
        from ml2core.cli.topology import collect

        path = os.path.join(self.workdir, "topology.svg")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render_svg(collect(self.p, self.ctx), title="ml2core demo"))
        where = path if keep else f"{path} (removed at the end; run with --keep to keep it)"
        self.n.say(f"'ml2core topology -o FILE.svg' draws networks, hosts and bindings: {where}")

    def cleanup(self) -> None:
        """Delete ports then networks, naming each ID as it goes back to its pool."""
        before = self._in_use()
        for name in [p[0] for p in cloud.PORTS]:
            self.p.delete_port(self.ctx, self.ports[name]["id"])
            after = self._in_use()
            freed = sorted(set(before) - set(after), key=str)
            still = [k for k in after if k in before and after[k][1]]
            line = f"deleted port {name}"
            if freed:
                line += (
                    ": released the dynamic "
                    + ", ".join(_label(k) for k in freed)
                    + " (no binding uses it now)"
                )
            elif name == "tor-1" and still and self.with_tor:
                line += f": its dynamic {_label(still[0])} stays, tor-2 still uses it"
            self.n.lines([line])
            before = after
        for name, *_rest in cloud.NETWORKS:
            self.p.delete_network(self.ctx, self.networks[name]["id"])
            after = self._in_use()
            freed = sorted(set(before) - set(after), key=str)
            what = ", ".join(_label(k) for k in freed) or "nothing to release"
            self.n.lines([f"deleted network {name} (with its subnet): released {what}"])
            before = after
        self.n.blank()
        left = self.usage("And the allocation usage after the cleanup:")
        if left:
            self.problems.append(f"{len(left)} IDs still in use after the cleanup: {sorted(left, key=str)}")
            self.n.say(f"Unexpected: {len(left)} IDs are still in use.")
        else:
            self.n.say("Every segmentation ID is back in its pool: 0 in use in every range.")

    def _in_use(self) -> dict[SegKey, tuple[str, bool]]:
        """``{(type, physnet, id): (network, dynamic)}`` of every ID in use."""
        usages = compute_usage(self.p, self.ctx, ["public"])
        return {
            (u.network_type, u.physical_network, i.segmentation_id): (i.network_name, i.dynamic)
            for u in usages
            for i in u.in_use
        }


def _label(key: SegKey) -> str:
    return segment_label({"network_type": key[0], "physical_network": key[1], "segmentation_id": key[2]})
