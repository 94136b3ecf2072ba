"""The Linux bridge mechanism driver: binds ports for the Linux bridge agent.

As Neutron's ``linuxbridge`` driver (removed from Neutron in 2025; kept and
maintained here): a port binds on a host with a live ``Linux bridge agent``
that can reach one of the segments to bind: local, flat, vlan, or vxlan when
the agent lists it in ``tunnel_types`` (the agent carries no other tunnel
type); flat and vlan only on a physnet of its ``interface_mappings`` or
``bridge_mappings``. The VIF is ``bridge``.

Options, ``[LINUXBRIDGE_DRIVER]``: ``vnic_type_prohibit_list`` (for symmetry
with the other agent drivers; the only vnic type is ``normal``, so the only
valid value is the empty list).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from mechanism_drivers import (
    agent_configurations,
    agent_label,
    string_list,
    string_mapping,
    vnic_type_prohibit_list_opt,
)
from ml2core import constants
from ml2core.api import NetworkContext, Segment, SimpleAgentMechanismDriverBase

__all__ = ["GROUP", "OPTS", "LinuxBridgeMechanismDriver"]

GROUP: Final = "LINUXBRIDGE_DRIVER"
SUPPORTED_VNIC_TYPES: Final = (constants.VNIC_NORMAL,)
OPTS: Final = (vnic_type_prohibit_list_opt(SUPPORTED_VNIC_TYPES),)
#: The only tunnel type the Linux bridge dataplane implements.
SUPPORTED_TUNNEL_TYPES: Final = (constants.TYPE_VXLAN,)


class LinuxBridgeMechanismDriver(SimpleAgentMechanismDriverBase):
    """Binds ports on hosts running a Linux bridge agent (entry point ``linuxbridge``).

    Stateless apart from its configuration: every hook but ``bind_port`` is
    a no-op, so it never writes to the database nor blocks. ``bind_port``
    (inherited) runs outside any transaction, reads the host's agents and
    declines with a reason when the vnic type is not ``normal``, when the
    host has no (live) agent, or when no segment suits the agent.
    ``port_filter`` is ``False`` in every binding: ml2core enforces no
    security groups or anti-spoofing on Linux bridges.
    """

    mappings_description = "interface_mappings or bridge_mappings"

    def __init__(self) -> None:
        super().__init__(
            constants.AGENT_TYPE_LINUXBRIDGE,
            constants.VIF_TYPE_BRIDGE,
            {
                constants.VIF_DETAILS_PORT_FILTER: False,
                constants.VIF_DETAILS_CONNECTIVITY: constants.CONNECTIVITY_L2,
            },
            supported_vnic_types=SUPPORTED_VNIC_TYPES,
        )

    def initialize(self) -> None:
        """Register ``[LINUXBRIDGE_DRIVER]`` on ``self.conf``; check the prohibit list.

        Called once at plugin start, outside any transaction. Raises
        ``ConfigError`` if ``vnic_type_prohibit_list`` is not empty.
        """
        self.conf.register_opts(list(OPTS), group=GROUP)
        self.prohibit_vnic_types(
            getattr(self.conf, GROUP).vnic_type_prohibit_list, option=f"[{GROUP}] vnic_type_prohibit_list"
        )

    def get_allowed_network_types(self, agent: dict[str, Any]) -> Iterable[str]:
        """local, flat, vlan, and vxlan if the agent lists it in ``tunnel_types``."""
        tunnel_types = string_list(agent_configurations(agent).get("tunnel_types"))
        return [
            constants.TYPE_LOCAL,
            constants.TYPE_FLAT,
            constants.TYPE_VLAN,
            *(t for t in SUPPORTED_TUNNEL_TYPES if t in tunnel_types),
        ]

    def get_mappings(self, agent: dict[str, Any]) -> dict[str, Any]:
        """The agent's ``interface_mappings`` and ``bridge_mappings`` together."""
        configurations = agent_configurations(agent)
        return {
            **string_mapping(configurations.get("interface_mappings")),
            **string_mapping(configurations.get("bridge_mappings")),
        }

    def explain_segment_for_agent(self, segment: Segment, agent: dict[str, Any]) -> str | None:
        """Why ``agent`` cannot carry ``segment``, or ``None`` if it can (reads only)."""
        network_type = segment.get("network_type")
        if network_type in SUPPORTED_TUNNEL_TYPES:
            tunnel_types = string_list(agent_configurations(agent).get("tunnel_types"))
            if network_type not in tunnel_types:
                return (
                    f"network type {network_type} is not in the tunnel_types "
                    f"[{', '.join(tunnel_types)}] of {agent_label(agent)}"
                )
        elif network_type in constants.TUNNEL_NETWORK_TYPES:
            return (
                f"network type {network_type} is not supported by {agent_label(agent)} "
                f"(its only tunnel type is {', '.join(SUPPORTED_TUNNEL_TYPES)})"
            )
        return super().explain_segment_for_agent(segment, agent)

    def check_vlan_transparency(self, context: NetworkContext) -> bool:
        """True, as Neutron: a Linux bridge forwards tagged frames unchanged."""
        return True
