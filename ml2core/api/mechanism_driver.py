"""Mechanism drivers: told about every change, and the ones that bind ports."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ml2core import constants
from ml2core.exceptions import ConfigError

if TYPE_CHECKING:
    from oslo_config import cfg

    from ml2core.api.context import NetworkContext, PortContext, Segment, SubnetContext

__all__ = ["AgentMechanismDriverBase", "MechanismDriver", "SimpleAgentMechanismDriverBase"]


class MechanismDriver(abc.ABC):
    """Base of every mechanism driver.

    Loaded from the ``ml2core.mechanism_drivers`` entry points and called in
    the configured order (``delete_port_*`` in reverse order). Before
    :meth:`initialize` the framework sets :attr:`conf` (register your option
    group on it) and :attr:`name` (the entry-point name).

    ``*_precommit`` hooks run inside the database transaction of the change:
    they may read and write through ``context.plugin_context.session`` but
    must not block on anything else (no calls to devices or remote APIs);
    raising rolls the whole change back and the caller gets
    ``MechanismDriverError``. ``*_postcommit`` hooks run after the commit,
    outside any transaction, and may block; what raising does depends on
    the operation (see each hook). Every hook is optional.
    """

    #: The plugin's configuration, set by the framework before ``initialize``.
    conf: cfg.ConfigOpts
    #: The entry-point name this driver was loaded as.
    name: str = ""

    @abc.abstractmethod
    def initialize(self) -> None:
        """Prepare the driver, once, when the plugin starts (outside any transaction)."""

    @property
    def connectivity(self) -> str:
        """What the driver provides: ``l2``, ``l3`` or ``legacy``.

        Ports without fixed IPs bind only with drivers that say ``l2``.
        """
        return constants.CONNECTIVITY_LEGACY

    # -- networks ----------------------------------------------------------------
    def create_network_precommit(self, context: NetworkContext) -> None:
        """A network is being created. Inside the transaction; raising rolls it back."""

    def create_network_postcommit(self, context: NetworkContext) -> None:
        """A network was created. After commit; may block. Raising deletes the network again
        and the caller gets ``MechanismDriverError``."""

    def update_network_precommit(self, context: NetworkContext) -> None:
        """A network is being updated (``context.original`` is the old one). Inside the
        transaction; raising rolls the update back."""

    def update_network_postcommit(self, context: NetworkContext) -> None:
        """A network was updated. After commit; may block. Raising keeps the update; every
        driver is still called, then the caller gets ``MechanismDriverError`` (committed)."""

    def delete_network_precommit(self, context: NetworkContext) -> None:
        """A network is being deleted. Inside the transaction; raising keeps the network."""

    def delete_network_postcommit(self, context: NetworkContext) -> None:
        """A network was deleted. After commit; may block. Raising is logged only; the
        network stays deleted and every driver is still called."""

    # -- subnets -----------------------------------------------------------------
    def create_subnet_precommit(self, context: SubnetContext) -> None:
        """A subnet is being created. Inside the transaction; raising rolls it back."""

    def create_subnet_postcommit(self, context: SubnetContext) -> None:
        """A subnet was created. After commit; raising deletes it again (``MechanismDriverError``)."""

    def update_subnet_precommit(self, context: SubnetContext) -> None:
        """A subnet is being updated. Inside the transaction; raising rolls it back."""

    def update_subnet_postcommit(self, context: SubnetContext) -> None:
        """A subnet was updated. After commit; raising keeps the change (``MechanismDriverError``)."""

    def delete_subnet_precommit(self, context: SubnetContext) -> None:
        """A subnet is being deleted. Inside the transaction; raising keeps the subnet."""

    def delete_subnet_postcommit(self, context: SubnetContext) -> None:
        """A subnet was deleted. After commit; raising is logged only."""

    # -- ports -------------------------------------------------------------------
    def create_port_precommit(self, context: PortContext) -> None:
        """A port is being created. Inside the transaction; raising rolls it back."""

    def create_port_postcommit(self, context: PortContext) -> None:
        """A port was created. After commit; raising deletes it again (``MechanismDriverError``)."""

    def update_port_precommit(self, context: PortContext) -> None:
        """A port is being updated, or its binding result committed. Inside the
        transaction; raising rolls the change back."""

    def update_port_postcommit(self, context: PortContext) -> None:
        """A port was updated or bound. After commit; raising keeps the change and the
        caller gets ``MechanismDriverError`` saying it was committed."""

    def delete_port_precommit(self, context: PortContext) -> None:
        """A port is being deleted (drivers in reverse order). Inside the transaction;
        raising keeps the port."""

    def delete_port_postcommit(self, context: PortContext) -> None:
        """A port was deleted (reverse order). After commit; raising is logged only."""

    # -- binding -----------------------------------------------------------------
    def bind_port(self, context: PortContext) -> None:
        """Try to bind ``context.current`` on ``context.host``.

        Called outside any database transaction, once per binding level, for
        each driver in order until one binds or continues. The result may be
        discarded if the port changed meanwhile, so change nothing
        persistent except through ``context`` (a dynamic segment allocated
        through it is released by the framework when the attempt is
        discarded). Bind with ``context.set_binding``, hand the next level
        its segments with ``context.continue_binding``, or say why not with
        ``context.decline``. May block briefly (it delays the caller).
        Raising counts as declining; the exception is kept as the reason.
        """
        context.decline(f"mechanism driver {self.name or type(self).__name__} does not bind ports")

    def check_vlan_transparency(self, context: NetworkContext) -> bool:
        """True if this driver can carry VLAN-tagged traffic of a transparent network."""
        return False

    def filter_hosts_with_segment_access(
        self,
        context: Any,
        segments: Sequence[Segment],
        candidate_hosts: set[str],
        agent_getter: Callable[[str], list[dict[str, Any]]],
    ) -> set[str]:
        """The hosts among ``candidate_hosts`` that can reach any of ``segments``.

        ``agent_getter(host)`` returns the agents on a host. Outside any
        transaction; reads only.
        """
        return set()


def _agent_label(agent: dict[str, Any]) -> str:
    return f"the {agent.get('agent_type', 'agent')} on {agent.get('host', '?')}"


class AgentMechanismDriverBase(MechanismDriver):
    """Binding through an L2 agent running on the port's host, as in Neutron.

    A port binds if the host has a live agent of :attr:`agent_type`, the
    port's vnic type is supported and a segment to bind passes
    :meth:`check_segment_for_agent`. Every refusal is explained through
    ``context.decline``.
    """

    #: Name of the agent configuration key holding its physnet mappings, for
    #: decline reasons.
    mappings_description: str = "mappings"

    def __init__(
        self,
        agent_type: str,
        supported_vnic_types: Iterable[str] = (constants.VNIC_NORMAL,),
    ) -> None:
        #: The ``agent_type`` of the agents this driver binds through.
        self.agent_type = agent_type
        #: The ``binding:vnic_type`` values this driver binds.
        self.supported_vnic_types = list(supported_vnic_types)
        #: The vnic types an operator prohibited (see :meth:`prohibit_vnic_types`).
        self.prohibited_vnic_types: list[str] = []

    def prohibit_vnic_types(self, prohibited: Iterable[str], *, option: str) -> None:
        """Stop binding the vnic types an operator prohibits (Neutron's ``vnic_type_prohibit_list``).

        Call from ``initialize()`` with the option's value; ``option`` names
        it (``[OVS_DRIVER] vnic_type_prohibit_list``) in errors. A type the
        driver does not bind (a typo would otherwise prohibit nothing) and
        prohibiting every type (the driver would be loaded for nothing) raise
        ``ConfigError``.
        """
        wanted = [str(v) for v in prohibited]
        for entry in wanted:
            if entry not in self.supported_vnic_types:
                raise ConfigError(
                    option=option,
                    entry=entry,
                    reason="not a vnic type this driver binds "
                    f"(valid: {', '.join(self.supported_vnic_types)})",
                )
        remaining = [v for v in self.supported_vnic_types if v not in wanted]
        if not remaining:
            raise ConfigError(
                option=option,
                entry=",".join(wanted),
                reason="every vnic type of the driver is prohibited; remove the driver from "
                "[ml2] mechanism_drivers instead",
            )
        self.prohibited_vnic_types = wanted
        self.supported_vnic_types = remaining

    def initialize(self) -> None:
        """Nothing to prepare by default."""

    @property
    def connectivity(self) -> str:
        return constants.CONNECTIVITY_L2

    @property
    def driver_label(self) -> str:
        """How decline reasons name this driver: its entry-point name, else its class name."""
        return self.name or type(self).__name__

    def bind_port(self, context: PortContext) -> None:
        """Bind to the first segment a live agent on the host can reach."""
        vnic_type = context.current.get("binding:vnic_type", constants.VNIC_NORMAL)
        if vnic_type not in self.supported_vnic_types:
            context.decline(
                f"vnic type {vnic_type} is not supported by {self.driver_label} "
                f"(supported: {', '.join(self.supported_vnic_types)})"
            )
            return
        agents = context.host_agents(self.agent_type)
        if not agents:
            context.decline(f"no {self.agent_type} is registered on host {context.host}")
            return
        reasons: list[str] = []
        for agent in agents:
            if not agent.get("alive"):
                reasons.append(f"{_agent_label(agent)} is dead since {agent.get('heartbeat_timestamp')}")
                continue
            for segment in context.segments_to_bind:
                if self.try_to_bind_segment_for_agent(context, segment, agent):
                    return
                reasons.append(
                    self.explain_segment_for_agent(segment, agent)
                    or f"segment {segment.get('id')} ({segment.get('network_type')}) was "
                    f"refused by {self.driver_label} for {_agent_label(agent)}"
                )
        context.decline("; ".join(reasons) or f"no segment to bind on host {context.host}")

    @abc.abstractmethod
    def try_to_bind_segment_for_agent(
        self, context: PortContext, segment: Segment, agent: dict[str, Any]
    ) -> bool:
        """Bind ``segment`` for ``agent`` through ``context`` if possible; True if bound."""

    @abc.abstractmethod
    def get_allowed_network_types(self, agent: dict[str, Any]) -> Iterable[str]:
        """The network types ``agent`` can carry."""

    @abc.abstractmethod
    def get_mappings(self, agent: dict[str, Any]) -> dict[str, Any]:
        """The agent's physnet mappings (``{physnet: bridge or interface}``)."""

    def physnet_in_mappings(self, physnet: str, mappings: dict[str, Any]) -> bool:
        return physnet in mappings

    def explain_segment_for_agent(self, segment: Segment, agent: dict[str, Any]) -> str | None:
        """Why ``agent`` cannot carry ``segment`` in words, or ``None`` if it can."""
        network_type = segment.get("network_type")
        allowed = list(self.get_allowed_network_types(agent))
        if network_type not in allowed:
            return (
                f"network type {network_type} is not supported by {_agent_label(agent)} "
                f"(it supports {', '.join(allowed) or 'none'})"
            )
        if network_type in (constants.TYPE_FLAT, constants.TYPE_VLAN):
            physnet = segment.get("physical_network")
            if not physnet or not self.physnet_in_mappings(physnet, self.get_mappings(agent)):
                return f"physnet {physnet} is not in the {self.mappings_description} of {_agent_label(agent)}"
        return None

    def check_segment_for_agent(self, segment: Segment, agent: dict[str, Any]) -> bool:
        """True if ``agent`` can carry ``segment`` (see :meth:`explain_segment_for_agent`)."""
        return self.explain_segment_for_agent(segment, agent) is None

    def filter_hosts_with_segment_access(
        self,
        context: Any,
        segments: Sequence[Segment],
        candidate_hosts: set[str],
        agent_getter: Callable[[str], list[dict[str, Any]]],
    ) -> set[str]:
        hosts = set()
        for host in candidate_hosts:
            for agent in agent_getter(host):
                if agent.get("agent_type") != self.agent_type or not agent.get("alive"):
                    continue
                if any(self.check_segment_for_agent(s, agent) for s in segments):
                    hosts.add(host)
                    break
        return hosts


class SimpleAgentMechanismDriverBase(AgentMechanismDriverBase):
    """An agent-based driver with a fixed ``vif_type`` and ``vif_details``."""

    def __init__(
        self,
        agent_type: str,
        vif_type: str,
        vif_details: dict[str, Any],
        supported_vnic_types: Iterable[str] = (constants.VNIC_NORMAL,),
    ) -> None:
        super().__init__(agent_type, supported_vnic_types)
        #: The ``binding:vif_type`` of the ports this driver binds.
        self.vif_type = vif_type
        #: The ``binding:vif_details`` of the ports this driver binds.
        self.vif_details = dict(vif_details)

    def get_vif_type(self, context: PortContext, agent: dict[str, Any], segment: Segment) -> str:
        return self.vif_type

    def get_vif_details(
        self, context: PortContext, agent: dict[str, Any], segment: Segment
    ) -> dict[str, Any]:
        return dict(self.vif_details)

    def try_to_bind_segment_for_agent(
        self, context: PortContext, segment: Segment, agent: dict[str, Any]
    ) -> bool:
        if not self.check_segment_for_agent(segment, agent):
            return False
        context.set_binding(
            segment["id"],
            self.get_vif_type(context, agent, segment),
            self.get_vif_details(context, agent, segment),
        )
        return True
