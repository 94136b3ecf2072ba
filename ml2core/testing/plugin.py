"""A real :class:`~ml2core.Ml2Plugin` on a temporary SQLite file, agents on its hosts, drivers by name.

Use these when a test needs the framework around a driver: precommit and
postcommit hooks inside and outside real transactions, binding levels,
dynamic segments, the segment allocator. A plugin starts in tens of
milliseconds on a fresh SQLite file, so a test can make its own::

    from ml2core import Context
    from ml2core.testing import plugin_on_sqlite, register_ovs_agent

    def test_port_binds_through_my_driver(tmp_path):
        with plugin_on_sqlite(tmp_path, mechanism_drivers=["my_driver", "openvswitch"]) as plugin:
            register_ovs_agent(plugin, "compute1")
            ctx = Context.admin()
            net = plugin.create_network(ctx, {"name": "net"})
            port = plugin.create_port(ctx, {"network_id": net["id"], "binding:host_id": "compute1"})
            assert port["binding:vif_type"] == "ovs"

Unless told otherwise, the plugin loads every in-tree type driver with
small ranges on ``physnet1`` (see :data:`DEFAULT_CONFIG`) and makes project
networks of type ``vxlan``. The pytest plugin (``ml2core.testing.pytest_plugin``)
wraps the same functions as fixtures.

To call a type driver's ``reserve`` / ``allocate`` / ``release`` directly,
as the framework does inside ``create_network``, load it with
:func:`load_type_driver` and give it a context from
:func:`driver_transaction`.
"""

from __future__ import annotations

import contextlib
import copy
import os
import uuid
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from oslo_config import cfg

from ml2core import Context, Ml2Plugin, constants
from ml2core.api import MechanismDriver, TypeDriver
from ml2core.db.engine import Database
from ml2core.managers import loader
from ml2core.testing.config import make_conf

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_PHYSNET",
    "DEFAULT_TYPE_DRIVERS",
    "Agents",
    "PluginFactory",
    "driver_transaction",
    "load_mechanism_driver",
    "load_type_driver",
    "plugin_conf",
    "plugin_config",
    "plugin_on_sqlite",
    "register_agent",
    "register_linuxbridge_agent",
    "register_ovs_agent",
    "register_sriov_agent",
    "sqlite_url",
]

#: The physical network the defaults use everywhere (ranges, agents' mappings).
DEFAULT_PHYSNET: Final = "physnet1"

#: The in-tree type drivers, by entry-point name (loaded unless ``type_drivers`` is given).
DEFAULT_TYPE_DRIVERS: Final[tuple[str, ...]] = ("local", "flat", "vlan", "gre", "vxlan", "geneve")

#: Configuration groups the plugin fixture starts from: 100 IDs per type,
#: VLANs and flat networks on ``physnet1``. Groups given by the caller are
#: merged over these, option by option.
DEFAULT_CONFIG: Final[Mapping[str, Mapping[str, Any]]] = {
    "ml2_type_flat": {"flat_networks": [DEFAULT_PHYSNET]},
    "ml2_type_vlan": {"network_vlan_ranges": [f"{DEFAULT_PHYSNET}:100:199"]},
    "ml2_type_vxlan": {"vni_ranges": ["1000:1099"]},
    "ml2_type_gre": {"tunnel_id_ranges": ["1000:1099"]},
    "ml2_type_geneve": {"vni_ranges": ["1000:1099"]},
}

_SQLITE_NAME = "ml2core.sqlite"


# -- configuration -------------------------------------------------------------------------


