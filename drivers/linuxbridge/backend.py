"""The Linux bridge dataplane backend: one kernel bridge per network, through pyroute2."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from oslo_config import cfg

from drivers.linuxbridge import config
from drivers.linuxbridge.desired import Desired, bridge_name, build_desired
from drivers.linuxbridge.netlink import Netlink
from drivers.linuxbridge.probe import probe_kernel
from drivers.linuxbridge.reconcile import Reconciler, port_of_alias
from ml2core import constants
from ml2core.dataplane import BackendDescription, DataplaneBackend, PortInfo, SyncReport, tap_device_name
from ml2core.exceptions import DataplaneError

__all__ = ["LinuxBridgeBackend"]

LOG = logging.getLogger(__name__)

_SUPPORTED_TYPES = frozenset(
    {constants.TYPE_FLAT, constants.TYPE_VLAN, constants.TYPE_VXLAN, constants.TYPE_LOCAL}
)


class LinuxBridgeBackend(DataplaneBackend):
    """Realizes ports on kernel Linux bridges, as Neutron's Linux bridge agent does.

    Per network: a bridge ``brq<network id[:11]>``; for VXLAN a device
    ``vxlan-<vni>`` (``[vxlan] local_ip``, UDP port ``udp_dstport``,
    unicast head-end replication towards the plugin's tunnel endpoints, or
    a multicast group); for flat the mapped physical interface itself; for
    VLAN an ``<interface>.<vlan>`` device (only where the kernel has 8021q:
    probed at :meth:`initialize`). The VM's ``tap<port id[:11]>`` is
    enslaved to the bridge with the network's MTU.

    Construct with no arguments (entry point ``linuxbridge``), set
    :attr:`conf`, call :meth:`initialize`. ``conf`` and ``netns`` may also
    be given here; ``netns`` overrides ``[linux_bridge] netns``. Every
    method may block on netlink and raises only
    :class:`~ml2core.exceptions.DataplaneError`.
    """

    name = "linuxbridge"

    def __init__(self, conf: cfg.ConfigOpts | None = None, *, netns: str | None = None) -> None:
        if conf is not None:
            self.conf = conf
        self._netns_override = netns
        self._netlink: Netlink | None = None
        self._settings: config.LinuxBridgeSettings | None = None
        self._unavailable: dict[str, str] = {}

    # -- set-up ---------------------------------------------------------

    def initialize(self) -> None:
        """Register and read options, probe the kernel, open netlink.

        Called once by the agent after it set :attr:`conf`. Blocks for the
        probe (~50 ms, a scratch namespace). Raises ``ConfigError`` for a
        malformed option and ``DataplaneError`` when the namespace cannot be
        reached.
        """
        if getattr(self, "conf", None) is None:
            self.conf = cfg.ConfigOpts()
        config.register_opts(self.conf)
        settings = config.load(self.conf)
        if self._netns_override is not None:
            settings = dataclasses.replace(settings, netns=self._netns_override)
        self._settings = settings
        self._unavailable = probe_kernel()
        if not settings.enable_vxlan:
            self._unavailable[constants.TYPE_VXLAN] = "disabled by [vxlan] enable_vxlan = false"
        elif not settings.local_ip:
            self._unavailable.setdefault(constants.TYPE_VXLAN, "no [vxlan] local_ip configured")
        self._netlink = Netlink(settings.netns)
        self._netlink.links()  # fails early when the namespace is unreachable
        for net_type, reason in sorted(self._unavailable.items()):
            LOG.info("linuxbridge: %s networks unavailable: %s", net_type, reason)

    def _ready(self) -> tuple[Netlink, config.LinuxBridgeSettings]:
        if self._netlink is None or self._settings is None:
            raise DataplaneError(operation="linuxbridge", reason="initialize() was not called")
        return self._netlink, self._settings

    @property
    def unavailable(self) -> dict[str, str]:
        """Network types this host cannot realize, with the reason (after :meth:`initialize`)."""
        return dict(self._unavailable)

    def describe(self) -> BackendDescription:
        """Network types, vnic types and VIF types supported here (after :meth:`initialize`)."""
        self._ready()
        return BackendDescription(
            name=self.name,
            network_types=frozenset(_SUPPORTED_TYPES - set(self._unavailable)),
            vnic_types=frozenset({constants.VNIC_NORMAL}),
            vif_types=frozenset({constants.VIF_TYPE_BRIDGE, constants.VIF_TYPE_TAP}),
            unavailable=dict(self._unavailable),
        )

    def close(self) -> None:
        """Close the netlink socket; the devices stay."""
        if self._netlink is not None:
            self._netlink.close()

    # -- realizing ------------------------------------------------------

    def _desired(self, port_infos: Sequence[PortInfo]) -> Desired:
        _, settings = self._ready()
        return build_desired(port_infos, settings, self._unavailable)

    def sync(self, port_infos: Sequence[PortInfo]) -> SyncReport:
        """Make the host match ``port_infos`` exactly.

        Creates and repairs what is missing or wrong, releases taps it
        plugged for ports no longer listed and deletes the bridges, VXLAN
        and VLAN devices only they needed, and keeps each VXLAN device's
        flood list equal to the network's endpoints. A port that cannot be
        realized (tap absent, unavailable type, conflict) is ``DOWN`` with a
        reason in ``errors``; the others go on. Idempotent: a second run
        reports 0 changes. Raises ``DataplaneError`` only when the kernel
        cannot be reached at all.
        """
        netlink, settings = self._ready()
        outcome = Reconciler(netlink, settings.device_group, self._desired(port_infos), prune=True).run()
        return SyncReport(
            changes=outcome.changes,
            port_status=outcome.port_status,
            errors=outcome.errors,
            removed=outcome.removed,
        )

    def plug(self, port_info: PortInfo) -> None:
        """Realize one port (and its network) without removing anything; idempotent.

        Raises ``DataplaneError`` with the reason when the port cannot be
        realized.
        """
        netlink, settings = self._ready()
        desired = self._desired([port_info])
        outcome = Reconciler(netlink, settings.device_group, desired, prune=False).run()
        if outcome.errors:
            port_id, reason = next(iter(outcome.errors.items()))
            raise DataplaneError(operation=f"plug {port_id}", reason=reason)

    def unplug(self, port_id: str) -> None:
        """Release the port's tap and delete the network's devices if no other tap uses them.

        Idempotent (an absent tap or bridge is fine). Raises
        ``DataplaneError`` when netlink fails.
        """
        netlink, settings = self._ready()
        links = netlink.links()
        by_index = {link.index: link for link in links.values()}
        tap = links.get(tap_device_name(port_id))
        if tap is None or port_of_alias(tap.alias) != port_id:
            return
        bridge = by_index.get(tap.master) if tap.master else None
        netlink.set(tap.index, tap.name, master=0, ifalias="")
        if bridge is None or bridge.group != settings.device_group or bridge.kind != "bridge":
            return
        users = [
            link
            for link in links.values()
            if link.master == bridge.index and link.index != tap.index and port_of_alias(link.alias)
        ]
        if users:
            return
        for link in links.values():
            if link.master == bridge.index and link.group == settings.device_group:
                netlink.delete(link.index, f"{link.kind} {link.name}")
        netlink.delete(bridge.index, f"bridge {bridge.name}")
        LOG.debug("linuxbridge: removed %s with the last port %s", bridge.name, port_id)

    def bridge_for(self, network_id: str) -> str:
        """The bridge name this backend uses for ``network_id``."""
        return bridge_name(network_id)
