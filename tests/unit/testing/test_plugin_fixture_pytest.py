"""The pytest plugin's fixtures, as a project's tests see them (configured by overriding two fixtures)."""

from __future__ import annotations

from typing import Any

import pytest
from oslo_config import cfg

from ml2core import Context, Ml2Plugin, constants
from ml2core.testing import Agents, PluginFactory


@pytest.fixture
def ml2core_mechanism_drivers() -> list[str]:
    """Overridden here as a vendor's conftest.py would."""
    return ["linuxbridge"]


@pytest.fixture
def ml2core_config() -> dict[str, dict[str, Any]]:
    return {"ml2_type_vxlan": {"vni_ranges": ["7:7"]}, "DEFAULT": {"agent_down_time": 30}}


def test_conf_holds_the_overridden_drivers_and_groups(ml2core_conf: cfg.ConfigOpts) -> None:
    assert ml2core_conf.ml2.mechanism_drivers == ["linuxbridge"]
    assert ml2core_conf.ml2_type_vxlan.vni_ranges == ["7:7"]
    assert ml2core_conf.agent_down_time == 30


def test_plugin_uses_that_conf(ml2core_plugin: Ml2Plugin, ml2core_conf: cfg.ConfigOpts) -> None:
    network = ml2core_plugin.create_network(Context.admin(), {"name": "n"})

    assert ml2core_plugin.conf is ml2core_conf
    assert network["provider:segmentation_id"] == 7


def test_agents_register_on_that_plugin(ml2core_plugin: Ml2Plugin, ml2core_agents: Agents) -> None:
    ml2core_agents.linuxbridge("compute1")
    network = ml2core_plugin.create_network(Context.admin(), {"name": "n"})

    port = ml2core_plugin.create_port(
        Context.admin(), {"network_id": network["id"], "binding:host_id": "compute1"}
    )

    assert port["binding:vif_type"] == constants.VIF_TYPE_BRIDGE


def test_factory_makes_plugins_with_other_drivers(ml2core_plugin_factory: PluginFactory) -> None:
    plugin = ml2core_plugin_factory(mechanism_drivers=["openvswitch"])

    assert plugin.conf.ml2.mechanism_drivers == ["openvswitch"]


def test_each_test_gets_a_fresh_database(ml2core_plugin: Ml2Plugin) -> None:
    # The networks of the tests above are gone: a new file per test.
    assert ml2core_plugin.get_networks(Context.admin()) == []


def test_the_plugin_is_registered_with_the_host_fixtures(pytestconfig: pytest.Config) -> None:
    from ml2core.testing import hosts, pytest_plugin

    assert pytestconfig.pluginmanager.get_plugin("ml2core") is pytest_plugin
    assert pytest_plugin.host_lab is hosts.host_lab
    assert pytest_plugin.ovs_lab is hosts.ovs_lab
