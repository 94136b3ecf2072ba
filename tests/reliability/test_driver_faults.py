"""A mechanism driver raising in any of the 18 hooks leaves what the contract's "Failures" promises.

create/update/delete, network/subnet/port, precommit/postcommit, each on
the three databases, between two recording drivers:

- a failing precommit raises ``MechanismDriverError`` (``committed`` false)
  and changes nothing (every ml2core table logically equal);
- a failing ``create_*_postcommit`` raises (``committed`` false) and the
  resource is gone again, with everything it held (the tables are as before);
- a failing ``update_*_postcommit`` keeps the committed change and raises
  ``MechanismDriverError`` with ``committed`` true;
- a failing ``delete_*_postcommit`` raises nothing and the resource stays
  deleted;
- postcommit hooks of every driver run even when one fails; the database is
  consistent afterwards.

Ports are bound (hierarchically: a dynamic VLAN below the VXLAN segment) so
that failures also cover binding levels and dynamic segments; an update of a
port moves it to another host.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ml2core_testdrivers.mech import HOOKS  # type: ignore[import-untyped]

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import MechanismDriverError, NotFound
from ml2core.testing import dump_tables, register_ovs_agent
from tests.reliability.conftest import Figures, assert_consistent

ADMIN = Context.admin()
GROUPS: dict[str, dict[str, Any]] = {
    "ml2": {
        "project_network_types": ["vxlan"],
        "mechanism_drivers": ["logger", "faulty", "tor", "openvswitch", "logger2"],
    },
    "ml2_type_vxlan": {"vni_ranges": ["100:199"]},
    "ml2_type_vlan": {"network_vlan_ranges": ["physnet1:10:19"]},
    "faulty": {"fail_on": []},
}


@dataclass
class Case:
    plugin: Ml2Plugin
    network: dict[str, Any] | None = None
    subnet: dict[str, Any] | None = None
    port: dict[str, Any] | None = None


def _setup(plugin: Ml2Plugin, resource: str, action: str) -> Case:
    """What must exist before ``action`` on ``resource`` (built with no failure armed)."""
    for host in ("h1", "h2"):
        register_ovs_agent(plugin, host)
    case = Case(plugin)
    if resource == "network" and action == "create":
        return case
    case.network = plugin.create_network(ADMIN, {"name": "before"})
    if resource == "network":
        return case
    if resource == "subnet" and action == "create":
        return case
    case.subnet = plugin.create_subnet(
        ADMIN, {"network_id": case.network["id"], "cidr": "10.0.0.0/24", "name": "before"}
    )
    if resource == "port" and action != "create":
        case.port = plugin.create_port(
            ADMIN, {"network_id": case.network["id"], "name": "before", "binding:host_id": "h1"}
        )
        assert case.port["binding:vif_type"] == "ovs"
    return case


def _act(case: Case, resource: str, action: str) -> Callable[[], Any]:
    p = case.plugin
    if resource == "network":
        if action == "create":
            return lambda: p.create_network(ADMIN, {"name": "new"})
        assert case.network is not None
        net_id = case.network["id"]
        if action == "update":
            return lambda: p.update_network(ADMIN, net_id, {"name": "after"})
        return lambda: p.delete_network(ADMIN, net_id)
    assert case.network is not None
    if resource == "subnet":
        if action == "create":
            body = {"network_id": case.network["id"], "cidr": "10.1.0.0/24", "name": "new"}
            return lambda: p.create_subnet(ADMIN, body)
        assert case.subnet is not None
        subnet_id = case.subnet["id"]
        if action == "update":
            return lambda: p.update_subnet(ADMIN, subnet_id, {"name": "after"})
        return lambda: p.delete_subnet(ADMIN, subnet_id)
    if action == "create":
        body = {"network_id": case.network["id"], "name": "new", "binding:host_id": "h1"}
        return lambda: p.create_port(ADMIN, body)
    assert case.port is not None
    port_id = case.port["id"]
    if action == "update":
        return lambda: p.update_port(ADMIN, port_id, {"name": "after", "binding:host_id": "h2"})
    return lambda: p.delete_port(ADMIN, port_id)


def _named(plugin: Ml2Plugin, resource: str, name: str) -> list[dict[str, Any]]:
    getter = getattr(plugin, f"get_{resource}s")
    return list(getter(ADMIN, filters={"name": [name]}))


def _drivers(plugin: Ml2Plugin) -> dict[str, Any]:
    return {d.name: d for d in plugin._core.mechanisms.drivers}


@pytest.mark.parametrize("hook", HOOKS)
def test_failing_hook_leaves_the_promised_state(make_plugin: Any, hook: str, figures: Figures) -> None:
    action, resource, phase = hook.split("_")
    plugin = make_plugin(**GROUPS)
    case = _setup(plugin, resource, action)
    call = _act(case, resource, action)
    plugin.conf.set_override("fail_on", [hook], group="faulty")
    before = dump_tables(plugin.engine)
    calls_before = len(_drivers(plugin)["logger2"].hooks(hook))

    if phase == "precommit":
        with pytest.raises(MechanismDriverError) as info:
            call()
        assert info.value.kwargs["committed"] is False
        assert [name for name, _ in info.value.kwargs["errors"]] == ["faulty"]
        assert dump_tables(plugin.engine) == before, "a failed precommit changed the tables"
        promise = "nothing changed"
    elif action == "create":
        with pytest.raises(MechanismDriverError) as info:
            call()
        assert info.value.kwargs["committed"] is False
        assert _named(plugin, resource, "new") == []
        assert dump_tables(plugin.engine) == before, "the failed create left something behind"
        promise = "resource gone"
    elif action == "update":
        with pytest.raises(MechanismDriverError) as info:
            call()
        assert info.value.kwargs["committed"] is True
        assert "was committed" in str(info.value)
        [item] = _named(plugin, resource, "after")
        if resource == "port":
            assert (item["binding:host_id"], item["binding:vif_type"]) == ("h2", "ovs")
        promise = "change kept, MechanismDriverError(committed=True)"
    else:
        call()
        assert _named(plugin, resource, "before") == []
        current = case.port or case.subnet or case.network
        assert current is not None
        with pytest.raises(NotFound):
            getattr(plugin, f"get_{resource}")(ADMIN, current["id"])
        promise = "resource deleted, no raise"
    if phase == "postcommit":
        assert len(_drivers(plugin)["logger2"].hooks(hook)) > calls_before, "a later driver was skipped"
    assert_consistent(plugin)
    figures(f"driver fault {plugin.engine.dialect.name} {hook}: {promise}, consistent")


@pytest.mark.parametrize(
    "hook",
    [
        "delete_port_precommit",
        "delete_port_postcommit",
        "delete_subnet_precommit",
        "delete_subnet_postcommit",
    ],
)
def test_failing_hook_of_what_a_network_delete_takes_along(
    make_plugin: Any, hook: str, figures: Figures
) -> None:
    """A network delete takes its subnets and network-owned ports along: their hooks keep the promises."""
    plugin = make_plugin(**GROUPS)
    register_ovs_agent(plugin, "h1")
    net = plugin.create_network(ADMIN, {"name": "before"})
    plugin.create_subnet(ADMIN, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    plugin.create_port(
        ADMIN, {"network_id": net["id"], "device_owner": "network:dhcp", "binding:host_id": "h1"}
    )
    plugin.conf.set_override("fail_on", [hook], group="faulty")
    before = dump_tables(plugin.engine)
    if hook.endswith("precommit"):
        with pytest.raises(MechanismDriverError) as info:
            plugin.delete_network(ADMIN, net["id"])
        assert info.value.kwargs["committed"] is False
        assert dump_tables(plugin.engine) == before
        promise = "nothing changed"
    else:
        plugin.delete_network(ADMIN, net["id"])
        assert plugin.get_networks(ADMIN) == []
        assert plugin.get_ports(ADMIN) == [] and plugin.get_subnets(ADMIN) == []
        promise = "everything deleted, no raise"
    census = assert_consistent(plugin)
    assert census.allocations == (census.segments if hook.endswith("precommit") else 0)
    figures(f"driver fault {plugin.engine.dialect.name} {hook} during delete_network: {promise}")
