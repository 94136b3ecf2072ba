"""Mechanism driver hooks: order, transactions, and the contract's "Failures"."""

from __future__ import annotations

import pytest

from ml2core import Context
from ml2core.exceptions import MechanismDriverError
from ml2core.testing import dump_tables

ADMIN = Context.admin()
P1 = Context("p1")


def _drivers(plugin):
    return {d.name: d for d in plugin._core.mechanisms.drivers}


@pytest.fixture
def plugin(make_plugin):
    return make_plugin(ml2={"mechanism_drivers": ["logger", "logger2"]})


def test_precommit_runs_inside_and_postcommit_outside_the_transaction(plugin) -> None:
    net = plugin.create_network(P1, {})
    logger = _drivers(plugin)["logger"]
    assert logger.hooks("create_network_precommit") == [("create_network_precommit", net["id"], True)]
    assert logger.hooks("create_network_postcommit") == [("create_network_postcommit", net["id"], False)]


def test_drivers_are_called_in_configured_order_and_delete_port_in_reverse(plugin) -> None:
    order: list[str] = []
    for name, driver in _drivers(plugin).items():
        original = driver._record

        def record(hook, context, _name=name, _original=original):
            order.append(f"{_name}:{hook}")
            _original(hook, context)

        driver._record = record
    net = plugin.create_network(P1, {})
    port = plugin.create_port(P1, {"network_id": net["id"]})
    plugin.delete_port(P1, port["id"])
    assert order[:2] == ["logger:create_network_precommit", "logger2:create_network_precommit"]
    assert [o for o in order if o.endswith("delete_port_precommit")] == [
        "logger2:delete_port_precommit",
        "logger:delete_port_precommit",
    ]
    assert [o for o in order if o.endswith("delete_port_postcommit")] == [
        "logger2:delete_port_postcommit",
        "logger:delete_port_postcommit",
    ]


def test_every_hook_of_every_resource_is_called(plugin) -> None:
    net = plugin.create_network(P1, {})
    plugin.update_network(P1, net["id"], {"name": "x"})
    subnet = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    plugin.update_subnet(P1, subnet["id"], {"name": "x"})
    port = plugin.create_port(P1, {"network_id": net["id"]})
    plugin.update_port(P1, port["id"], {"name": "x"})
    plugin.delete_port(P1, port["id"])
    plugin.delete_subnet(P1, subnet["id"])
    plugin.delete_network(P1, net["id"])
    hooks = {c[0] for c in _drivers(plugin)["logger"].calls}
    from ml2core_testdrivers.mech import HOOKS

    assert hooks == set(HOOKS)


@pytest.fixture
def faulty(make_plugin):
    def make(*fail_on: str):
        return make_plugin(
            ml2={"mechanism_drivers": ["logger", "faulty", "logger2"]}, faulty={"fail_on": list(fail_on)}
        )

    return make


def test_failing_precommit_changes_nothing(faulty) -> None:
    plugin = faulty("create_network_precommit")
    before = dump_tables(plugin.engine)
    with pytest.raises(MechanismDriverError) as info:
        plugin.create_network(P1, {})
    assert info.value.committed is False
    assert info.value.errors[0][0] == "faulty"
    assert dump_tables(plugin.engine) == before
    assert _drivers(plugin)["logger2"].hooks("create_network_precommit") == []


def test_failing_create_postcommit_deletes_the_resource_again(faulty) -> None:
    plugin = faulty("create_network_postcommit", "create_port_postcommit", "create_subnet_postcommit")
    with pytest.raises(MechanismDriverError, match="not kept"):
        plugin.create_network(P1, {})
    assert plugin.get_networks(ADMIN) == []
    assert dump_tables(plugin.engine)["ml2core_segment_allocations"] == []
    assert len(_drivers(plugin)["logger2"].hooks("create_network_postcommit")) == 1


def test_failing_create_port_postcommit_deletes_the_port_again(faulty) -> None:
    plugin = faulty("create_port_postcommit")
    net = plugin.create_network(P1, {})
    plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    with pytest.raises(MechanismDriverError):
        plugin.create_port(P1, {"network_id": net["id"]})
    assert plugin.get_ports(ADMIN) == []
    assert dump_tables(plugin.engine)["ml2core_ip_allocations"] == []


def test_failing_update_postcommit_keeps_the_change_and_calls_everyone(faulty) -> None:
    plugin = faulty("update_network_postcommit", "update_port_postcommit")
    net = plugin.create_network(P1, {"name": "before"})
    with pytest.raises(MechanismDriverError, match="was committed") as info:
        plugin.update_network(P1, net["id"], {"name": "after"})
    assert info.value.committed is True
    assert plugin.get_network(P1, net["id"])["name"] == "after"
    assert len(_drivers(plugin)["logger2"].hooks("update_network_postcommit")) == 1
    port = plugin.create_port(P1, {"network_id": net["id"]})
    with pytest.raises(MechanismDriverError) as info:
        plugin.update_port(P1, port["id"], {"name": "renamed"})
    assert info.value.committed is True
    assert plugin.get_port(P1, port["id"])["name"] == "renamed"


def test_failing_delete_postcommit_is_logged_and_resource_stays_deleted(faulty, caplog) -> None:
    plugin = faulty("delete_network_postcommit", "delete_port_postcommit")
    net = plugin.create_network(P1, {})
    port = plugin.create_port(P1, {"network_id": net["id"]})
    plugin.delete_port(P1, port["id"])
    plugin.delete_network(P1, net["id"])
    assert plugin.get_networks(ADMIN) == []
    assert "faulty driver fails in delete_network_postcommit" in caplog.text
    assert len(_drivers(plugin)["logger2"].hooks("delete_network_postcommit")) == 1
    assert len(_drivers(plugin)["logger"].hooks("delete_port_postcommit")) == 1


def test_failing_delete_precommit_keeps_the_resource(faulty) -> None:
    plugin = faulty("delete_port_precommit")
    net = plugin.create_network(P1, {})
    port = plugin.create_port(P1, {"network_id": net["id"]})
    with pytest.raises(MechanismDriverError):
        plugin.delete_port(P1, port["id"])
    assert plugin.get_port(P1, port["id"])["id"] == port["id"]
