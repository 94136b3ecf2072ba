"""The Open vSwitch dataplane backend: OVSDB through ovsdbapp, OpenFlow through ``ovs-ofctl`` bundles."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from typing import Any

from oslo_config import cfg

from drivers.openvswitch import config
from drivers.openvswitch.desired import (
    LVID_KEY_PREFIX,
    TUNNEL_TYPES,
    OvsDesired,
    build_desired,
    patch_port_names,
)
from drivers.openvswitch.flows import desired_flows
from drivers.openvswitch.links import HostLinks
from drivers.openvswitch.ofctl import OpenFlow
from drivers.openvswitch.ovsdb import Command, Ovsdb, OvsState
from drivers.openvswitch.plan import plan_ovsdb
from ml2core import constants
from ml2core.dataplane import BackendDescription, DataplaneBackend, PortInfo, SyncReport, parse_port_info
from ml2core.exceptions import DataplaneError

__all__ = ["OpenvswitchBackend"]

LOG = logging.getLogger(__name__)

_SETTLE_TIMEOUT = 3.0


class OpenvswitchBackend(DataplaneBackend):
    """Realizes ports on Open vSwitch the way Neutron's OVS agent lays bridges out.

    ``br-int`` holds the VM ports (``tap<port id[:11]>``, ``iface-id`` =
    port ID), each tagged with its network's host-local VLAN; ``br-tun``
    (``fail_mode=secure``) holds one tunnel port per remote endpoint and
    type and translates local VLAN <-> tunnel key; provider bridges from
    ``[ovs] bridge_mappings`` join ``br-int`` through patch ports whose
    ``trunks`` carry only their networks' VLANs, with local VLAN <->
    provider VLAN translation. Works with the userspace ``netdev``
    datapath and the kernel ``system`` one (``[ovs] datapath_type``).

    Construct with no arguments (entry point ``openvswitch``), set
    :attr:`conf`, call :meth:`initialize`. ``ovsdb_connection``,
    ``ovs_rundir`` and ``netns`` given here override the ``[ovs]`` options
    of the same names. Every method may block (OVSDB transaction, one
    ``ovs-ofctl`` process per bridge) and raises only
    :class:`~ml2core.exceptions.DataplaneError`.
    """

    name = "openvswitch"

    def __init__(
        self,
        conf: cfg.ConfigOpts | None = None,
        *,
        ovsdb_connection: str | None = None,
        ovs_rundir: str | None = None,
        netns: str | None = None,
    ) -> None:
        if conf is not None:
            self.conf = conf
        self._overrides: dict[str, Any] = {
            key: value
            for key, value in (
                ("ovsdb_connection", ovsdb_connection),
                ("ovs_rundir", ovs_rundir),
                ("netns", netns),
            )
            if value is not None
        }
        self._settings: config.OvsSettings | None = None
        self._ovsdb: Ovsdb | None = None
        self._links: HostLinks | None = None
        self._openflow: OpenFlow | None = None
        self._unavailable: dict[str, str] = {}
        self._known: dict[str, PortInfo] = {}

    # -- set-up ---------------------------------------------------------

    def initialize(self) -> None:
        """Register options, connect to OVSDB, probe the switch, create ``br-int`` / ``br-tun``.

        Called once by the agent after it set :attr:`conf`. Changes nothing
        that already exists (a restart does not disturb running ports) and
        deletes nothing. Raises ``ConfigError`` for malformed options and
        ``DataplaneError`` when OVSDB is unreachable or the configured
        datapath type is not supported by ``ovs-vswitchd``.
        """
        if getattr(self, "conf", None) is None:
            self.conf = cfg.ConfigOpts()
        config.register_opts(self.conf)
        settings = dataclasses.replace(config.load(self.conf), **self._overrides)
        self._settings = settings
        self._ovsdb = Ovsdb(settings.ovsdb_connection, settings.ovsdb_timeout)
        self._links = HostLinks(settings.netns)
        self._openflow = OpenFlow(settings.ovs_rundir, settings.ovsdb_timeout)
        state = self._ovsdb.snapshot()
        if state.datapath_types and settings.datapath_type not in state.datapath_types:
            raise DataplaneError(
                operation="initialize openvswitch",
                reason=f"datapath_type {settings.datapath_type} is not supported by this ovs-vswitchd "
                f"(it supports {', '.join(sorted(state.datapath_types))})",
            )
        self._unavailable = self._probe(state, settings)
        for net_type, reason in sorted(self._unavailable.items()):
            LOG.info("openvswitch: %s networks unavailable: %s", net_type, reason)
        self._apply([], prune=False)

    @staticmethod
    def _probe(state: OvsState, settings: config.OvsSettings) -> dict[str, str]:
        missing: dict[str, str] = {}
        for tunnel_type in TUNNEL_TYPES:
            if not settings.local_ip:
                missing[tunnel_type] = "no [ovs] local_ip configured"
            elif state.iface_types and tunnel_type not in state.iface_types:
                missing[tunnel_type] = f"ovs-vswitchd has no {tunnel_type} interface type"
        if not settings.bridge_mappings:
            for net_type in (constants.TYPE_FLAT, constants.TYPE_VLAN):
                missing[net_type] = "no [ovs] bridge_mappings configured"
        if "dpdkvhostuserclient" not in state.iface_types:
            missing[constants.VIF_TYPE_VHOST_USER] = (
                "ovs-vswitchd has no dpdkvhostuserclient interface type (built without DPDK)"
            )
        else:
            missing[constants.VIF_TYPE_VHOST_USER] = (
                "vhost-user ports are not implemented by this backend yet"
            )
        return missing

    def _ready(self) -> tuple[config.OvsSettings, Ovsdb, HostLinks, OpenFlow]:
        if self._settings is None or self._ovsdb is None or self._links is None or self._openflow is None:
            raise DataplaneError(operation="openvswitch", reason="initialize() was not called")
        return self._settings, self._ovsdb, self._links, self._openflow

    def describe(self) -> BackendDescription:
        """Network types, vnic types and VIF types supported here (after :meth:`initialize`)."""
        self._ready()
        types = {constants.TYPE_LOCAL, constants.TYPE_FLAT, constants.TYPE_VLAN, *TUNNEL_TYPES}
        return BackendDescription(
            name=self.name,
            network_types=frozenset(types - set(self._unavailable)),
            vnic_types=frozenset({constants.VNIC_NORMAL}),
            vif_types=frozenset({constants.VIF_TYPE_OVS}),
            unavailable=dict(self._unavailable),
        )

    def close(self) -> None:
        """Close the OVSDB connection and the netlink socket; the switch keeps its state."""
        if self._ovsdb is not None:
            self._ovsdb.close()
        if self._links is not None:
            self._links.close()

    # -- realizing ------------------------------------------------------

    def _settled(self, ovsdb: Ovsdb, names: set[str]) -> OvsState:
        """A snapshot once ovs-vswitchd gave each of ``names`` an OpenFlow port or an error."""
        deadline = time.monotonic() + _SETTLE_TIMEOUT
        while True:
            state = ovsdb.snapshot()
            pending = [
                n for n in names if n in state.ports and state.ofport(n) is None and not state.ports[n].error
            ]
            if not pending or time.monotonic() > deadline:
                return state
            time.sleep(0.02)

    def _apply(self, port_infos: Sequence[PortInfo], *, prune: bool) -> SyncReport:
        settings, ovsdb, links, openflow = self._ready()
        state = ovsdb.snapshot()
        int_row = state.bridges.get(settings.integration_bridge)
        recorded: dict[str, int] = {}
        for key, value in (int_row.external_ids if int_row else {}).items():
            if key.startswith(LVID_KEY_PREFIX) and value.isdigit():
                recorded[key[len(LVID_KEY_PREFIX) :]] = int(value)
        try:
            desired = build_desired(port_infos, settings, self._unavailable, state.bridges, recorded)
        except ValueError as exc:
            raise DataplaneError(operation="openvswitch sync", reason=str(exc)) from exc
        plan = plan_ovsdb(desired, state, links.dump(), settings, prune=prune)
        changes = 0
        for name, index, attrs in plan.link_fixes:
            links.set(name, index, **attrs)
            changes += 1
        ovsdb.commit(plan.commands)
        changes += len(plan.commands)
        if plan.commands:
            # Flows name OpenFlow port numbers: wait until ovs-vswitchd has assigned them.
            patches = {settings.int_peer_patch_port, settings.tun_peer_patch_port}
            for bridge in settings.bridge_mappings.values():
                patches.update(patch_port_names(bridge))
            taps = {p.tap for p in desired.ports.values()}
            state = self._settled(ovsdb, taps | set(desired.tunnels) | patches)
        for flows in desired_flows(
            desired,
            state,
            integration_bridge=settings.integration_bridge,
            tunnel_bridge=settings.tunnel_bridge if settings.local_ip else None,
            tun_patch_port=settings.tun_peer_patch_port,
            mappings=settings.bridge_mappings,
        ):
            changes += openflow.sync(flows, prune=prune)
        return self._report(desired, state, plan.errors, plan.removed, changes)

    @staticmethod
    def _report(
        desired: OvsDesired, state: OvsState, errors: dict[str, str], removed: list[str], changes: int
    ) -> SyncReport:
        report = SyncReport(changes=changes, errors=dict(errors), removed=list(removed))
        for port_id in errors:
            report.port_status[port_id] = constants.PORT_STATUS_DOWN
        for port in desired.ports.values():
            if port.port_id in errors:
                continue
            row = state.ports.get(port.tap)
            if state.ofport(port.tap) is None:
                reason = row.error if row is not None and row.error else "no OpenFlow port assigned yet"
                report.errors[port.port_id] = f"{port.tap}: {reason}"
                report.port_status[port.port_id] = constants.PORT_STATUS_DOWN
                continue
            up = port.admin_state_up
            report.port_status[port.port_id] = (
                constants.PORT_STATUS_ACTIVE if up else constants.PORT_STATUS_DOWN
            )
        return report

    def sync(self, port_infos: Sequence[PortInfo]) -> SyncReport:
        """Make the switch match ``port_infos`` exactly.

        One OVSDB transaction (skipped when nothing differs) and, per
        bridge, one ``ovs-ofctl dump-flows`` plus one bundle only when its
        flows differ. Ports, tunnel ports, patch ports and flows ml2core
        made that the list no longer needs are removed; anything else is
        left alone. A port that cannot be realized (device absent,
        unavailable type, unmapped physical network) is ``DOWN`` with a
        reason; the others go on. A second run reports 0 changes. Raises
        ``DataplaneError`` when OVSDB or ovs-ofctl fail.
        """
        report = self._apply(port_infos, prune=True)
        self._known = {}
        for info in port_infos:
            try:
                self._known[parse_port_info(info).port_id] = info
            except (KeyError, TypeError, ValueError):
                continue
        return report

    def plug(self, port_info: PortInfo) -> None:
        """Realize one port next to the ones already there; removes nothing.

        Raises ``DataplaneError`` with the reason if the port cannot be
        realized.
        """
        infos = {**self._known}
        try:
            port_id = parse_port_info(port_info).port_id
        except (KeyError, TypeError, ValueError) as exc:
            raise DataplaneError(operation="plug", reason=f"malformed port_info: {exc!r}") from exc
        infos[port_id] = port_info
        report = self._apply(list(infos.values()), prune=False)
        self._known = infos
        if port_id in report.errors:
            raise DataplaneError(operation=f"plug {port_id}", reason=report.errors[port_id])

    def unplug(self, port_id: str) -> None:
        """Remove one port, and what only it needed when this backend knows the other ports.

        After a sync or plug in this process, this is a sync without the
        port (its tunnel ports and flows go if no other port needs them).
        Otherwise only its OVS port is deleted; the next sync removes the
        rest. Idempotent. Raises ``DataplaneError``.
        """
        if port_id in self._known:
            remaining = [info for pid, info in self._known.items() if pid != port_id]
            self._apply(remaining, prune=True)
            self._known.pop(port_id, None)
            return
        _, ovsdb, _, _ = self._ready()
        state = ovsdb.snapshot()
        names = [
            row.name
            for row in state.ports.values()
            if row.owned and row.iface_external_ids.get("iface-id") == port_id
        ]
        ovsdb.commit([Command("del_port", (name,), {"if_exists": True}) for name in names])
