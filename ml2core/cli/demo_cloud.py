"""The small cloud ``ml2core demo`` builds: its configuration, hosts, networks and ports.

Plain data, so the narration (:mod:`ml2core.cli.demo`) reads as a story and
the tests can refer to the same names.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from ml2core import constants

__all__ = [
    "AGENTS",
    "EXAMPLE_TOR",
    "NETWORKS",
    "PORTS",
    "config_text",
    "example_tor_installed",
]

EXAMPLE_TOR = "example_tor"
TOR_PHYSNET = "physnet1"
TOR_HOST = "compute3"


def example_tor_installed() -> bool:
    """Whether the example vendor driver (entry point ``example_tor``) is installed."""
    return any(ep.name == EXAMPLE_TOR for ep in entry_points(group="ml2core.mechanism_drivers"))


def render_ini(groups: dict[str, dict[str, Any]]) -> str:
    """An ini file: lists comma-joined (ml2core.testing is for tests; the CLI does not need it)."""
    lines: list[str] = []
    for group, values in groups.items():
        lines.append(f"[{group}]")
        for name, value in values.items():
            text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            lines.append(f"{name} = {text}")
        lines.append("")
    return "\n".join(lines)


def config_text(db_url: str, *, with_tor: bool) -> str:
    """The ``ml2.conf`` of the demo (what an operator would write)."""
    mechanisms = ["openvswitch", "linuxbridge", "sriovnicswitch"] + ([EXAMPLE_TOR] if with_tor else [])
    groups: dict[str, dict[str, Any]] = {
        "ml2": {
            "type_drivers": ["flat", "vlan", "vxlan", "gre", "geneve", "local"],
            "project_network_types": ["vxlan", "gre", "geneve"],
            "mechanism_drivers": mechanisms,
        },
        "ml2_type_flat": {"flat_networks": ["public"]},
        "ml2_type_vlan": {"network_vlan_ranges": [f"{TOR_PHYSNET}:100:199"]},
        "ml2_type_vxlan": {"vni_ranges": ["1000:1999"]},
        "ml2_type_gre": {"tunnel_id_ranges": ["100:199"]},
        "ml2_type_geneve": {"vni_ranges": ["5000:5999"]},
        "database": {"connection": db_url},
    }
    if with_tor:
        # The switch's hosts: the others reach VXLAN themselves.
        groups[EXAMPLE_TOR] = {"physical_network": TOR_PHYSNET, "hosts": [TOR_HOST]}
    return render_ini(groups)


#: What each host's agents report (``report_agent_state`` bodies).
AGENTS: list[dict[str, Any]] = [
    {
        "host": "compute1",
        "agent_type": constants.AGENT_TYPE_OVS,
        "binary": "ml2core-agent",
        "configurations": {
            "bridge_mappings": {"public": "br-ex", TOR_PHYSNET: "br-vlan"},
            "tunnel_types": ["vxlan", "gre", "geneve"],
            "tunneling_ip": "192.0.2.11",
            "datapath_type": "system",
            "integration_bridge": "br-int",
        },
    },
    {
        "host": "compute2",
        "agent_type": constants.AGENT_TYPE_LINUXBRIDGE,
        "binary": "ml2core-agent",
        "configurations": {
            "interface_mappings": {"public": "eth1", TOR_PHYSNET: "eth2"},
            "tunnel_types": ["vxlan"],
            "tunneling_ip": "192.0.2.12",
        },
    },
    {
        "host": "compute3",
        "agent_type": constants.AGENT_TYPE_NIC_SWITCH,
        "binary": "ml2core-agent",
        "configurations": {"device_mappings": {TOR_PHYSNET: ["ens1f0"]}},
    },
    {
        "host": "compute3",
        "agent_type": constants.AGENT_TYPE_OVS,
        "binary": "ml2core-agent",
        # No tunnels here: compute3 sits behind a top-of-rack switch that ends the VXLAN.
        "configurations": {
            "bridge_mappings": {TOR_PHYSNET: "br-vlan"},
            "tunnel_types": [],
            "datapath_type": "system",
            "integration_bridge": "br-int",
        },
    },
]

#: ``(name, project or None for admin, body, subnet CIDR, how to explain it)``.
NETWORKS: list[tuple[str, str | None, dict[str, Any], str, str]] = [
    (
        "public",
        None,
        {"provider:network_type": "flat", "provider:physical_network": "public", "shared": True},
        "203.0.113.0/24",
        "provider, untagged: no ID",
    ),
    (
        "provider-vlan",
        None,
        {
            "provider:network_type": "vlan",
            "provider:physical_network": TOR_PHYSNET,
            "provider:segmentation_id": 42,
        },
        "192.168.42.0/24",
        "provider, ID given by the admin",
    ),
    (
        "project-vxlan",
        "alice",
        {},
        "10.1.0.0/24",
        "project: first project type",
    ),
    (
        "project-gre",
        "alice",
        {"provider:network_type": "gre"},
        "10.2.0.0/24",
        "admin asked for type gre",
    ),
    (
        "project-geneve",
        "alice",
        {"provider:network_type": "geneve"},
        "10.3.0.0/24",
        "admin asked for type geneve",
    ),
]

SRIOV_PROFILE = {"pci_slot": "0000:03:10.1", "pci_vendor_info": "8086:10ed", "physical_network": TOR_PHYSNET}

#: ``(name, network, host, vnic type, binding profile, what should happen)``.
PORTS: list[tuple[str, str, str, str, dict[str, Any], str]] = [
    ("web-1", "public", "compute1", "normal", {}, "openvswitch"),
    ("app-1", "project-vxlan", "compute2", "normal", {}, "linuxbridge"),
    ("cache-1", "project-gre", "compute1", "normal", {}, "openvswitch"),
    ("db-1", "project-geneve", "compute1", "normal", {}, "openvswitch"),
    ("sriov-vf-1", "provider-vlan", "compute3", "direct", SRIOV_PROFILE, "sriovnicswitch"),
    ("tor-1", "project-vxlan", "compute3", "normal", {}, "hierarchical"),
    ("tor-2", "project-vxlan", "compute3", "normal", {}, "hierarchical"),
    ("broken-1", "project-gre", "compute2", "normal", {}, "fails"),
]
