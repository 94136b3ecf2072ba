"""The OVSDB changes that bring the switch from its current state to the plan.

Only rows ml2core made are ever deleted (Port ``external_ids:ml2core-owned
= true``); the integration and tunnel bridges are configured (secure fail
mode, datapath type) but never deleted. A port someone else already made with
the name ml2core wants (a VM port with the right ``iface-id`` added by
os-vif, a patch port from an earlier agent) is configured but never marked,
so it is never deleted either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from drivers.openvswitch.config import OvsSettings
from drivers.openvswitch.desired import (
    DEAD_VLAN,
    LVID_KEY_PREFIX,
    TUNNEL_TYPES,
    OvsDesired,
    patch_port_names,
)
from drivers.openvswitch.links import LinkState
from drivers.openvswitch.ovsdb import OWNED_KEY, Command, OvsState

__all__ = ["OvsdbPlan", "plan_ovsdb"]

_OWNED = {OWNED_KEY: "true"}


@dataclass
class OvsdbPlan:
    """Commands for one transaction, kernel fixes for VM devices, and per-port outcomes."""

    commands: list[Command] = field(default_factory=list)
    #: ``(device name, index, attributes)`` to set through netlink before the transaction.
    link_fixes: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _PortWant:
    bridge: str
    iface_type: str = ""
    options: Mapping[str, str] = field(default_factory=dict)
    iface_ids: Mapping[str, str] = field(default_factory=dict)
    port_ids: Mapping[str, str] = field(default_factory=lambda: dict(_OWNED))
    other_config: Mapping[str, str] = field(default_factory=dict)
    tag: int | None = None
    trunks: tuple[int, ...] | None = None


class _Planner:
    """Collects the commands of one plan (pure: reads the snapshot, never OVSDB)."""

    def __init__(
        self,
        desired: OvsDesired,
        state: OvsState,
        links: Mapping[str, LinkState],
        settings: OvsSettings,
        prune: bool,
    ) -> None:
        self.desired = desired
        self.state = state
        self.links = links
        self.s = settings
        self.prune = prune
        self.plan = OvsdbPlan(errors=dict(desired.errors))
        self.wanted: dict[str, _PortWant] = {}

    def add(self, method: str, *args: Any, **kwargs: Any) -> None:
        """Queue one ovsdbapp call for the transaction."""
        self.plan.commands.append(Command(method, args, kwargs))

    # -- bridges --------------------------------------------------------

    def bridge(self, name: str) -> None:
        """Create ``name`` (secure, configured datapath) or correct its fail mode and datapath."""
        row = self.state.bridges.get(name)
        dp = self.s.datapath_type
        if row is None:
            self.add("add_br", name, may_exist=True, datapath_type=dp)
            self.add("db_set", "Bridge", name, ("fail_mode", "secure"), ("external_ids", dict(_OWNED)))
            return
        if row.fail_mode != "secure":
            self.add("db_set", "Bridge", name, ("fail_mode", "secure"))
        if row.datapath_type != dp:
            self.add("db_set", "Bridge", name, ("datapath_type", dp))

    def lvid_records(self) -> None:
        """Keep the local VLAN of each network recorded on the integration bridge."""
        name = self.s.integration_bridge
        row = self.state.bridges.get(name)
        have = {k: v for k, v in (row.external_ids if row else {}).items() if k.startswith(LVID_KEY_PREFIX)}
        want = {f"{LVID_KEY_PREFIX}{net}": str(lvid) for net, lvid in self.desired.lvids.items()}
        changed = {k: v for k, v in want.items() if have.get(k) != v}
        if changed:
            self.add("db_set", "Bridge", name, ("external_ids", changed))
        stale = sorted(set(have) - set(want))
        if stale and self.prune:
            self.add("db_remove", "Bridge", name, "external_ids", *stale)

    # -- what ports should exist ------------------------------------------

    def want_patches(self) -> None:
        """Patch ports to the tunnel and provider bridges, trunking only their networks' VLANs."""
        int_br = self.s.integration_bridge
        trunk_none = (DEAD_VLAN,)  # an empty trunks column would mean "every VLAN"
        if self.s.local_ip:
            tunnel_lvids = tuple(
                sorted(n.lvid for n in self.desired.networks.values() if n.network_type in TUNNEL_TYPES)
            )
            self.wanted[self.s.int_peer_patch_port] = _PortWant(
                int_br, "patch", {"peer": self.s.tun_peer_patch_port}, trunks=tunnel_lvids or trunk_none
            )
            self.wanted[self.s.tun_peer_patch_port] = _PortWant(
                self.s.tunnel_bridge, "patch", {"peer": self.s.int_peer_patch_port}
            )
        for physnet, provider in sorted(self.s.bridge_mappings.items()):
            if provider not in self.state.bridges:
                continue
            int_side, phy_side = patch_port_names(provider)
            lvids = tuple(
                sorted(n.lvid for n in self.desired.networks.values() if n.physical_network == physnet)
            )
            self.wanted[int_side] = _PortWant(int_br, "patch", {"peer": phy_side}, trunks=lvids or trunk_none)
            self.wanted[phy_side] = _PortWant(provider, "patch", {"peer": int_side})

    def want_tunnels(self) -> None:
        """One tunnel port per remote endpoint and type (``key=flow``)."""
        for tunnel in self.desired.tunnels.values():
            options = {"remote_ip": tunnel.remote_ip, "local_ip": str(self.s.local_ip), "key": "flow"}
            if tunnel.dst_port:
                options["dst_port"] = str(tunnel.dst_port)
            if self.s.tunnel_csum:
                options["csum"] = "true"
            self.wanted[tunnel.name] = _PortWant(self.s.tunnel_bridge, tunnel.tunnel_type, options)

    def want_vm_ports(self) -> None:
        """VM ports whose device exists: tag, ``iface-id``, ``attached-mac``; MTU/up fixes."""
        for port in self.desired.ports.values():
            link = self.links.get(port.tap)
            if link is None:
                self.plan.errors[port.port_id] = (
                    f"device {port.tap} not found (the VM's interface is not there yet)"
                )
                continue
            fixes: dict[str, Any] = {}
            if link.mtu != port.mtu:
                fixes["mtu"] = port.mtu
            if not link.up:
                fixes["state"] = "up"
            if fixes:
                self.plan.link_fixes.append((port.tap, link.index, fixes))
            row = self.state.ports.get(port.tap)
            port_ids: Mapping[str, str] = _OWNED
            if row is not None and not row.owned:
                if row.iface_external_ids.get("iface-id") != port.port_id:
                    self.plan.errors[port.port_id] = f"OVS port {port.tap} exists and is not ml2core's"
                    continue
                port_ids = {}  # adopted: configure it, but it stays its creator's
            network = self.desired.networks[port.network_id]
            self.wanted[port.tap] = _PortWant(
                self.s.integration_bridge,
                iface_ids={
                    "iface-id": port.port_id,
                    "attached-mac": port.mac_address,
                    "iface-status": "active",
                },
                port_ids=port_ids,
                other_config={"net_uuid": port.network_id},
                tag=network.lvid if port.admin_state_up else DEAD_VLAN,
            )

    # -- diff -------------------------------------------------------------

    def remove_stale(self) -> None:
        """Delete ports ml2core made that nothing wants any more."""
        for row in self.state.ports.values():
            if not row.owned or row.name in self.wanted:
                continue
            self.add("del_port", row.name, if_exists=True)
            port_id = row.iface_external_ids.get("iface-id")
            if port_id and port_id not in self.desired.ports:
                self.plan.removed.append(port_id)

    def ensure(self, name: str, want: _PortWant) -> None:
        """Add port ``name`` or correct what differs; raises ``ValueError`` for a foreign one in the way."""
        row = self.state.ports.get(name)
        if row is not None and row.bridge != want.bridge:
            if not row.owned:
                raise ValueError(f"port {name} is on bridge {row.bridge}, not ml2core's")
            # Moved: drop it now, it is recreated on the right bridge by the next sync.
            self.add("del_port", name, if_exists=True)
            return
        if row is None:
            self.add(
                "add_port",
                want.bridge,
                name,
                may_exist=True,
                type=want.iface_type,
                options=dict(want.options),
                external_ids=dict(want.iface_ids),
            )
            sets: list[tuple[str, Any]] = []
            if want.port_ids:
                sets.append(("external_ids", dict(want.port_ids)))
            if want.other_config:
                sets.append(("other_config", dict(want.other_config)))
            if want.tag is not None:
                sets.append(("tag", want.tag))
            if want.trunks is not None:
                sets.append(("trunks", list(want.trunks)))
            if sets:
                self.add("db_set", "Port", name, *sets)
            return
        self._update(name, row, want)

    def _update(self, name: str, row: Any, want: _PortWant) -> None:
        iface_sets: list[tuple[str, Any]] = []
        if row.iface_type != want.iface_type:
            iface_sets.append(("type", want.iface_type))
        if row.options != dict(want.options):
            iface_sets.append(("options", dict(want.options)))
            stale_options = sorted(set(row.options) - set(want.options))
            if stale_options:
                self.add("db_remove", "Interface", name, "options", *stale_options)
        if any(row.iface_external_ids.get(k) != v for k, v in want.iface_ids.items()):
            iface_sets.append(("external_ids", dict(want.iface_ids)))
        if iface_sets:
            self.add("db_set", "Interface", name, *iface_sets)
        port_sets: list[tuple[str, Any]] = []
        # A port ml2core finds already there (made by an operator, os-vif, an older
        # agent) is configured but never marked: it must not be deleted later.
        if row.owned and any(row.external_ids.get(k) != v for k, v in want.port_ids.items()):
            port_sets.append(("external_ids", dict(want.port_ids)))
        if any(row.other_config.get(k) != v for k, v in want.other_config.items()):
            port_sets.append(("other_config", dict(want.other_config)))
        if want.tag is not None and row.tag != want.tag:
            port_sets.append(("tag", want.tag))
        trunks = want.trunks
        if trunks is not None and not self.prune:
            # Adding one port must not cut the VLANs of ports it does not know about.
            merged = set(row.trunks) | set(trunks)
            trunks = tuple(sorted(merged - {DEAD_VLAN} or merged))
        if trunks is not None and row.trunks != trunks:
            port_sets.append(("trunks", list(trunks)))
        if port_sets:
            self.add("db_set", "Port", name, *port_sets)

    def run(self) -> OvsdbPlan:
        """The whole plan."""
        self.bridge(self.s.integration_bridge)
        if self.s.local_ip:
            self.bridge(self.s.tunnel_bridge)
        self.lvid_records()
        self.want_patches()
        self.want_tunnels()
        self.want_vm_ports()
        if self.prune:
            self.remove_stale()
        for name, want in self.wanted.items():
            try:
                self.ensure(name, want)
            except ValueError as exc:
                for port in self.desired.ports.values():
                    if port.tap == name:
                        self.plan.errors[port.port_id] = str(exc)
        return self.plan


def plan_ovsdb(
    desired: OvsDesired,
    state: OvsState,
    links: Mapping[str, LinkState],
    settings: OvsSettings,
    *,
    prune: bool,
) -> OvsdbPlan:
    """The transaction's commands (and kernel fixes) turning ``state`` into ``desired``."""
    return _Planner(desired, state, links, settings, prune).run()
