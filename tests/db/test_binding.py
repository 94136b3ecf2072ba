"""The port-binding engine: levels, backtracking, dynamic segments, races, explanations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from ml2core_testdrivers import mech as testmech

from ml2core import Context
from ml2core.testing import dump_tables

ADMIN = Context.admin()
P1 = Context("p1")
OVS_AGENT = {
    "agent_type": "Open vSwitch agent",
    "binary": "ml2core-agent",
    "configurations": {
        "bridge_mappings": {"physnet1": "br-eth1"},
        "tunnel_types": ["vxlan"],
        "tunneling_ip": "192.0.2.1",
    },
}


@pytest.fixture(autouse=True)
def _clear_hooks():
    testmech.BIND_HOOK.clear()
    yield
    testmech.BIND_HOOK.clear()


def _config(*drivers: str, **extra):
    groups = {
        "ml2": {"mechanism_drivers": list(drivers), "project_network_types": ["vxlan"]},
        "ml2_type_vxlan": {"vni_ranges": ["100:199"]},
        "ml2_type_vlan": {"network_vlan_ranges": ["physnet1:10:19", "physnet2:20:29"]},
        "ml2_type_gre": {"tunnel_id_ranges": ["1:5"]},
    }
    groups.update(extra)
    return groups


@pytest.fixture
def hier(make_plugin):
    plugin = make_plugin(**_config("tor", "vlan_binder"))
    net = plugin.create_network(P1, {})
    plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    return plugin, net


def _dynamic(plugin) -> list[tuple]:
    with plugin.engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT network_type, physical_network, segmentation_id FROM ml2core_network_segments "
                "WHERE is_dynamic = :t"
            ),
            {"t": True},
        ).all()


def _allocations(plugin, network_type: str) -> list[int]:
    with plugin.engine.connect() as conn:
        return sorted(
            r[0]
            for r in conn.execute(
                sa.text("SELECT segmentation_id FROM ml2core_segment_allocations WHERE network_type = :t"),
                {"t": network_type},
            )
        )


def test_hierarchical_binding_has_two_levels_and_a_dynamic_vlan(hier) -> None:
    plugin, net = hier
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    assert port["binding:vif_type"] == "ovs"
    dynamic = _dynamic(plugin)
    assert len(dynamic) == 1 and dynamic[0][0] == "vlan" and dynamic[0][1] == "physnet1"
    assert port["binding:vif_details"] == {"vlan": str(dynamic[0][2])}
    explanation = plugin.explain_binding(ADMIN, port["id"])
    assert [lv["level"] for lv in explanation["levels"]] == [0, 1]
    assert explanation["levels"][0]["drivers"][0]["outcome"] == "continued"
    bottom = explanation["levels"][1]["drivers"][-1]
    assert (bottom["driver"], bottom["outcome"]) == ("vlan_binder", "bound")
    assert bottom["segment_id"] == explanation["levels"][0]["drivers"][0]["next_segment_ids"][0]
    assert bottom["segment_id"] == explanation["levels"][1]["segments_to_bind"][0]["id"]
    assert explanation["levels"][1]["drivers"][0]["driver"] == "tor"
    assert "no VXLAN segment" in explanation["levels"][1]["drivers"][0]["reason"]
    assert dynamic[0][2] not in [n.get("provider:segmentation_id") for n in plugin.get_networks(ADMIN)]


def test_dynamic_segments_are_not_shown_on_the_network(hier) -> None:
    plugin, net = hier
    plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    shown = plugin.get_network(ADMIN, net["id"])
    assert shown["provider:network_type"] == "vxlan"
    assert "segments" not in shown


def test_ports_of_a_network_share_one_dynamic_segment_released_with_the_last(hier) -> None:
    plugin, net = hier
    a = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    b = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h2"})
    assert len(_dynamic(plugin)) == 1
    assert a["binding:vif_details"] == b["binding:vif_details"]
    plugin.delete_port(ADMIN, a["id"])
    assert len(_dynamic(plugin)) == 1
    plugin.delete_port(ADMIN, b["id"])
    assert _dynamic(plugin) == []
    assert _allocations(plugin, "vlan") == []


def test_unbinding_releases_the_dynamic_segment(hier) -> None:
    plugin, net = hier
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    unbound = plugin.update_port(ADMIN, port["id"], {"binding:host_id": ""})
    assert unbound["binding:vif_type"] == "unbound"
    assert _dynamic(plugin) == []
    assert _allocations(plugin, "vlan") == []


def test_moving_a_port_rebinds_and_keeps_one_dynamic_segment(hier) -> None:
    plugin, net = hier
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    moved = plugin.update_port(ADMIN, port["id"], {"binding:host_id": "h2"})
    assert moved["binding:host_id"] == "h2"
    assert moved["binding:vif_type"] == "ovs"
    assert moved["status"] == "DOWN"
    assert len(_dynamic(plugin)) == 1
    assert len(_allocations(plugin, "vlan")) == 1


def test_deleting_the_network_releases_dynamic_segments(hier) -> None:
    plugin, net = hier
    plugin.create_port(
        ADMIN, {"network_id": net["id"], "binding:host_id": "h1", "device_owner": "network:dhcp"}
    )
    plugin.delete_network(P1, net["id"])
    assert _dynamic(plugin) == []
    assert dump_tables(plugin.engine)["ml2core_segment_allocations"] == []


def test_backtracking_releases_the_abandoned_dynamic_segment(make_plugin) -> None:
    plugin = make_plugin(**_config("deadend", "tor", "vlan_binder"))
    net = plugin.create_network(P1, {})
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1", "fixed_ips": []})
    assert port["binding:vif_type"] == "ovs"
    explanation = plugin.explain_binding(ADMIN, port["id"])
    first = explanation["levels"][0]["drivers"][0]
    assert first["driver"] == "deadend" and first["outcome"] == "continued"
    assert "backtracked" in first["reason"]
    assert [d[0] for d in _dynamic(plugin)] == ["vlan"]
    assert _allocations(plugin, "gre") == []


def test_driver_binding_a_foreign_segment_did_not_bind(make_plugin) -> None:
    plugin = make_plugin(**_config("foreign", "tor", "vlan_binder"))
    net = plugin.create_network(P1, {})
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    assert port["binding:vif_type"] == "ovs"
    decision = plugin.explain_binding(ADMIN, port["id"])["levels"][0]["drivers"][0]
    assert decision["driver"] == "foreign" and decision["outcome"] == "error"
    assert "not in segments_to_bind" in decision["reason"]


def test_driver_that_raises_did_not_bind_and_reason_is_kept(make_plugin) -> None:
    plugin = make_plugin(**_config("faulty", "tor", "vlan_binder"), faulty={"fail_on": ["bind_port"]})
    net = plugin.create_network(P1, {})
    plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    assert port["binding:vif_type"] == "ovs"
    decision = plugin.explain_binding(ADMIN, port["id"])["levels"][0]["drivers"][0]
    assert decision == {
        "driver": "faulty",
        "outcome": "error",
        "reason": "RuntimeError: faulty driver refuses to bind",
    }


def test_port_without_fixed_ips_binds_only_with_l2_drivers(make_plugin) -> None:
    plugin = make_plugin(**_config("l3only"))
    net = plugin.create_network(P1, {})
    plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    no_ip = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1", "fixed_ips": []})
    assert no_ip["binding:vif_type"] == "binding_failed"
    reason = plugin.explain_binding(ADMIN, no_ip["id"])["levels"][0]["drivers"][0]["reason"]
    assert "no fixed IPs" in reason and "l3" in reason
    with_ip = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    assert with_ip["binding:vif_type"] == "other"


def test_binding_levels_are_bounded(make_plugin) -> None:
    plugin = make_plugin(
        **_config("looping", ml2_type_vlan={"network_vlan_ranges": [f"loop{i}:1:9" for i in range(12)]})
    )
    net = plugin.create_network(P1, {})
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1", "fixed_ips": []})
    assert port["binding:vif_type"] == "binding_failed"
    levels = plugin.explain_binding(ADMIN, port["id"])["levels"]
    assert [lv["level"] for lv in levels] == list(range(11))
    assert "maximum of 10 binding levels" in levels[-1]["drivers"][0]["reason"]
    assert _dynamic(plugin) == []


def test_port_changed_during_binding_discards_attempt_and_its_dynamic_segment(hier) -> None:
    plugin, net = hier
    port = plugin.create_port(ADMIN, {"network_id": net["id"]})

    def unbind_meanwhile(driver, context):
        if driver == "vlan_binder":
            testmech.BIND_HOOK.clear()
            plugin.update_port(ADMIN, port["id"], {"binding:host_id": ""})

    testmech.BIND_HOOK.append(unbind_meanwhile)
    result = plugin.update_port(ADMIN, port["id"], {"binding:host_id": "h1"})
    assert result["binding:host_id"] == ""
    assert result["binding:vif_type"] == "unbound"
    assert _dynamic(plugin) == []
    assert _allocations(plugin, "vlan") == []


@pytest.mark.parametrize("via", ["create", "update"])
def test_port_deleted_during_binding_returns_the_committed_port(hier, via) -> None:
    plugin, net = hier
    created: dict = {}

    def delete_meanwhile(driver, context):
        if driver == "vlan_binder":
            testmech.BIND_HOOK.clear()
            plugin.delete_port(ADMIN, context.current["id"])
            created["deleted"] = context.current["id"]

    if via == "create":
        testmech.BIND_HOOK.append(delete_meanwhile)
        result = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    else:
        port = plugin.create_port(ADMIN, {"network_id": net["id"]})
        testmech.BIND_HOOK.append(delete_meanwhile)
        result = plugin.update_port(ADMIN, port["id"], {"binding:host_id": "h1"})
    assert created["deleted"] == result["id"]
    assert result["binding:host_id"] == "h1"
    assert result["binding:vif_type"] == "unbound"
    assert plugin.get_ports(ADMIN) == []
    assert _dynamic(plugin) == []
    assert _allocations(plugin, "vlan") == []


def test_binding_gives_up_after_max_bind_tries(make_plugin) -> None:
    plugin = make_plugin(
        **_config(
            "tor",
            "vlan_binder",
            ml2={
                "mechanism_drivers": ["tor", "vlan_binder"],
                "project_network_types": ["vxlan"],
                "max_bind_tries": 3,
            },
        )
    )
    net = plugin.create_network(P1, {})
    calls: list[str] = []

    def always_change(driver, context):
        calls.append(driver)
        if driver == "vlan_binder":
            with plugin.engine.begin() as conn:
                conn.execute(sa.text("UPDATE ml2core_port_bindings SET revision = revision + 1"))

    testmech.BIND_HOOK.append(always_change)
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    assert port["binding:vif_type"] == "unbound"
    assert calls.count("vlan_binder") == 3
    assert _dynamic(plugin) == []


def test_host_vnic_or_profile_change_rebinds_with_status_down(make_plugin) -> None:
    plugin = make_plugin(**_config("openvswitch"))
    plugin.report_agent_state(ADMIN, {**OVS_AGENT, "host": "h1"})
    net = plugin.create_network(P1, {})
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    plugin.update_port_status(ADMIN, port["id"], "ACTIVE", "h1")
    assert plugin.get_port(ADMIN, port["id"])["status"] == "ACTIVE"
    rebound = plugin.update_port(ADMIN, port["id"], {"binding:profile": {"x": 1}})
    assert rebound["status"] == "DOWN"
    assert rebound["binding:vif_type"] == "ovs"
    first = plugin.explain_binding(ADMIN, port["id"])["attempted_at"]
    assert first is not None


def test_agent_coming_alive_rebinds_failed_ports_on_its_host(make_plugin) -> None:
    plugin = make_plugin(**_config("openvswitch"))
    net = plugin.create_network(P1, {})
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h7"})
    assert port["binding:vif_type"] == "binding_failed"
    reason = plugin.explain_binding(ADMIN, port["id"])["levels"][0]["drivers"][0]["reason"]
    assert reason == "no Open vSwitch agent is registered on host h7"
    plugin.report_agent_state(ADMIN, {**OVS_AGENT, "host": "h7"})
    assert plugin.get_port(ADMIN, port["id"])["binding:vif_type"] == "ovs"


def test_port_events_bound_failed_and_status_changed(make_plugin) -> None:
    plugin = make_plugin(**_config("openvswitch"))
    events: list[tuple[str, str]] = []
    for event in ("bound", "binding_failed", "status_changed"):
        plugin.subscribe("port", event, lambda r, e, t, p: events.append((e, p.resource_id)))
    net = plugin.create_network(P1, {})
    failed = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    plugin.report_agent_state(ADMIN, {**OVS_AGENT, "host": "h1"})
    plugin.update_port_status(ADMIN, failed["id"], "ACTIVE", "h1")
    assert events == [
        ("binding_failed", failed["id"]),
        ("bound", failed["id"]),
        ("status_changed", failed["id"]),
    ]


def test_status_report_from_another_host_is_ignored(make_plugin) -> None:
    plugin = make_plugin(**_config("openvswitch"))
    plugin.report_agent_state(ADMIN, {**OVS_AGENT, "host": "h1"})
    net = plugin.create_network(P1, {})
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    plugin.update_port_status(ADMIN, port["id"], "ACTIVE", "h2")
    assert plugin.get_port(ADMIN, port["id"])["status"] == "DOWN"


def test_host_ports_carry_tunnel_endpoints_and_remote_ports(make_plugin) -> None:
    plugin = make_plugin(**_config("openvswitch"))
    for host, ip in (("h1", "192.0.2.1"), ("h2", "192.0.2.2"), ("h3", "192.0.2.3")):
        state = {
            **OVS_AGENT,
            "host": host,
            "configurations": {**OVS_AGENT["configurations"], "tunneling_ip": ip},
        }
        plugin.report_agent_state(ADMIN, state)
    net = plugin.create_network(P1, {})
    plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    local = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    remote = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h2"})
    other_net = plugin.create_network(P1, {})
    plugin.create_port(ADMIN, {"network_id": other_net["id"], "binding:host_id": "h3"})
    [item] = plugin.get_host_ports(ADMIN, "h1")
    assert item["port"]["id"] == local["id"]
    assert item["network"]["mtu"] == 1450
    assert item["segment"]["network_type"] == "vxlan"
    assert item["tunnel_endpoints"] == [
        {"ip_address": "192.0.2.2", "host": "h2", "udp_port": 4789, "tunnel_type": "vxlan"}
    ]
    assert item["remote_ports"] == [
        {
            "mac_address": remote["mac_address"],
            "ip_address": remote["fixed_ips"][0]["ip_address"],
            "tunnel_ip": "192.0.2.2",
            "network_type": "vxlan",
        }
    ]
    assert plugin.get_host_ports(ADMIN, "h1", agent_type="Linux bridge agent") == []
    assert len(plugin.get_host_ports(ADMIN, "h1", agent_type="Open vSwitch agent")) == 1


def test_result_refused_in_precommit_leaves_port_failed_and_releases_dynamic_segment(make_plugin) -> None:
    plugin = make_plugin(
        **_config("faulty", "tor", "vlan_binder"), faulty={"fail_on": ["update_port_precommit"]}
    )
    net = plugin.create_network(P1, {})
    plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:host_id": "h1"})
    assert port["binding:vif_type"] == "binding_failed"
    explanation = plugin.explain_binding(ADMIN, port["id"])
    assert "refused" in explanation["error"] and "update_port_precommit" in explanation["error"]
    assert _dynamic(plugin) == []
    assert _allocations(plugin, "vlan") == []
