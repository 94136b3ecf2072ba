"""The test kit for driver authors and embedders (public API).

- fakes of the driver contexts, to unit-test ``bind_port`` and hooks in
  milliseconds: :class:`FakePortContext`, :class:`FakeNetworkContext`,
  :class:`FakeSubnetContext` and builders (:func:`make_agent`,
  :func:`make_segment`, …);
- :func:`make_conf` (a configuration as an operator's file would give it)
  and :func:`dump_tables` (prove that a rejected call changed nothing);
- a real plugin on a temporary SQLite file, :func:`plugin_on_sqlite` (or
  :class:`PluginFactory`), agents on its hosts (:func:`register_ovs_agent`,
  :func:`register_linuxbridge_agent`, :func:`register_sriov_agent`,
  :func:`register_agent`), drivers loaded by entry-point name
  (:func:`load_mechanism_driver`, :func:`load_type_driver`) and type driver
  calls in a real transaction (:func:`driver_transaction`);
- the conformance suites :class:`MechanismDriverConformance` and
  :class:`TypeDriverConformance`, subclassed in one line (need pytest);
- host fixtures for dataplane tests in :mod:`ml2core.testing.hosts`;
- a pytest plugin, :mod:`ml2core.testing.pytest_plugin`, registered through
  the ``pytest11`` entry point, with fixtures ``ml2core_plugin``,
  ``ml2core_plugin_factory``, ``ml2core_conf``, ``ml2core_agents``,
  ``host_lab`` and ``ovs_lab``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ml2core.testing.config import make_conf, render_ini
from ml2core.testing.dbdump import dump_tables
from ml2core.testing.fakes import (
    ContinueBindingCall,
    FakeNetworkContext,
    FakePortContext,
    FakeSubnetContext,
    SetBindingCall,
    make_agent,
    make_network,
    make_port,
    make_segment,
    make_subnet,
)
from ml2core.testing.plugin import (
    DEFAULT_CONFIG,
    DEFAULT_PHYSNET,
    DEFAULT_TYPE_DRIVERS,
    Agents,
    PluginFactory,
    driver_transaction,
    load_mechanism_driver,
    load_type_driver,
    plugin_conf,
    plugin_config,
    plugin_on_sqlite,
    register_agent,
    register_linuxbridge_agent,
    register_ovs_agent,
    register_sriov_agent,
    sqlite_url,
)

if TYPE_CHECKING:
    from ml2core.testing.conformance import (
        BindingScenario,
        MechanismDriverConformance,
        TypeDriverConformance,
    )

# Names whose modules need pytest: imported on first use, so that the fakes
# and the plugin fixture work without pytest installed.
_LAZY = {
    "BindingScenario": "ml2core.testing.conformance",
    "MechanismDriverConformance": "ml2core.testing.conformance",
    "TypeDriverConformance": "ml2core.testing.conformance",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_PHYSNET",
    "DEFAULT_TYPE_DRIVERS",
    "Agents",
    "BindingScenario",
    "ContinueBindingCall",
    "FakeNetworkContext",
    "FakePortContext",
    "FakeSubnetContext",
    "MechanismDriverConformance",
    "PluginFactory",
    "SetBindingCall",
    "TypeDriverConformance",
    "driver_transaction",
    "dump_tables",
    "load_mechanism_driver",
    "load_type_driver",
    "make_agent",
    "make_conf",
    "make_network",
    "make_port",
    "make_segment",
    "make_subnet",
    "plugin_conf",
    "plugin_config",
    "plugin_on_sqlite",
    "register_agent",
    "register_linuxbridge_agent",
    "register_ovs_agent",
    "register_sriov_agent",
    "render_ini",
    "sqlite_url",
]
