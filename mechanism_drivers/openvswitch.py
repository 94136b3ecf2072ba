"""The Open vSwitch mechanism driver: binds ports for the Open vSwitch agent.

As Neutron's ``openvswitch`` driver: a port binds on a host with a live
``Open vSwitch agent`` that can reach one of the segments to bind (local,
flat, vlan, or a tunnel type the agent lists in ``tunnel_types``; flat and
vlan only on a physnet of its ``bridge_mappings``). The VIF is ``ovs``, or
``vhostuser`` when the agent runs a ``netdev`` datapath whose
``ovs_capabilities.iface_types`` offer DPDK vhost-user ports. ``direct``
ports bind too when the NIC is in switchdev mode (OVS hardware offload),
which Nova announces in ``binding:profile.capabilities``.

Options, ``[OVS_DRIVER]``: ``vnic_type_prohibit_list``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Any, Final

from mechanism_drivers import (
    agent_configurations,
    agent_label,
    binding_profile,
    string_list,
    string_mapping,
    vnic_type_prohibit_list_opt,
)
from ml2core import constants
from ml2core.api import NetworkContext, PortContext, Segment, SimpleAgentMechanismDriverBase

__all__ = ["GROUP", "OPTS", "OpenvswitchMechanismDriver"]

GROUP: Final = "OVS_DRIVER"
SUPPORTED_VNIC_TYPES: Final = (constants.VNIC_NORMAL, constants.VNIC_DIRECT)
OPTS: Final = (vnic_type_prohibit_list_opt(SUPPORTED_VNIC_TYPES),)

# Values the Open vSwitch agent reports, as neutron_lib.plugins.ml2.ovs_constants.
DATAPATH_SYSTEM: Final = "system"
DATAPATH_NETDEV: Final = "netdev"
IFACE_DPDK_VHOST_USER: Final = "dpdkvhostuser"
IFACE_DPDK_VHOST_USER_CLIENT: Final = "dpdkvhostuserclient"
DEFAULT_VHOST_USER_SOCKET_DIR: Final = "/var/run/openvswitch"
DEFAULT_INTEGRATION_BRIDGE: Final = "br-int"
VHOST_USER_DEVICE_PREFIX: Final = "vhu"
# Interface names are limited to 14 characters (IFNAMSIZ less the NUL and a
# margin Neutron keeps); the socket is named like the device.
_DEVICE_NAME_LENGTH: Final = 14
VHOST_USER_MODE_CLIENT: Final = "client"
VHOST_USER_MODE_SERVER: Final = "server"
SWITCHDEV_CAPABILITY: Final = "switchdev"


class OpenvswitchMechanismDriver(SimpleAgentMechanismDriverBase):
    """Binds ports on hosts running an Open vSwitch agent (entry point ``openvswitch``).

    Stateless apart from its configuration: every hook but ``bind_port`` is
    a no-op, so it never writes to the database nor blocks. ``port_filter``
    is ``False`` in every binding: ml2core enforces no security groups or
    anti-spoofing on Open vSwitch.
    """

    mappings_description = "bridge_mappings"

    def __init__(self) -> None:
        super().__init__(
            constants.AGENT_TYPE_OVS,
            constants.VIF_TYPE_OVS,
            {
                constants.VIF_DETAILS_PORT_FILTER: False,
                constants.VIF_DETAILS_CONNECTIVITY: constants.CONNECTIVITY_L2,
            },
            supported_vnic_types=SUPPORTED_VNIC_TYPES,
        )

    def initialize(self) -> None:
        """Register ``[OVS_DRIVER]`` on ``self.conf`` and apply the vnic type prohibit list.

        Called once at plugin start, outside any transaction. Raises
        ``ConfigError`` for a prohibit list naming an unknown vnic type or
        every supported one.
        """
        self.conf.register_opts(list(OPTS), group=GROUP)
        self.prohibit_vnic_types(
            getattr(self.conf, GROUP).vnic_type_prohibit_list, option=f"[{GROUP}] vnic_type_prohibit_list"
        )

    def bind_port(self, context: PortContext) -> None:
        """Bind to the first segment a live Open vSwitch agent on the host reaches.

        Outside any transaction; reads the host's agents, does not block.
        Declines with a reason when the vnic type is prohibited or
        unsupported, when a ``direct`` port's NIC is not in switchdev mode,
        when the host has no (live) agent, or when no segment suits the
        agent (type not allowed, tunnel type not in ``tunnel_types``, physnet
        not in ``bridge_mappings``).
        """
        vnic_type = context.current.get("binding:vnic_type") or constants.VNIC_NORMAL
        if vnic_type in self.prohibited_vnic_types:
            context.decline(
                f"vnic type {vnic_type} is prohibited by [{GROUP}] vnic_type_prohibit_list "
                f"of {self.driver_label}"
            )
            return
        if vnic_type == constants.VNIC_DIRECT and not _has_switchdev(context.current):
            # Without switchdev a VF cannot be represented on the bridge; a
            # legacy-mode VF belongs to the SR-IOV driver.
            context.decline(
                f"vnic type direct is bound by {self.driver_label} only on a switchdev NIC "
                "(hardware offload), and the port's binding:profile capabilities do not "
                "include switchdev"
            )
            return
        super().bind_port(context)

    def get_allowed_network_types(self, agent: dict[str, Any]) -> Iterable[str]:
        """local, flat, vlan and the agent's ``tunnel_types``."""
        return [
            constants.TYPE_LOCAL,
            constants.TYPE_FLAT,
            constants.TYPE_VLAN,
            *string_list(agent_configurations(agent).get("tunnel_types")),
        ]

    def get_mappings(self, agent: dict[str, Any]) -> dict[str, Any]:
        """The agent's ``bridge_mappings`` (``{physnet: bridge}``)."""
        return string_mapping(agent_configurations(agent).get("bridge_mappings"))

    def explain_segment_for_agent(self, segment: Segment, agent: dict[str, Any]) -> str | None:
        """Why ``agent`` cannot carry ``segment``, or ``None`` if it can (reads only)."""
        network_type = segment.get("network_type")
        tunnel_types = string_list(agent_configurations(agent).get("tunnel_types"))
        if network_type in constants.TUNNEL_NETWORK_TYPES and network_type not in tunnel_types:
            return (
                f"network type {network_type} is not in the tunnel_types "
                f"[{', '.join(tunnel_types)}] of {agent_label(agent)}"
            )
        return super().explain_segment_for_agent(segment, agent)

    def check_vlan_transparency(self, context: NetworkContext) -> bool:
        """False: the Open vSwitch agent tags and strips VLANs itself."""
        return False

    def get_supported_vif_type(self, agent: Mapping[str, Any]) -> str:
        """``vhostuser`` for a netdev datapath with DPDK vhost-user ports, else ``ovs``.

        A netdev datapath alone is not enough: a userspace OVS without DPDK
        (as in ml2core's test sandbox) plugs taps like the kernel datapath.
        """
        configurations = agent_configurations(agent)
        if configurations.get("datapath_type") == DATAPATH_NETDEV and _vhost_user_iface_types(configurations):
            return constants.VIF_TYPE_VHOST_USER
        return constants.VIF_TYPE_OVS

    def get_vif_type(self, context: PortContext, agent: dict[str, Any], segment: Segment) -> str:
        """``ovs`` for ``direct`` (offloaded) ports, else :meth:`get_supported_vif_type`."""
        if context.current.get("binding:vnic_type") == constants.VNIC_DIRECT:
            return constants.VIF_TYPE_OVS
        return self.get_supported_vif_type(agent)

    def get_vif_details(
        self, context: PortContext, agent: dict[str, Any], segment: Segment
    ) -> dict[str, Any]:
        """``vif_details`` for binding ``context.current`` through ``agent``.

        Always ``port_filter`` (False), ``connectivity``, ``ovs_hybrid_plug``
        (the agent's, False by default; always False for vhost-user),
        ``datapath_type`` (the agent's, ``system`` by default) and
        ``bridge_name`` (the agent's ``integration_bridge``, ``br-int`` by
        default); for vhost-user also the socket path and mode, and
        ``vhostuser_ovs_plug``.
        """
        configurations = agent_configurations(agent)
        details = dict(self.vif_details)
        details[constants.VIF_DETAILS_DATAPATH_TYPE] = configurations.get("datapath_type") or DATAPATH_SYSTEM
        details[constants.VIF_DETAILS_BRIDGE_NAME] = (
            configurations.get("integration_bridge") or DEFAULT_INTEGRATION_BRIDGE
        )
        if self.get_vif_type(context, agent, segment) == constants.VIF_TYPE_VHOST_USER:
            details[constants.VIF_DETAILS_OVS_HYBRID_PLUG] = False
            details[constants.VIF_DETAILS_VHOST_USER_MODE] = _vhost_user_mode(configurations)
            details[constants.VIF_DETAILS_VHOST_USER_OVS_PLUG] = True
            details[constants.VIF_DETAILS_VHOST_USER_SOCKET] = self.vhost_user_socket_path(
                agent, str(context.current["id"])
            )
        else:
            details[constants.VIF_DETAILS_OVS_HYBRID_PLUG] = bool(
                configurations.get(constants.VIF_DETAILS_OVS_HYBRID_PLUG, False)
            )
        return details

    @staticmethod
    def vhost_user_socket_path(agent: Mapping[str, Any], port_id: str) -> str:
        """``<agent's vhostuser_socket_dir>/vhu<port_id[:11]>``, as Neutron names it."""
        directory = agent_configurations(agent).get("vhostuser_socket_dir") or DEFAULT_VHOST_USER_SOCKET_DIR
        name = (VHOST_USER_DEVICE_PREFIX + port_id)[:_DEVICE_NAME_LENGTH]
        return posixpath.join(str(directory), name)


def _vhost_user_iface_types(configurations: Mapping[str, Any]) -> list[str]:
    capabilities = string_mapping(configurations.get("ovs_capabilities"))
    return [
        iface
        for iface in string_list(capabilities.get("iface_types"))
        if iface in (IFACE_DPDK_VHOST_USER, IFACE_DPDK_VHOST_USER_CLIENT)
    ]


def _vhost_user_mode(configurations: Mapping[str, Any]) -> str:
    # The mode is QEMU's side: with dpdkvhostuserclient ports OVS is the
    # client, so QEMU must be the server.
    if IFACE_DPDK_VHOST_USER_CLIENT in _vhost_user_iface_types(configurations):
        return VHOST_USER_MODE_SERVER
    return VHOST_USER_MODE_CLIENT


def _has_switchdev(port: Mapping[str, Any]) -> bool:
    profile = binding_profile(port) or {}
    return SWITCHDEV_CAPABILITY in string_list(profile.get("capabilities"))
