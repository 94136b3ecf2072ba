"""The switch and Open vSwitch bind a port together, in a real plugin on SQLite.

``ml2core_plugin`` and ``ml2core_agents`` come from ml2core's pytest
plugin; ``conftest.py`` configures the two drivers.
"""

from __future__ import annotations

from typing import Any

import pytest

from ml2core import Context, Ml2Plugin, constants
from ml2core.testing import Agents, dump_tables

HOST = "compute1"


@pytest.fixture
def network(ml2core_plugin: Ml2Plugin, ml2core_agents: Agents) -> dict[str, Any]:
    """A VXLAN project network with a subnet; an OVS agent with physnet1 (and no tunnels) on compute1."""
    ml2core_agents.ovs(HOST, bridge_mappings={"physnet1": "br-ex"}, tunnel_types=())
    ctx = Context.admin()
    network = ml2core_plugin.create_network(ctx, {"name": "tenant"})
    ml2core_plugin.create_subnet(ctx, {"network_id": network["id"], "cidr": "10.0.0.0/24", "ip_version": 4})
    return network


def bind(plugin: Ml2Plugin, network: dict[str, Any], host: str = HOST) -> dict[str, Any]:
    return plugin.create_port(Context.admin(), {"network_id": network["id"], "binding:host_id": host})


def decisions(plugin: Ml2Plugin, port_id: str) -> list[tuple[int, str, str, str]]:
    """``(level, driver, outcome, network type offered)`` for each driver that bound or continued."""
    explanation = plugin.explain_binding(Context.admin(), port_id)
    return [
        (level["level"], d["driver"], d["outcome"], level["segments_to_bind"][0]["network_type"])
        for level in explanation["levels"]
        for d in level["drivers"]
        if d["outcome"] in ("bound", "continued")
    ]


def test_vxlan_port_binds_in_two_levels_down_to_a_dynamic_vlan(
    ml2core_plugin: Ml2Plugin, network: dict[str, Any]
) -> None:
    assert network["provider:network_type"] == constants.TYPE_VXLAN

    port = bind(ml2core_plugin, network)

    assert port["binding:vif_type"] == constants.VIF_TYPE_OVS
    assert decisions(ml2core_plugin, port["id"]) == [
        (0, "example_tor", "continued", constants.TYPE_VXLAN),
        (1, "openvswitch", "bound", constants.TYPE_VLAN),
    ]
    [host_port] = ml2core_plugin.get_host_ports(Context.admin(), HOST)
    segment = host_port["segment"]
    assert (segment["network_type"], segment["physical_network"]) == (constants.TYPE_VLAN, "physnet1")
    assert 100 <= segment["segmentation_id"] <= 199


def test_ports_on_one_host_share_the_vlan_and_the_last_one_frees_it(
    ml2core_plugin: Ml2Plugin, network: dict[str, Any]
) -> None:
    before = dump_tables(ml2core_plugin.engine)
    ports = [bind(ml2core_plugin, network) for _ in range(2)]
    segments = [hp["segment"] for hp in ml2core_plugin.get_host_ports(Context.admin(), HOST)]

    assert len(segments) == 2
    assert segments[0] == segments[1]
    for port in ports:
        ml2core_plugin.delete_port(Context.admin(), port["id"])
    assert dump_tables(ml2core_plugin.engine) == before


def test_a_host_without_agent_fails_binding_and_keeps_no_vlan(
    ml2core_plugin: Ml2Plugin, network: dict[str, Any]
) -> None:
    before = dump_tables(ml2core_plugin.engine)

    port = bind(ml2core_plugin, network, host="compute9")

    assert port["binding:vif_type"] == constants.VIF_TYPE_BINDING_FAILED
    after = dump_tables(ml2core_plugin.engine)
    for table in ("ml2core_network_segments", "ml2core_segment_allocations"):
        assert after[table] == before[table], table


def test_the_port_binds_once_the_hosts_agent_reports(
    ml2core_plugin: Ml2Plugin, ml2core_agents: Agents, network: dict[str, Any]
) -> None:
    port = bind(ml2core_plugin, network, host="compute2")
    assert port["binding:vif_type"] == constants.VIF_TYPE_BINDING_FAILED

    ml2core_agents.ovs("compute2", tunnel_types=())

    rebound = ml2core_plugin.get_port(Context.admin(), port["id"])
    assert rebound["binding:vif_type"] == constants.VIF_TYPE_OVS
