"""Neutron's default policy on networks, subnets and ports."""

from __future__ import annotations

import pytest

from ml2core import Context
from ml2core.exceptions import NetworkNotFound, NotAuthorized

ADMIN = Context.admin()
P1 = Context("p1")
P2 = Context("p2")


@pytest.fixture
def plugin(make_sqlite_plugin):
    return make_sqlite_plugin(ml2_type_vlan={"network_vlan_ranges": ["physnet1:10:20"]})


@pytest.mark.parametrize(
    "body",
    [
        {"provider:network_type": "vlan"},
        {"provider:physical_network": "physnet1"},
        {"provider:segmentation_id": 12},
        {"segments": [{"provider:network_type": "local"}]},
        {"shared": True},
        {"project_id": "p2"},
    ],
)
def test_project_cannot_set_admin_only_network_attributes(plugin, body) -> None:
    with pytest.raises(NotAuthorized):
        plugin.create_network(P1, body)
    assert plugin.get_networks(ADMIN) == []


def test_project_does_not_see_provider_attributes(plugin) -> None:
    net = plugin.create_network(P1, {})
    assert not any(k.startswith("provider:") or k == "segments" for k in net)
    assert not any(k.startswith("provider:") for k in plugin.get_network(P1, net["id"]))
    assert plugin.get_network(ADMIN, net["id"])["provider:network_type"] == "local"


def test_project_sees_own_and_shared_networks_only(plugin) -> None:
    own = plugin.create_network(P1, {})
    other = plugin.create_network(P2, {})
    shared = plugin.create_network(ADMIN, {"shared": True})
    assert {n["id"] for n in plugin.get_networks(P1)} == {own["id"], shared["id"]}
    with pytest.raises(NetworkNotFound):
        plugin.get_network(P1, other["id"])


def test_changing_a_shared_network_not_owned_is_not_authorized(plugin) -> None:
    shared = plugin.create_network(ADMIN, {"shared": True})
    with pytest.raises(NotAuthorized):
        plugin.update_network(P1, shared["id"], {"name": "mine"})
    with pytest.raises(NotAuthorized):
        plugin.delete_network(P1, shared["id"])


def test_changing_an_invisible_network_is_not_found(plugin) -> None:
    other = plugin.create_network(P2, {})
    with pytest.raises(NetworkNotFound):
        plugin.update_network(P1, other["id"], {"name": "x"})
    with pytest.raises(NetworkNotFound):
        plugin.delete_network(P1, other["id"])


def test_admin_creates_for_another_project(plugin) -> None:
    net = plugin.create_network(ADMIN, {"project_id": "p2"})
    assert net["project_id"] == "p2"
    assert [n["id"] for n in plugin.get_networks(P2)] == [net["id"]]


def test_agents_and_host_api_are_admin_only(plugin) -> None:
    with pytest.raises(NotAuthorized):
        plugin.report_agent_state(P1, {"host": "h", "agent_type": "x"})
    with pytest.raises(NotAuthorized):
        plugin.get_agents(P1)
    with pytest.raises(NotAuthorized):
        plugin.get_host_ports(P1, "h")
    with pytest.raises(NotAuthorized):
        plugin.get_network_segment_ranges(P1)
