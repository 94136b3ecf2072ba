"""ml2core's in-tree mechanism drivers (controller side).

Loaded by entry-point name from ``ml2core.mechanism_drivers``:

* ``openvswitch`` (:mod:`mechanism_drivers.openvswitch`), ``[OVS_DRIVER]``;
* ``linuxbridge`` (:mod:`mechanism_drivers.linuxbridge`), ``[LINUXBRIDGE_DRIVER]``;
* ``sriovnicswitch`` (:mod:`mechanism_drivers.sriovnicswitch`), ``[SRIOV_DRIVER]``.

Like a vendor's package, these modules import only ml2core's public API
(``ml2core``, ``ml2core.api``, ``ml2core.constants``, ``ml2core.exceptions``);
a unit test keeps it so. The helpers below are shared by the three drivers
and are not part of ml2core's API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from oslo_config import cfg

__all__ = [
    "agent_configurations",
    "agent_label",
    "binding_profile",
    "list_opts",
    "string_list",
    "string_mapping",
    "vnic_type_prohibit_list_opt",
]


def vnic_type_prohibit_list_opt(valid: Sequence[str]) -> cfg.ListOpt:
    """The ``vnic_type_prohibit_list`` option (Neutron has it in OVS_DRIVER and SRIOV_DRIVER)."""
    return cfg.ListOpt(
        "vnic_type_prohibit_list",
        default=[],
        help="VNIC types this mechanism driver must not bind although it could "
        f"(valid: {', '.join(valid)}). Prohibiting all of them, or naming another "
        "type, is a configuration error.",
    )


def agent_configurations(agent: Mapping[str, Any]) -> dict[str, Any]:
    """The agent's ``configurations`` dict (empty when absent or malformed)."""
    configurations = agent.get("configurations")
    return dict(configurations) if isinstance(configurations, Mapping) else {}


def string_mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping (an agent's ``*_mappings``), else an empty dict."""
    return dict(value) if isinstance(value, Mapping) else {}


def string_list(value: Any) -> list[str]:
    """The strings of ``value`` if it is a list or tuple (``tunnel_types``, ``iface_types``)."""
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, str)]


def agent_label(agent: Mapping[str, Any]) -> str:
    """``the Open vSwitch agent on compute3``: how decline reasons name an agent."""
    return f"the {agent.get('agent_type') or 'agent'} on {agent.get('host') or '?'}"


def binding_profile(port: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The port's ``binding:profile`` (``{}`` when unset); ``None`` when it is not a dict."""
    profile = port.get("binding:profile")
    if profile is None:
        return {}
    return profile if isinstance(profile, Mapping) else None


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """The options of the three drivers, per group, for ``oslo-config-generator``."""
    from mechanism_drivers import linuxbridge, openvswitch, sriovnicswitch

    return [
        (linuxbridge.GROUP, list(linuxbridge.OPTS)),
        (openvswitch.GROUP, list(openvswitch.OPTS)),
        (sriovnicswitch.GROUP, list(sriovnicswitch.OPTS)),
    ]
