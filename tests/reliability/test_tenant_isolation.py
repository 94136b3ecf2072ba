"""A project never sees or changes another project's resources, sets provider attributes or reads bindings.

Every read path of the facade, called by project ``attacker`` against the
world of ``tests/reliability/hostile.py`` (project ``victim`` owns a private
network with a subnet and a bound port, and a shared network), on the
three databases. The contract's "Contexts and policy": what a project
cannot see is ``NotFound``; what it sees but does not own is
``NotAuthorized`` to change; admin-only calls and attributes are
``NotAuthorized``; admin-only attributes are absent from every answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ml2core import Context
from ml2core.exceptions import InvalidInput, Ml2CoreError, NotAuthorized, NotFound
from ml2core.testing import dump_tables, make_conf
from tests.reliability import hostile
from tests.reliability.conftest import Figures, assert_consistent

ADMIN, ATTACKER, VICTIM = hostile.ADMIN, hostile.ATTACKER, hostile.VICTIM


@pytest.fixture
def world(make_plugin: Any) -> hostile.World:
    return hostile.World.build(make_plugin(**hostile.WORLD_GROUPS))


def _refused(fn: Callable[..., Any], kind: type[Ml2CoreError], *args: Any, **kwargs: Any) -> Ml2CoreError:
    """The error ``fn(*args, **kwargs)`` raises, which must be a ``kind``."""
    with pytest.raises(kind) as info:
        fn(*args, **kwargs)
    return info.value


def _no_admin_keys(items: Any) -> None:
    for item in items if isinstance(items, list) else [items]:
        shown = [k for k in hostile.ADMIN_ONLY_READ if k in item]
        assert shown == [], f"a project sees {shown}"


def test_a_project_never_sees_another_projects_private_resources(
    world: hostile.World, figures: Figures
) -> None:
    p, ids = world.plugin, world.ids
    private = world.private_ids()
    refused = 0
    for getter, key in (
        ("get_network", "victim_net"),
        ("get_subnet", "victim_subnet"),
        ("get_port", "victim_port"),
    ):
        for fields in (None, ["id"], ["name"]):
            _refused(getattr(p, getter), NotFound, ATTACKER, ids[key], fields=fields)
            refused += 1
    for lister, marker in (
        ("get_networks", "victim_net"),
        ("get_subnets", "victim_subnet"),
        ("get_ports", "victim_port"),
    ):
        listed = getattr(p, lister)(ATTACKER)
        assert not {i["id"] for i in listed} & set(private)
        _no_admin_keys(listed)
        for filters in (
            {"id": private},
            {"project_id": ["victim"]},
            {"tenant_id": ["victim"]},
            {"name": ["victim-private", "victim-subnet", "victim-port"]},
        ):
            found = getattr(p, lister)(ATTACKER, filters=filters)
            assert not {i["id"] for i in found} & set(private), (lister, filters)
        _refused(getattr(p, lister), NotFound, ATTACKER, marker=ids[marker])
        refused += 1
    assert p.get_ports(ATTACKER, filters={"network_id": [ids["victim_net"]]}) == []
    assert p.get_subnets(ATTACKER, filters={"network_id": [ids["victim_net"]]}) == []
    # What it may see: its own resources and the shared network with its subnet.
    assert {n["id"] for n in p.get_networks(ATTACKER)} == {ids["attacker_net"], ids["victim_shared_net"]}
    assert {s["id"] for s in p.get_subnets(ATTACKER)} == {ids["attacker_subnet"], ids["victim_shared_subnet"]}
    assert {q["id"] for q in p.get_ports(ATTACKER)} == {ids["attacker_port"], ids["attacker_port_on_shared"]}
    figures(f"isolation {p.engine.dialect.name}: {refused} reads of another project's resources refused")


def test_admin_only_reads_are_refused_to_a_project(world: hostile.World) -> None:
    p, ids = world.plugin, world.ids
    calls: list[Callable[[], Any]] = [
        lambda: p.get_agents(ATTACKER),
        lambda: p.get_host_ports(ATTACKER, "h1"),
        lambda: p.explain_binding(ATTACKER, ids["victim_port"]),
        lambda: p.explain_binding(ATTACKER, ids["attacker_port"]),
        lambda: p.get_network_segment_ranges(ATTACKER),
        lambda: p.get_network_segment_range(ATTACKER, ids["range"]),
        lambda: p.get_network_segment_range(ATTACKER, ids["default_range"]),
    ]
    for call in calls:
        _refused(call, NotAuthorized)


def test_a_project_never_changes_another_projects_resources(world: hostile.World, figures: Figures) -> None:
    p, ids = world.plugin, world.ids
    before = dump_tables(p.engine)
    not_found: list[Callable[[], Any]] = [
        lambda: p.update_network(ATTACKER, ids["victim_net"], {"name": "mine"}),
        lambda: p.delete_network(ATTACKER, ids["victim_net"]),
        lambda: p.update_subnet(ATTACKER, ids["victim_subnet"], {"name": "mine"}),
        lambda: p.delete_subnet(ATTACKER, ids["victim_subnet"]),
        lambda: p.update_port(ATTACKER, ids["victim_port"], {"name": "mine"}),
        lambda: p.delete_port(ATTACKER, ids["victim_port"]),
        lambda: p.create_port(ATTACKER, {"network_id": ids["victim_net"]}),
        lambda: p.create_subnet(ATTACKER, {"network_id": ids["victim_net"], "cidr": "10.7.0.0/24"}),
    ]
    not_authorized: list[Callable[[], Any]] = [
        lambda: p.update_network(ATTACKER, ids["victim_shared_net"], {"name": "mine"}),
        lambda: p.delete_network(ATTACKER, ids["victim_shared_net"]),
        lambda: p.update_subnet(ATTACKER, ids["victim_shared_subnet"], {"name": "mine"}),
        lambda: p.delete_subnet(ATTACKER, ids["victim_shared_subnet"]),
        lambda: p.create_subnet(ATTACKER, {"network_id": ids["victim_shared_net"], "cidr": "10.8.0.0/24"}),
        lambda: p.create_network(ATTACKER, {"project_id": "victim"}),
        lambda: p.create_port(ATTACKER, {"network_id": ids["attacker_net"], "project_id": "victim"}),
        lambda: p.update_port_status(ATTACKER, ids["victim_port"], "ACTIVE", "h1"),
        lambda: p.allocate_dynamic_segment(ATTACKER, ids["victim_net"], {"network_type": "vlan"}),
        lambda: p.release_dynamic_segment(ATTACKER, ids["dynamic_segment"]),
        lambda: p.report_agent_state(ATTACKER, {"host": "h1", "agent_type": "Open vSwitch agent"}),
        lambda: p.create_network_segment_range(
            ATTACKER, {"network_type": "vxlan", "minimum": 1, "maximum": 2}
        ),
        lambda: p.update_network_segment_range(ATTACKER, ids["range"], {"name": "mine"}),
        lambda: p.delete_network_segment_range(ATTACKER, ids["range"]),
    ]
    for call in not_found:
        _refused(call, NotFound)
    for call in not_authorized:
        _refused(call, NotAuthorized)
    exc = _refused(
        lambda: p.create_subnet(ATTACKER, {"network_id": ids["victim_shared_net"], "cidr": "10.9.0.0/24"}),
        NotAuthorized,
    )
    assert exc.field == "network_id"
    # An address of another project's subnet, asked for on one's own network.
    _refused(
        lambda: p.create_port(
            ATTACKER, {"network_id": ids["attacker_net"], "fixed_ips": [{"subnet_id": ids["victim_subnet"]}]}
        ),
        InvalidInput,
    )
    assert dump_tables(p.engine) == before
    # The owner of a shared network sees ports on it, never their binding.
    victims_view = p.get_ports(VICTIM, filters={"network_id": [ids["victim_shared_net"]]})
    assert [q["id"] for q in victims_view] == [ids["attacker_port_on_shared"]]
    _no_admin_keys(victims_view)
    assert p.release_dynamic_segment(ADMIN, ids["dynamic_segment"])  # the world's one unused on purpose
    assert_consistent(p)
    figures(
        f"isolation {p.engine.dialect.name}: {len(not_found) + len(not_authorized) + 1} changes of another "
        "project's resources refused, tables unchanged"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"provider:network_type": "vlan"},
        {"provider:physical_network": "physnet1"},
        {"provider:segmentation_id": 150},
        {"provider:network_type": "vxlan", "provider:segmentation_id": 1050},
        {"segments": [{"provider:network_type": "vxlan"}]},
        {"shared": True},
    ],
    ids=",".join,
)
def test_a_project_never_sets_provider_attributes(world: hostile.World, body: dict[str, Any]) -> None:
    p, ids = world.plugin, world.ids
    before = dump_tables(p.engine)
    for call in (
        lambda: p.create_network(ATTACKER, body),
        lambda: p.update_network(ATTACKER, ids["attacker_net"], body),
    ):
        exc = _refused(call, NotAuthorized)
        assert exc.field in body, exc
    assert dump_tables(p.engine) == before


@pytest.mark.parametrize(
    "body", [{"binding:host_id": "h1"}, {"binding:profile": {"a": 1}}], ids=["host", "profile"]
)
def test_a_project_never_sets_binding_attributes(world: hostile.World, body: dict[str, Any]) -> None:
    p, ids = world.plugin, world.ids
    before = dump_tables(p.engine)
    for call in (
        lambda: p.create_port(ATTACKER, {"network_id": ids["attacker_net"], **body}),
        lambda: p.update_port(ATTACKER, ids["attacker_port"], body),
    ):
        exc = _refused(call, NotAuthorized)
        assert exc.field in body, exc
    assert dump_tables(p.engine) == before


def test_a_project_never_reads_binding_or_provider_details(world: hostile.World, figures: Figures) -> None:
    p, ids = world.plugin, world.ids
    bound = p.create_port(
        ADMIN,
        {
            "network_id": ids["attacker_net"],
            "project_id": "attacker",
            "binding:host_id": "h1",
            "binding:profile": {"pci": "0000:01:00.1"},
        },
    )
    assert p.get_port(ADMIN, bound["id"])["binding:vif_type"] == "ovs"
    admin_only = list(hostile.ADMIN_ONLY_READ)
    answers: list[Any] = [
        p.get_port(ATTACKER, bound["id"]),
        p.get_port(ATTACKER, bound["id"], fields=admin_only),
        p.get_ports(ATTACKER),
        p.get_ports(ATTACKER, fields=admin_only),
        p.update_port(ATTACKER, bound["id"], {"name": "renamed"}),
        p.create_port(ATTACKER, {"network_id": ids["attacker_net"], "binding:vnic_type": "normal"}),
        p.get_network(ATTACKER, ids["attacker_net"]),
        p.get_network(ATTACKER, ids["victim_shared_net"], fields=admin_only),
        p.get_networks(ATTACKER),
        p.get_networks(ATTACKER, fields=admin_only),
        p.update_network(ATTACKER, ids["attacker_net"], {"name": "renamed"}),
        p.create_network(ATTACKER, {"name": "fresh"}),
    ]
    for answer in answers:
        _no_admin_keys(answer)
    assert p.get_port(ATTACKER, bound["id"])["binding:vnic_type"] == "normal"
    assert p.get_port(ATTACKER, bound["id"], fields=admin_only) == {}
    for lister, key in (
        ("get_ports", "binding:host_id"),
        ("get_ports", "binding:vif_type"),
        ("get_networks", "provider:network_type"),
        ("get_networks", "provider:segmentation_id"),
    ):
        exc = _refused(getattr(p, lister), NotAuthorized, ATTACKER, filters={key: ["h1"]})
        assert exc.field == f"filters[{key}]"
    figures(
        f"isolation {p.engine.dialect.name}: {len(answers)} answers to a project "
        "hold no binding or provider data"
    )


def test_a_context_without_a_project_sees_nothing(world: hostile.World) -> None:
    p = world.plugin
    nobody = Context()
    assert [n["id"] for n in p.get_networks(nobody)] == [world.ids["victim_shared_net"]]
    assert p.get_ports(nobody) == []
    _refused(lambda: p.get_network(nobody, world.ids["attacker_net"]), NotFound)
    assert make_conf is not None
