"""The SR-IOV NIC switch mechanism driver: binds VFs and PFs of SR-IOV NICs.

As Neutron's ``sriovnicswitch`` driver: ``direct`` and ``macvtap`` ports
(a virtual function, VIF ``hw_veb``) bind on a host with a live ``NIC Switch
agent`` whose ``device_mappings`` has the segment's physnet;
``direct-physical`` ports (a whole physical function, VIF
``hostdev_physical``) bind without any agent, and the port goes ``ACTIVE`` at
once since no agent will report it. Only flat and vlan segments bind;
``vif_details['vlan']`` is the VLAN ID as a string, ``'0'`` for flat.

The ``binding:profile`` Nova fills in (``pci_slot``, ``pci_vendor_info``,
``physical_network``, ``capabilities``) is checked before binding: a
malformed field makes the driver decline, naming the field. Unlike Neutron,
a ``physical_network`` in the profile must match the bound segment's physnet
(the device Nova claimed sits on that physnet). A ``direct`` port whose
profile has the ``switchdev`` capability is left to the Open vSwitch driver
(hardware offload), as in Neutron.

Options, ``[SRIOV_DRIVER]``: ``vnic_type_prohibit_list``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from mechanism_drivers import (
    agent_configurations,
    agent_label,
    binding_profile,
    string_mapping,
    vnic_type_prohibit_list_opt,
)
from ml2core import constants
from ml2core.api import NetworkContext, PortContext, Segment, SimpleAgentMechanismDriverBase

__all__ = ["GROUP", "OPTS", "SriovNicSwitchMechanismDriver", "validate_binding_profile"]

GROUP: Final = "SRIOV_DRIVER"
SUPPORTED_VNIC_TYPES: Final = (
    constants.VNIC_DIRECT,
    constants.VNIC_MACVTAP,
    constants.VNIC_DIRECT_PHYSICAL,
)
OPTS: Final = (vnic_type_prohibit_list_opt(SUPPORTED_VNIC_TYPES),)
SUPPORTED_NETWORK_TYPES: Final = (constants.TYPE_FLAT, constants.TYPE_VLAN)
#: ``vif_details['vlan']`` of a flat segment (untagged).
FLAT_VLAN: Final = "0"
SWITCHDEV_CAPABILITY: Final = "switchdev"
MAX_PHYSNET_LENGTH: Final = 64

# The formats Nova writes (nova.pci.utils): domain:bus:slot.function in hex
# (function in octal), and vendor_id:product_id in hex.
_PCI_SLOT = re.compile(r"[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]")
_PCI_VENDOR_INFO = re.compile(r"[0-9a-fA-F]{4}:[0-9a-fA-F]{4}")


def validate_binding_profile(profile: Any) -> str | None:
    """What is wrong with an SR-IOV port's ``binding:profile``, or ``None`` if nothing.

    Every field is optional (a port may be bound before Nova claims a
    device); a field that is present must be well formed. Pure function.
    """
    if profile is None:
        return None
    if not isinstance(profile, Mapping):
        return f"binding:profile must be a dict, not {type(profile).__name__}"
    pci_slot = profile.get("pci_slot")
    if pci_slot is not None and not (isinstance(pci_slot, str) and _PCI_SLOT.fullmatch(pci_slot)):
        return (
            f"binding:profile pci_slot {pci_slot!r} is malformed: expected "
            "domain:bus:slot.function in hex, such as 0000:03:10.1"
        )
    vendor_info = profile.get("pci_vendor_info")
    if vendor_info is not None and not (
        isinstance(vendor_info, str) and _PCI_VENDOR_INFO.fullmatch(vendor_info)
    ):
        return (
            f"binding:profile pci_vendor_info {vendor_info!r} is malformed: expected "
            "vendor_id:product_id in hex, such as 8086:10ed"
        )
    physnet = profile.get("physical_network")
    if physnet is not None and not (isinstance(physnet, str) and 0 < len(physnet) <= MAX_PHYSNET_LENGTH):
        return (
            f"binding:profile physical_network {physnet!r} is malformed: expected a "
            f"physnet name of 1 to {MAX_PHYSNET_LENGTH} characters"
        )
    capabilities = profile.get("capabilities")
    if capabilities is not None and not (
        isinstance(capabilities, list | tuple) and all(isinstance(c, str) for c in capabilities)
    ):
        return f"binding:profile capabilities {capabilities!r} is malformed: expected a list of strings"
    return None


class SriovNicSwitchMechanismDriver(SimpleAgentMechanismDriverBase):
    """Binds SR-IOV ports (entry point ``sriovnicswitch``).

    Stateless apart from its configuration: every hook but ``bind_port`` is
    a no-op, so it never writes to the database nor blocks. ``port_filter``
    is ``False`` in every binding: nothing filters traffic on a VF.
    """

    mappings_description = "device_mappings"

    def __init__(self) -> None:
        super().__init__(
            constants.AGENT_TYPE_NIC_SWITCH,
            constants.VIF_TYPE_HW_VEB,
            {
                constants.VIF_DETAILS_PORT_FILTER: False,
                constants.VIF_DETAILS_CONNECTIVITY: constants.CONNECTIVITY_L2,
            },
            supported_vnic_types=SUPPORTED_VNIC_TYPES,
        )

    def initialize(self) -> None:
        """Register ``[SRIOV_DRIVER]`` on ``self.conf`` and apply the vnic type prohibit list.

        Called once at plugin start, outside any transaction. Raises
        ``ConfigError`` for a prohibit list naming an unknown vnic type or
        every supported one.
        """
        self.conf.register_opts(list(OPTS), group=GROUP)
        self.prohibit_vnic_types(
            getattr(self.conf, GROUP).vnic_type_prohibit_list, option=f"[{GROUP}] vnic_type_prohibit_list"
        )

    # -- binding -----------------------------------------------------------------------
    def bind_port(self, context: PortContext) -> None:
        """Bind a VF through a live NIC Switch agent, or a PF without one.

        Outside any transaction; reads the host's agents, does not block.
        Declines with a reason when the vnic type is prohibited or not an
        SR-IOV one, when ``binding:profile`` is malformed, when a ``direct``
        port asks for switchdev, when (except for ``direct-physical``) the
        host has no live agent, or when no segment suits.
        """
        port = context.current
        vnic_type = port.get("binding:vnic_type") or constants.VNIC_NORMAL
        if vnic_type in self.prohibited_vnic_types:
            context.decline(
                f"vnic type {vnic_type} is prohibited by [{GROUP}] vnic_type_prohibit_list "
                f"of {self.driver_label}"
            )
            return
        if vnic_type not in self.supported_vnic_types:
            context.decline(
                f"vnic type {vnic_type} is not supported by {self.driver_label} "
                f"(supported: {', '.join(self.supported_vnic_types)})"
            )
            return
        problem = validate_binding_profile(port.get("binding:profile"))
        if problem:
            context.decline(problem)
            return
        profile = binding_profile(port) or {}
        if vnic_type == constants.VNIC_DIRECT and SWITCHDEV_CAPABILITY in (profile.get("capabilities") or ()):
            context.decline(
                "vnic type direct with the switchdev capability is bound by the Open vSwitch "
                f"driver (hardware offload), not by {self.driver_label}"
            )
            return
        profile_physnet = profile.get("physical_network")
        reasons: list[str] = []

        if vnic_type == constants.VNIC_DIRECT_PHYSICAL:
            # A PF is given whole to the instance: no agent manages it or
            # reports its status, so nothing about agents is checked.
            for segment in context.segments_to_bind:
                reason = self._explain(segment, None, profile_physnet)
                if reason is None:
                    self._bind(context, segment, constants.PORT_STATUS_ACTIVE)
                    return
                reasons.append(reason)
            context.decline("; ".join(reasons) or f"no segment to bind on host {context.host}")
            return

        agents = context.host_agents(self.agent_type)
        if not agents:
            context.decline(f"no {self.agent_type} is registered on host {context.host}")
            return
        for agent in agents:
            if not agent.get("alive"):
                reasons.append(f"{agent_label(agent)} is dead since {agent.get('heartbeat_timestamp')}")
                continue
            for segment in context.segments_to_bind:
                reason = self._explain(segment, agent, profile_physnet)
                if reason is None:
                    self._bind(context, segment, constants.PORT_STATUS_DOWN)
                    return
                reasons.append(reason)
        context.decline("; ".join(reasons) or f"no segment to bind on host {context.host}")

    def try_to_bind_segment_for_agent(
        self, context: PortContext, segment: Segment, agent: dict[str, Any]
    ) -> bool:
        """Bind ``segment`` through ``agent`` if it can carry it (port status ``DOWN``)."""
        if not self.check_segment_for_agent(segment, agent):
            return False
        self._bind(context, segment, constants.PORT_STATUS_DOWN)
        return True

    def _bind(self, context: PortContext, segment: Segment, status: str) -> None:
        context.set_binding(
            segment["id"],
            self.get_vif_type(context, {}, segment),
            self.get_vif_details(context, {}, segment),
            status,
        )

    def _explain(
        self, segment: Segment, agent: dict[str, Any] | None, profile_physnet: str | None
    ) -> str | None:
        network_type = segment.get("network_type")
        if agent is None:
            if network_type not in SUPPORTED_NETWORK_TYPES:
                return (
                    f"network type {network_type} is not supported by {self.driver_label} "
                    f"(it binds {', '.join(SUPPORTED_NETWORK_TYPES)})"
                )
        else:
            reason = self.explain_segment_for_agent(segment, agent)
            if reason:
                return reason
        if network_type == constants.TYPE_VLAN and segment.get("segmentation_id") is None:
            return f"vlan segment {segment.get('id')} has no segmentation_id"
        physnet = segment.get("physical_network")
        if profile_physnet is not None and physnet != profile_physnet:
            return (
                f"physnet {physnet} of segment {segment.get('id')} is not the binding:profile "
                f"physical_network {profile_physnet} of the port's device"
            )
        return None

    # -- what the agent and the segment allow ---------------------------------------------
    def get_allowed_network_types(self, agent: dict[str, Any]) -> Iterable[str]:
        """flat and vlan, whatever the agent."""
        return SUPPORTED_NETWORK_TYPES

    def get_mappings(self, agent: dict[str, Any]) -> dict[str, Any]:
        """The agent's ``device_mappings`` (``{physnet: [devices]}``)."""
        return string_mapping(agent_configurations(agent).get("device_mappings"))

    def get_vif_type(self, context: PortContext, agent: dict[str, Any], segment: Segment) -> str:
        """``hostdev_physical`` for ``direct-physical``, else ``hw_veb``."""
        if context.current.get("binding:vnic_type") == constants.VNIC_DIRECT_PHYSICAL:
            return constants.VIF_TYPE_HOSTDEV_PHY
        return constants.VIF_TYPE_HW_VEB

    def get_vif_details(
        self, context: PortContext, agent: dict[str, Any], segment: Segment
    ) -> dict[str, Any]:
        """``port_filter`` (False), ``connectivity`` and ``vlan`` (``'0'`` for flat)."""
        details = dict(self.vif_details)
        if segment.get("network_type") == constants.TYPE_VLAN:
            details[constants.VIF_DETAILS_VLAN] = str(segment.get("segmentation_id"))
        else:
            details[constants.VIF_DETAILS_VLAN] = FLAT_VLAN
        return details

    def check_vlan_transparency(self, context: NetworkContext) -> bool:
        """False: a VF's VLAN is set by the NIC."""
        return False
