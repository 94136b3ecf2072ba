"""A top-of-rack switch driver: VXLAN in the fabric, a dynamic VLAN down to each host."""

from __future__ import annotations

import logging
from typing import Final

from oslo_config import cfg

from ml2core import constants
from ml2core.api import MechanismDriver, PortContext
from ml2core.exceptions import ConfigError, InvalidInput, NoNetworkAvailable

LOG = logging.getLogger(__name__)
GROUP: Final = "example_tor"
OPTS: Final = (
    cfg.StrOpt(
        "physical_network", default="physnet1", help="Physnet of the links from the switch to its hosts."
    ),
    cfg.ListOpt("hosts", default=[], help="Hosts behind this switch; empty means every host."),
)


class ExampleTorMechanismDriver(MechanismDriver):
    """Binds the VXLAN level of a port and continues with a VLAN on the host's link.

    The switch maps the network's VNI to that VLAN; the driver below it
    (``openvswitch``) binds the VLAN on the host. Stateless: the framework
    reference-counts the dynamic VLAN and frees it with the last port.
    """

    def initialize(self) -> None:
        """Register ``[example_tor]`` and read it; ``ConfigError`` for an empty physnet."""
        self.conf.register_opts(list(OPTS), group=GROUP)
        options = getattr(self.conf, GROUP)
        self.physical_network: str = options.physical_network
        self.hosts: frozenset[str] = frozenset(options.hosts)
        if not self.physical_network:
            raise ConfigError(option=f"[{GROUP}] physical_network", entry="", reason="must not be empty")

    @property
    def connectivity(self) -> str:
        """``l2``: ports without fixed IPs bind too."""
        return constants.CONNECTIVITY_L2

    def bind_port(self, context: PortContext) -> None:
        """Continue a VXLAN segment with this network's VLAN on :attr:`physical_network`.

        Outside any transaction; the VLAN is allocated through ``context`` (so
        a discarded attempt frees it). Declines, saying why, for a host not
        behind the switch, when no VXLAN segment is offered, or when no VLAN
        is free.
        """
        if self.hosts and context.host not in self.hosts:
            context.decline(f"host {context.host} is not behind this switch ([{GROUP}] hosts)")
            return
        vxlan = next((s for s in context.segments_to_bind if s["network_type"] == constants.TYPE_VXLAN), None)
        if vxlan is None:
            offered = ", ".join(str(s["network_type"]) for s in context.segments_to_bind) or "none"
            context.decline(f"{self.name} binds VXLAN segments only (offered: {offered})")
            return
        try:
            vlan = context.allocate_dynamic_segment(
                {"network_type": constants.TYPE_VLAN, "physical_network": self.physical_network}
            )
        except (NoNetworkAvailable, InvalidInput) as exc:
            context.decline(f"no VLAN for this network on {self.physical_network}: {exc}")
            return
        context.continue_binding(vxlan["id"], [vlan])

    def update_port_postcommit(self, context: PortContext) -> None:
        """After a binding commits: where a real driver programs the switch (VNI to VLAN)."""
        levels = context.binding_levels
        if len(levels) > 1 and levels[0]["bound_driver"] == self.name:
            vni, vlan = (level["bound_segment"]["segmentation_id"] for level in levels[:2])
            LOG.info("switch: VNI %s <-> VLAN %s towards host %s", vni, vlan, context.host)
