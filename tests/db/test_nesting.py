"""One nesting limit for dicts and lists in request values, the same on every database.

MariaDB refuses JSON nested 32 deep (a constraint error), PostgreSQL and
SQLite store it, and Python fails near 1,000 levels (``RecursionError``).
ml2core refuses anything nested deeper than ``MAX_NESTING`` as
``InvalidInput`` naming the field, before it touches the database.
"""

from __future__ import annotations

from typing import Any

import pytest

from ml2core import Context, constants
from ml2core.exceptions import InvalidInput
from ml2core.testing import dump_tables
from ml2core.validation import MAX_NESTING
from tests.conftest import PluginFactory

ADMIN = Context.admin()


def nested(levels: int) -> dict[str, Any]:
    """A dict nesting ``levels`` deep (``{}`` is one level)."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"k": value}
    return value


def _state(configurations: dict[str, Any]) -> dict[str, Any]:
    return {
        "host": "h1",
        "agent_type": constants.AGENT_TYPE_OVS,
        "binary": "test",
        "configurations": configurations,
    }


def test_values_up_to_the_limit_are_stored_and_read_back_on_every_database(
    make_plugin: PluginFactory,
) -> None:
    plugin = make_plugin()
    net = plugin.create_network(ADMIN, {"name": "n"})
    deep = nested(MAX_NESTING)
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "binding:profile": deep})
    assert plugin.get_port(ADMIN, port["id"])["binding:profile"] == deep
    agent = plugin.report_agent_state(ADMIN, _state({"extra": nested(MAX_NESTING - 1)}))
    assert agent["configurations"]["extra"] == nested(MAX_NESTING - 1)


@pytest.mark.parametrize("levels", [MAX_NESTING + 1, 32, 1000])
def test_deeper_values_are_invalid_input_naming_the_field_and_change_nothing(
    make_plugin: PluginFactory, levels: int
) -> None:
    plugin = make_plugin()
    net = plugin.create_network(ADMIN, {"name": "n"})
    port = plugin.create_port(ADMIN, {"network_id": net["id"]})
    before = dump_tables(plugin.engine)
    calls = {
        "binding:profile": lambda: plugin.create_port(
            ADMIN, {"network_id": net["id"], "binding:profile": nested(levels)}
        ),
        "port.binding:profile": lambda: plugin.update_port(
            ADMIN, port["id"], {"port": {"binding:profile": nested(levels)}}
        ),
        "configurations": lambda: plugin.report_agent_state(ADMIN, _state(nested(levels))),
        "filters": lambda: plugin.get_ports(ADMIN, filters=nested(levels)),
    }
    for field, call in calls.items():
        with pytest.raises(InvalidInput) as info:
            call()
        assert info.value.kwargs["field"] == field
        assert f"deeper than {MAX_NESTING} levels" in str(info.value)
    assert dump_tables(plugin.engine) == before
