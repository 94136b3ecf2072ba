"""Which backend, which agent type, and what the agent tells the mechanism drivers about this host.

A backend is loaded by its ``ml2core.dataplane`` entry-point name. Its
*profile* says which ``agent_type`` the agent reports (the mechanism
driver that binds for it looks for that type on the host) and which
``configurations`` that driver reads: the mappings of physical networks,
the tunnel types and tunnel address, and for Open vSwitch the datapath,
integration bridge and interface types of the running switch. Every
profile also reports the backend's :meth:`describe` (what it can realize
here and why not the rest) under ``configurations["dataplane"]``.

A backend without an in-tree profile (a vendor's) may carry its own:
class attributes ``agent_type`` (str) and, optionally, a method
``agent_configurations() -> dict``.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from oslo_config import cfg

from drivers.agent.config import TUNNEL_TYPES
from ml2core import constants
from ml2core.dataplane import BackendDescription, DataplaneBackend
from ml2core.exceptions import DriverLoadError, DriverNotFound

__all__ = ["NAMESPACE", "BackendProfile", "load_backend", "profile_for", "tunnel_types"]

LOG = logging.getLogger(__name__)

NAMESPACE = "ml2core.dataplane"

#: ``(conf, backend) -> configurations`` of one backend kind (without the common keys).
Configurations = Callable[[cfg.ConfigOpts, DataplaneBackend], dict[str, Any]]


@dataclass(frozen=True)
class BackendProfile:
    """How the agent presents one backend kind to the plugin."""

    agent_type: str
    #: The backend-specific ``configurations`` keys.
    configurations: Configurations
    #: This host's tunnel endpoint address as the backend is configured, or ``None``.
    tunneling_ip: Callable[[cfg.ConfigOpts], str | None]


def load_backend(name: str) -> DataplaneBackend:
    """A new, unconfigured backend of entry point ``name`` (``ml2core.dataplane``).

    Imports the backend's module (may block briefly). Raises
    ``DriverNotFound`` naming the installed backends when there is no such
    entry point, ``DriverLoadError`` when it cannot be imported or is not a
    ``DataplaneBackend``.
    """
    found = {ep.name: ep for ep in entry_points(group=NAMESPACE)}
    ep = found.get(name)
    if ep is None:
        raise DriverNotFound(namespace=NAMESPACE, name=name, available=", ".join(sorted(found)) or "none")
    try:
        cls = ep.load()
        backend = cls()
    except Exception as exc:
        raise DriverLoadError(namespace=NAMESPACE, name=name, reason=f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(backend, DataplaneBackend):
        raise DriverLoadError(namespace=NAMESPACE, name=name, reason="it is not an ml2core DataplaneBackend")
    return backend


def tunnel_types(
    wanted: tuple[str, ...] | None, description: BackendDescription
) -> tuple[list[str], dict[str, str]]:
    """The tunnel types to announce, and why each wanted one is left out.

    ``wanted`` ``None`` means every tunnel type the backend realizes here.
    A type the backend cannot realize is never announced: the mechanism
    drivers would bind ports to it that could only stay ``DOWN``.
    """
    possible = [t for t in TUNNEL_TYPES if t in description.network_types]
    if wanted is None:
        return possible, {}
    left_out: dict[str, str] = {}
    for name in wanted:
        if name not in possible:
            reason = description.unavailable.get(name)
            left_out[name] = reason or f"the {description.name} backend has no {name} networks"
    return [t for t in wanted if t in possible], left_out


# -- in-tree profiles ------------------------------------------------------------


def _linuxbridge(conf: cfg.ConfigOpts, backend: DataplaneBackend) -> dict[str, Any]:
    from drivers.linuxbridge import config as lb_config

    settings = lb_config.load(conf)
    return {"interface_mappings": dict(settings.interface_mappings), "bridge_mappings": {}}


def _linuxbridge_ip(conf: cfg.ConfigOpts) -> str | None:
    vxlan = conf.vxlan
    return str(vxlan.local_ip) if vxlan.enable_vxlan and vxlan.local_ip else None


def _openvswitch(conf: cfg.ConfigOpts, backend: DataplaneBackend) -> dict[str, Any]:
    from drivers.openvswitch import config as ovs_config

    settings = ovs_config.load(conf)
    return {
        "bridge_mappings": dict(settings.bridge_mappings),
        "datapath_type": settings.datapath_type,
        "integration_bridge": settings.integration_bridge,
        "ovs_hybrid_plug": False,
        "ovs_capabilities": ovs_capabilities(settings.ovsdb_connection, settings.ovsdb_timeout),
    }


def _openvswitch_ip(conf: cfg.ConfigOpts) -> str | None:
    return str(conf.ovs.local_ip) if conf.ovs.local_ip else None


def _sriov(conf: cfg.ConfigOpts, backend: DataplaneBackend) -> dict[str, Any]:
    from drivers.sriov import config as sriov_config

    settings = sriov_config.load(conf)
    return {"device_mappings": {k: list(v) for k, v in settings.device_mappings.items()}}


_PROFILES: dict[str, BackendProfile] = {
    "linuxbridge": BackendProfile(constants.AGENT_TYPE_LINUXBRIDGE, _linuxbridge, _linuxbridge_ip),
    "openvswitch": BackendProfile(constants.AGENT_TYPE_OVS, _openvswitch, _openvswitch_ip),
    "sriov": BackendProfile(constants.AGENT_TYPE_NIC_SWITCH, _sriov, lambda conf: None),
}


def profile_for(backend: DataplaneBackend) -> BackendProfile:
    """The profile of ``backend`` (by its ``name``), or the one it carries itself.

    Raises ``DriverLoadError`` when neither exists: the agent would not
    know which agent type to report.
    """
    profile = _PROFILES.get(backend.name)
    if profile is not None:
        return profile
    agent_type = getattr(backend, "agent_type", None)
    if not isinstance(agent_type, str) or not agent_type:
        raise DriverLoadError(
            namespace=NAMESPACE,
            name=backend.name or type(backend).__name__,
            reason="ml2core-agent does not know its agent type: give the backend class an "
            "agent_type attribute (and optionally agent_configurations())",
        )

    def custom(conf: cfg.ConfigOpts, backend: DataplaneBackend) -> dict[str, Any]:
        method = getattr(backend, "agent_configurations", None)
        return dict(method()) if callable(method) else {}

    return BackendProfile(agent_type, custom, lambda conf: getattr(backend, "local_ip", None))


# -- Open vSwitch capabilities --------------------------------------------------------


def ovs_capabilities(connection: str, timeout: int) -> dict[str, list[str]]:
    """``{"iface_types": [...], "datapath_types": [...]}`` as the running ``ovs-vswitchd`` announces.

    Read from the ``Open_vSwitch`` table with ``ovs-vsctl`` (one process,
    blocks up to ``timeout`` s). The openvswitch mechanism driver offers
    vhost-user VIFs only when ``iface_types`` lists DPDK vhost-user ports.
    Returns empty lists (and logs why) when the switch cannot be read.
    """
    empty: dict[str, list[str]] = {"iface_types": [], "datapath_types": []}
    if shutil.which("ovs-vsctl") is None:
        LOG.warning("ovs_capabilities not reported: no ovs-vsctl command")
        return empty
    argv = [
        "ovs-vsctl",
        f"--db={connection}",
        f"--timeout={timeout}",
        "--format=json",
        "--columns=iface_types,datapath_types",
        "list",
        "Open_vSwitch",
    ]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 5, check=True)
        row = json.loads(proc.stdout)["data"][0]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, IndexError) as exc:
        LOG.warning("ovs_capabilities not reported: cannot read the Open_vSwitch table: %s", exc)
        return empty
    return {"iface_types": _ovsdb_set(row[0]), "datapath_types": _ovsdb_set(row[1])}


def _ovsdb_set(value: Any) -> list[str]:
    """An OVSDB JSON set (``["set", [...]]`` or a single atom) as a sorted list of strings."""
    if isinstance(value, list) and len(value) == 2 and value[0] == "set":
        return sorted(str(v) for v in value[1])
    if isinstance(value, str):
        return [value]
    return []
