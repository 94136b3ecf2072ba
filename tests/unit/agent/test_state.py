"""The state report and the status diff, as pure functions."""

from __future__ import annotations

from typing import Any

from drivers.agent import profiles, state
from ml2core.dataplane import BackendDescription, SyncReport
from tests.unit.agent.fakes import port_info

DESCRIPTION = BackendDescription(
    name="openvswitch",
    network_types=frozenset({"flat", "vlan", "vxlan", "geneve", "local"}),
    vnic_types=frozenset({"normal"}),
    vif_types=frozenset({"ovs"}),
    unavailable={"gre": "ovs-vswitchd has no gre interface type"},
)


def _state(**overrides: object) -> dict[str, object]:
    kwargs: dict[str, object] = {
        "host": "compute1",
        "agent_type": "Open vSwitch agent",
        "backend_configurations": {"bridge_mappings": {"physnet1": "br-eth1"}},
        "description": DESCRIPTION,
        "tunnel_types": ["vxlan"],
        "tunneling_ip": "192.0.2.10",
        "left_out": {},
        "devices": 3,
        "start_flag": True,
    }
    kwargs.update(overrides)
    return state.build_state(**kwargs)  # type: ignore[arg-type]


def test_state_report_names_host_type_binary_and_start_flag() -> None:
    report = _state()

    assert {k: report[k] for k in ("host", "agent_type", "binary", "start_flag")} == {
        "host": "compute1",
        "agent_type": "Open vSwitch agent",
        "binary": "ml2core-agent",
        "start_flag": True,
    }


def test_configurations_hold_mappings_tunnels_devices_and_the_backend_description() -> None:
    configurations = _state()["configurations"]

    assert configurations == {
        "bridge_mappings": {"physnet1": "br-eth1"},
        "tunnel_types": ["vxlan"],
        "tunneling_ip": "192.0.2.10",
        "devices": 3,
        "dataplane": {
            "backend": "openvswitch",
            "network_types": ["flat", "geneve", "local", "vlan", "vxlan"],
            "vnic_types": ["normal"],
            "vif_types": ["ovs"],
            "unavailable": {"gre": "ovs-vswitchd has no gre interface type"},
        },
    }


def test_no_tunneling_ip_is_reported_without_tunnel_types() -> None:
    configurations = _state(tunnel_types=[])["configurations"]

    assert configurations["tunnel_types"] == [] and "tunneling_ip" not in configurations  # type: ignore[index,operator]


def test_wanted_tunnel_types_the_backend_lacks_are_listed_unavailable() -> None:
    left_out = {"gre": "other words", "geneve": "disabled here"}
    dataplane = _state(left_out=left_out)["configurations"]["dataplane"]  # type: ignore[index]

    assert dataplane["unavailable"] == {  # the backend's own reason wins
        "gre": "ovs-vswitchd has no gre interface type",
        "geneve": "disabled here",
    }


def test_unset_tunnel_types_mean_every_tunnel_type_the_backend_realizes() -> None:
    assert profiles.tunnel_types(None, DESCRIPTION) == (["vxlan", "geneve"], {})


def test_listed_tunnel_types_the_backend_cannot_realize_are_left_out_with_the_reason() -> None:
    types, left_out = profiles.tunnel_types(("gre", "vxlan"), DESCRIPTION)

    assert types == ["vxlan"]
    assert left_out == {"gre": "ovs-vswitchd has no gre interface type"}


def test_empty_tunnel_types_announce_none() -> None:
    assert profiles.tunnel_types((), DESCRIPTION) == ([], {})


def test_only_changed_statuses_are_sent() -> None:
    infos = [port_info("a", "ACTIVE"), port_info("b", "DOWN"), port_info("c", "ACTIVE")]
    report = SyncReport(port_status={"a": "ACTIVE", "b": "ACTIVE", "c": "DOWN"})

    assert state.status_updates(infos, report) == {"b": "ACTIVE", "c": "DOWN"}


def test_a_port_with_an_error_is_down_whatever_the_backend_status() -> None:
    report = SyncReport(port_status={"a": "ACTIVE"}, errors={"a": "tap missing"})

    assert state.status_updates([port_info("a", "ACTIVE")], report) == {"a": "DOWN"}


def test_a_port_the_backend_did_not_mention_is_down() -> None:
    assert state.status_updates([port_info("a", "ACTIVE")], SyncReport()) == {"a": "DOWN"}


def test_a_port_in_build_goes_active_once_realized() -> None:
    report = SyncReport(port_status={"a": "ACTIVE"})

    assert state.status_updates([port_info("a", "BUILD")], report) == {"a": "ACTIVE"}


def test_malformed_items_are_skipped() -> None:
    report = SyncReport(port_status={"a": "ACTIVE"})
    infos: list[dict[str, Any]] = [{"port": {"id": 7}}, {"segment": {}}, port_info("a", "DOWN")]

    assert state.status_updates(infos, report) == {"a": "ACTIVE"}
