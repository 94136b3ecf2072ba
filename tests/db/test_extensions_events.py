"""Extension drivers and events for embedders."""

from __future__ import annotations

import pytest

from ml2core import Context
from ml2core.exceptions import ExtensionDriverError, InvalidInput
from ml2core.testing import dump_tables

P1 = Context("p1")


@pytest.fixture
def plugin(make_sqlite_plugin):
    return make_sqlite_plugin(ml2={"extension_drivers": ["test_ext"]})


def test_extension_attribute_is_processed_inside_the_transaction(plugin) -> None:
    net = plugin.create_network(P1, {"test_ext:color": "blue"})
    assert net["test_ext:color"] == "blue"
    assert plugin.get_network(P1, net["id"])["test_ext:color"] == "blue"
    driver = plugin._core.extensions.drivers[0]
    assert driver.calls[-1] == ("process_create_network", True)
    assert plugin.extension_aliases == ["test-ext"]


def test_undeclared_attribute_is_refused(plugin) -> None:
    with pytest.raises(InvalidInput) as info:
        plugin.create_network(P1, {"other_ext:x": 1})
    assert info.value.field == "other_ext:x"


def test_extension_validation_error_passes_through_and_changes_nothing(plugin) -> None:
    before = dump_tables(plugin.engine)
    with pytest.raises(InvalidInput):
        plugin.create_network(P1, {"test_ext:color": "invalid"})
    assert dump_tables(plugin.engine) == before


def test_extension_crash_is_extension_driver_error_and_changes_nothing(plugin) -> None:
    before = dump_tables(plugin.engine)
    with pytest.raises(ExtensionDriverError, match="extension crashed"):
        plugin.create_network(P1, {"test_ext:color": "crash"})
    assert dump_tables(plugin.engine) == before


def test_events_run_after_commit_in_order(make_sqlite_plugin) -> None:
    plugin = make_sqlite_plugin()
    seen: list[tuple[str, str, str, bool]] = []

    def callback(resource, event, trigger, payload):
        # After commit: the resource is visible from a fresh read.
        visible = bool(trigger.get_networks(Context.admin(), filters={"id": [payload.resource_id]}))
        seen.append((resource, event, payload.resource_id, visible))

    for event in ("after_create", "after_update", "after_delete"):
        plugin.subscribe("network", event, callback)
    net = plugin.create_network(P1, {})
    plugin.update_network(P1, net["id"], {"name": "x"})
    plugin.delete_network(P1, net["id"])
    assert seen == [
        ("network", "after_create", net["id"], True),
        ("network", "after_update", net["id"], True),
        ("network", "after_delete", net["id"], False),
    ]


def test_callback_errors_are_logged_not_raised(make_sqlite_plugin, caplog) -> None:
    plugin = make_sqlite_plugin()

    def broken(*args):
        raise RuntimeError("subscriber bug")

    plugin.subscribe("network", "after_create", broken)
    assert plugin.create_network(P1, {})["id"]
    assert "subscriber bug" in caplog.text


def test_update_payload_has_original_and_current(make_sqlite_plugin) -> None:
    plugin = make_sqlite_plugin()
    payloads = []
    plugin.subscribe("network", "after_update", lambda r, e, t, p: payloads.append(p))
    net = plugin.create_network(P1, {"name": "a"})
    plugin.update_network(P1, net["id"], {"name": "b"})
    original, current = payloads[0].states
    assert (original["name"], current["name"]) == ("a", "b")
    assert payloads[0].latest_state is current


@pytest.mark.parametrize(
    ("resource", "event"), [("router", "after_create"), ("network", "bound"), ("port", "before_create")]
)
def test_subscribe_refuses_unknown_resource_or_event(make_sqlite_plugin, resource, event) -> None:
    plugin = make_sqlite_plugin()
    with pytest.raises(InvalidInput):
        plugin.subscribe(resource, event, lambda *a: None)
