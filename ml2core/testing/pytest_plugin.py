"""ml2core's pytest plugin: the test kit as fixtures (registered through the ``pytest11`` entry point).

Installed with ml2core, so any project's tests can ask for:

* ``ml2core_plugin``: an :class:`~ml2core.Ml2Plugin` on a SQLite file in
  ``tmp_path``, configured from ``ml2core_conf``; closed after the test;
* ``ml2core_plugin_factory``: a :class:`~ml2core.testing.PluginFactory`
  for tests that need several plugins or configurations
  (``ml2core_plugin_factory(mechanism_drivers=["my_driver"], my_group={...})``);
* ``ml2core_conf``: the ``ConfigOpts`` ``ml2core_plugin`` gets (give it to a
  driver under test as ``driver.conf``);
* ``ml2core_agents``: :class:`~ml2core.testing.Agents` on ``ml2core_plugin``
  (``ml2core_agents.ovs("compute1")``);
* ``host_lab`` and ``ovs_lab``: the namespace-host and Open vSwitch sandbox
  fixtures of :mod:`ml2core.testing.hosts` (root only; they skip otherwise).

Override these two in a ``conftest.py`` to configure ``ml2core_plugin`` and
``ml2core_conf``::

    @pytest.fixture
    def ml2core_mechanism_drivers() -> list[str]:
        return ["my_driver", "openvswitch"]

    @pytest.fixture
    def ml2core_config() -> dict[str, dict[str, Any]]:
        return {"my_driver": {"physical_network": "physnet1"}}

Every fixture name starts with ``ml2core_`` (but the host fixtures, named
as in :mod:`ml2core.testing.hosts`), so the plugin does not clash with a
project's own fixtures; a project's fixture of the same name wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from oslo_config import cfg

from ml2core import Ml2Plugin

# Before the suites are imported anywhere: their asserts then explain themselves.
pytest.register_assert_rewrite("ml2core.testing.conformance")

from ml2core.testing.plugin import Agents, PluginFactory, plugin_conf  # noqa: E402

__all__ = [
    "ml2core_agents",
    "ml2core_conf",
    "ml2core_config",
    "ml2core_mechanism_drivers",
    "ml2core_plugin",
    "ml2core_plugin_factory",
]

try:
    from ml2core.testing.hosts import host_lab, ovs_lab
except ImportError:  # pragma: no cover - the host fixtures need only the standard library
    pass
else:
    __all__ += ["host_lab", "ovs_lab"]


@pytest.fixture
def ml2core_mechanism_drivers() -> list[str]:
    """``[ml2] mechanism_drivers`` of ``ml2core_conf`` / ``ml2core_plugin``: ``["openvswitch"]``.

    Override in a ``conftest.py`` to test your own driver.
    """
    return ["openvswitch"]


@pytest.fixture
def ml2core_config() -> dict[str, dict[str, Any]]:
    """Configuration groups merged over :data:`~ml2core.testing.DEFAULT_CONFIG` (none by default).

    Override in a ``conftest.py`` (``{"my_group": {"option": value}}``); an
    ``ml2`` group here may also replace ``type_drivers`` and the rest.
    """
    return {}


@pytest.fixture
def ml2core_conf(
    ml2core_mechanism_drivers: list[str], ml2core_config: dict[str, dict[str, Any]]
) -> cfg.ConfigOpts:
    """A parsed ``ConfigOpts``: :func:`~ml2core.testing.plugin_conf` of the two fixtures above."""
    groups: dict[str, Any] = dict(ml2core_config)
    return plugin_conf(mechanism_drivers=ml2core_mechanism_drivers, **groups)


@pytest.fixture
def ml2core_plugin_factory(tmp_path: Path) -> Iterator[PluginFactory]:
    """A :class:`~ml2core.testing.PluginFactory` in ``tmp_path``; its plugins close after the test."""
    with PluginFactory(tmp_path / "ml2core") as factory:
        yield factory


@pytest.fixture
def ml2core_plugin(ml2core_plugin_factory: PluginFactory, ml2core_conf: cfg.ConfigOpts) -> Ml2Plugin:
    """An ``Ml2Plugin`` with ``ml2core_conf`` on a fresh SQLite file (raises what ``Ml2Plugin`` raises)."""
    return ml2core_plugin_factory.with_conf(ml2core_conf)


@pytest.fixture
def ml2core_agents(ml2core_plugin: Ml2Plugin) -> Agents:
    """Agent helpers on ``ml2core_plugin``: ``ml2core_agents.ovs("compute1", bridge_mappings={...})``."""
    return Agents(ml2core_plugin)