def plugin_config(
    *,
    mechanism_drivers: Sequence[str] = (),
    type_drivers: Sequence[str] | None = None,
    project_network_types: Sequence[str] | None = None,
    extension_drivers: Sequence[str] = (),
    **groups: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """The configuration groups :func:`plugin_on_sqlite` gives its plugin, as plain dicts.

    Starts from :data:`DEFAULT_CONFIG`, sets ``[ml2] mechanism_drivers``,
    ``type_drivers`` (default :data:`DEFAULT_TYPE_DRIVERS`),
    ``project_network_types`` (default ``vxlan`` when it is loaded, else
    the first type driver's name: entry-point names usually equal network
    types; say so explicitly otherwise) and ``extension_drivers``, then
    merges ``groups`` over that option by option (so ``ml2={"path_mtu":
    9000}`` keeps the driver lists, and ``ml2={"mechanism_drivers": [...]}``
    replaces them). Pure; raises nothing.
    """
    types = list(type_drivers) if type_drivers is not None else list(DEFAULT_TYPE_DRIVERS)
    if project_network_types is None:
        project = [constants.TYPE_VXLAN] if constants.TYPE_VXLAN in types else types[:1]
    else:
        project = list(project_network_types)
    merged: dict[str, dict[str, Any]] = {name: dict(values) for name, values in DEFAULT_CONFIG.items()}
    merged["ml2"] = {
        "type_drivers": types,
        "mechanism_drivers": list(mechanism_drivers),
        "project_network_types": project,
        "extension_drivers": list(extension_drivers),
    }
    for name, values in groups.items():
        merged.setdefault(name, {}).update(copy.deepcopy(dict(values)))
    return merged


def plugin_conf(
    *,
    mechanism_drivers: Sequence[str] = (),
    type_drivers: Sequence[str] | None = None,
    project_network_types: Sequence[str] | None = None,
    extension_drivers: Sequence[str] = (),
    **groups: Mapping[str, Any],
) -> cfg.ConfigOpts:
    """A parsed ``ConfigOpts`` holding :func:`plugin_config` (arguments as there).

    Give it to a driver under test (``driver.conf = plugin_conf(...)``) or to
    ``Ml2Plugin``. Options a driver registers later (its own group) see the
    values too, as with an operator's file. Raises nothing for unknown
    groups or options (a driver may register them later); a malformed value
    raises ``ConfigError`` when a plugin or driver reads it.
    """
    return make_conf(
        plugin_config(
            mechanism_drivers=mechanism_drivers,
            type_drivers=type_drivers,
            project_network_types=project_network_types,
            extension_drivers=extension_drivers,
            **groups,
        )
    )


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL of the SQLite file at ``path`` (made absolute)."""
    return f"sqlite:///{Path(path).resolve()}"


def _new_database_file(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    candidate = directory / _SQLITE_NAME
    if candidate.exists():
        candidate = directory / f"ml2core-{uuid.uuid4().hex[:8]}.sqlite"
    return candidate


@contextlib.contextmanager
def plugin_on_sqlite(
    path: str | os.PathLike[str],
    *,
    mechanism_drivers: Sequence[str] = (),
    type_drivers: Sequence[str] | None = None,
    project_network_types: Sequence[str] | None = None,
    extension_drivers: Sequence[str] = (),
    **groups: Mapping[str, Any],
) -> Iterator[Ml2Plugin]:
    """An ``Ml2Plugin`` on a SQLite file, closed when the block ends.

    ``path`` is a directory (``tmp_path``), in which a new database file is
    made, or a ``.sqlite`` / ``.db`` file, which is used as it is: two
    plugins on one file are two controllers sharing a database. The
    configuration is :func:`plugin_config` of the other arguments.

    Construction migrates the database and loads the drivers, so it raises
    what ``Ml2Plugin`` raises: ``ConfigError`` for a bad option,
    ``DriverNotFound`` for a name without an entry point (the message lists
    the installed ones), ``DriverLoadError`` when a driver fails to import
    or initialize.
    """
    plugin = Ml2Plugin(
        plugin_conf(
            mechanism_drivers=mechanism_drivers,
            type_drivers=type_drivers,
            project_network_types=project_network_types,
            extension_drivers=extension_drivers,
            **groups,
        ),
        db_url=sqlite_url(_database_file(Path(path))),
    )
    try:
        yield plugin
    finally:
        plugin.close()


def _database_file(path: Path) -> Path:
    if path.suffix in (".sqlite", ".db") and not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        return path
    return _new_database_file(path)


class PluginFactory:
    """Makes plugins on SQLite files in one directory and closes them all at the end.

    What the ``ml2core_plugin_factory`` fixture gives; usable without pytest
    as a context manager. Each call takes :func:`plugin_on_sqlite`'s
    arguments and makes a plugin on a new file, or on the file of
    ``same_database_as`` (a second controller).
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._stack = contextlib.ExitStack()

    def __call__(
        self,
        *,
        mechanism_drivers: Sequence[str] = (),
        type_drivers: Sequence[str] | None = None,
        project_network_types: Sequence[str] | None = None,
        extension_drivers: Sequence[str] = (),
        same_database_as: Ml2Plugin | None = None,
        **groups: Mapping[str, Any],
    ) -> Ml2Plugin:
        """A new plugin (raises what :func:`plugin_on_sqlite` raises)."""
        path: Path = self.directory
        if same_database_as is not None:
            database = same_database_as.engine.url.database
            if not database:
                raise ValueError("same_database_as must be a plugin on a SQLite file")
            path = Path(database)
        return self._stack.enter_context(
            plugin_on_sqlite(
                path,
                mechanism_drivers=mechanism_drivers,
                type_drivers=type_drivers,
                project_network_types=project_network_types,
                extension_drivers=extension_drivers,
                **groups,
            )
        )

    def with_conf(self, conf: cfg.ConfigOpts) -> Ml2Plugin:
        """A plugin with exactly ``conf`` (see :func:`plugin_conf`) on a new file."""
        plugin = Ml2Plugin(conf, db_url=sqlite_url(_new_database_file(self.directory)))
        self._stack.callback(plugin.close)
        return plugin

    def close(self) -> None:
        """Close every plugin made, newest first."""
        self._stack.close()

    def __enter__(self) -> PluginFactory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- drivers by name -----------------------------------------------------------------------


def load_mechanism_driver(name: str, conf: cfg.ConfigOpts | None = None) -> MechanismDriver:
    """The mechanism driver of entry point ``name``, prepared as the plugin prepares it.

    Sets ``conf`` (default: ``plugin_conf()``) and ``name``, then
    calls ``initialize()``; the driver is not attached to any plugin. Raises
    ``DriverNotFound`` (listing what is installed) or ``DriverLoadError``.
    """
    driver = loader.load(loader.MECHANISM_DRIVERS, name, conf or plugin_conf(), MechanismDriver)  # type: ignore[type-abstract]
    loader.initialize(loader.MECHANISM_DRIVERS, name, driver)
    return driver


def load_type_driver(name: str, conf: cfg.ConfigOpts | None = None) -> TypeDriver:
    """The type driver of entry point ``name``, with ``conf`` set and ``initialize()`` called.

    ``conf`` defaults to ``plugin_conf()``. Use it with
    :func:`driver_transaction` to call ``reserve_provider_segment``,
    ``allocate_tenant_segment`` and ``release_segment`` on a plugin's
    database. Raises ``DriverNotFound``, ``DriverLoadError`` or the
    driver's ``ConfigError``.
    """
    driver = loader.load(loader.TYPE_DRIVERS, name, conf or plugin_conf(), TypeDriver)  # type: ignore[type-abstract]
    loader.initialize(loader.TYPE_DRIVERS, name, driver)
    return driver


_databases: weakref.WeakKeyDictionary[Ml2Plugin, Database] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def driver_transaction(plugin: Ml2Plugin, context: Context | None = None) -> Iterator[Context]:
    """A copy of ``context`` (default: admin) whose ``session`` is one write transaction.

    The transaction is on ``plugin``'s database, begun as ml2core begins
    its own (on SQLite, ``BEGIN IMMEDIATE``, so concurrent writers queue
    instead of failing). It commits when the block ends and rolls back if
    the block raises; the exception propagates. This is the context type
    drivers get inside ``create_network``: use it to call their
    ``reserve_provider_segment``, ``allocate_tenant_segment`` and
    ``release_segment`` directly. Safe to use from several threads (one
    transaction per block).
    """
    database = _databases.get(plugin)
    if database is None:
        database = _databases.setdefault(plugin, Database(plugin.engine))
    with database.writer() as session:
        yield (context or Context.admin()).with_session(session)


# -- agents --------------------------------------------------------------------------------


def register_agent(
    plugin: Ml2Plugin,
    host: str,
    agent_type: str,
    configurations: Mapping[str, Any] | None = None,
    *,
    binary: str = "ml2core-agent",
    context: Context | None = None,
) -> dict[str, Any]:
    """Report a live agent of ``agent_type`` on ``host``, as its first heartbeat would.

    Returns the agent as ``get_agents`` shows it. Reporting again for the
    same host and type refreshes it (and replaces its configurations).
    When the report makes the agent new or alive again the plugin binds the
    host's ``binding_failed`` ports again before returning. Raises
    ``InvalidInput`` for a malformed state, ``NotAuthorized`` for a
    non-admin ``context``.
    """
    state = {
        "host": host,
        "agent_type": agent_type,
        "binary": binary,
        "configurations": copy.deepcopy(dict(configurations or {})),
    }
    return plugin.report_agent_state(context or Context.admin(), state)


def _tunnel_configurations(tunnel_types: Sequence[str], tunneling_ip: str | None) -> dict[str, Any]:
    configurations: dict[str, Any] = {"tunnel_types": list(tunnel_types)}
    if tunneling_ip is not None:
        configurations["tunneling_ip"] = tunneling_ip
    return configurations


def register_ovs_agent(
    plugin: Ml2Plugin,
    host: str,
    *,
    bridge_mappings: Mapping[str, str] | None = None,
    tunnel_types: Sequence[str] = (constants.TYPE_VXLAN,),
    tunneling_ip: str | None = None,
    **configurations: Any,
) -> dict[str, Any]:
    """Report an Open vSwitch agent on ``host`` (what the ``openvswitch`` driver binds for).

    ``bridge_mappings`` defaults to ``{"physnet1": "br-ex"}`` (give ``{}``
    for none); ``tunneling_ip`` is left out unless given (tunnel endpoints
    in ``get_host_ports`` need it). Further ``configurations`` keys
    (``datapath_type``, ``ovs_capabilities``, ``integration_bridge`` …)
    are passed as they are. Raises as :func:`register_agent`.
    """
    mappings = {DEFAULT_PHYSNET: "br-ex"} if bridge_mappings is None else dict(bridge_mappings)
    return register_agent(
        plugin,
        host,
        constants.AGENT_TYPE_OVS,
        {
            "bridge_mappings": mappings,
            **_tunnel_configurations(tunnel_types, tunneling_ip),
            **configurations,
        },
    )


def register_linuxbridge_agent(
    plugin: Ml2Plugin,
    host: str,
    *,
    interface_mappings: Mapping[str, str] | None = None,
    tunnel_types: Sequence[str] = (constants.TYPE_VXLAN,),
    tunneling_ip: str | None = None,
    **configurations: Any,
) -> dict[str, Any]:
    """Report a Linux bridge agent on ``host`` (what the ``linuxbridge`` driver binds for).

    ``interface_mappings`` defaults to ``{"physnet1": "eth1"}`` (give
    ``{}`` for none); otherwise as :func:`register_ovs_agent`.
    """
    mappings = {DEFAULT_PHYSNET: "eth1"} if interface_mappings is None else dict(interface_mappings)
    return register_agent(
        plugin,
        host,
        constants.AGENT_TYPE_LINUXBRIDGE,
        {
            "interface_mappings": mappings,
            **_tunnel_configurations(tunnel_types, tunneling_ip),
            **configurations,
        },
    )


def register_sriov_agent(
    plugin: Ml2Plugin,
    host: str,
    *,
    device_mappings: Mapping[str, Sequence[str]] | None = None,
    **configurations: Any,
) -> dict[str, Any]:
    """Report an SR-IOV NIC Switch agent on ``host`` (what ``sriovnicswitch`` binds ``direct`` ports for).

    ``device_mappings`` (physnet to physical functions) defaults to
    ``{"physnet1": ["eth2"]}`` (give ``{}`` for none).
    """
    mappings = (
        {DEFAULT_PHYSNET: ["eth2"]}
        if device_mappings is None
        else {physnet: list(devices) for physnet, devices in device_mappings.items()}
    )
    return register_agent(
        plugin, host, constants.AGENT_TYPE_NIC_SWITCH, {"device_mappings": mappings, **configurations}
    )


class Agents:
    """The agent helpers bound to one plugin (the ``ml2core_agents`` fixture).

    ``agents.ovs("compute1")`` is ``register_ovs_agent(plugin, "compute1")``;
    each method takes and raises what its function does.
    """

    def __init__(self, plugin: Ml2Plugin) -> None:
        self.plugin = plugin

    def agent(
        self, host: str, agent_type: str, configurations: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """:func:`register_agent` on this plugin."""
        return register_agent(self.plugin, host, agent_type, configurations)

    def ovs(self, host: str, **kwargs: Any) -> dict[str, Any]:
        """:func:`register_ovs_agent` on this plugin."""
        return register_ovs_agent(self.plugin, host, **kwargs)

    def linuxbridge(self, host: str, **kwargs: Any) -> dict[str, Any]:
        """:func:`register_linuxbridge_agent` on this plugin."""
        return register_linuxbridge_agent(self.plugin, host, **kwargs)

    def sriov(self, host: str, **kwargs: Any) -> dict[str, Any]:
        """:func:`register_sriov_agent` on this plugin."""
        return register_sriov_agent(self.plugin, host, **kwargs)
