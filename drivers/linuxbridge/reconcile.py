"""Bring the kernel from what is to what should be, one netlink request per difference.

Ownership: every bridge, VXLAN and VLAN device ml2core creates carries
the configured kernel device group (set in the creating request, so there
is no window in which it exists unmarked). A VM's tap is not ml2core's,
but when ml2core plugs it, it writes ``ml2core:port=<port id>`` into the
tap's alias (in the same request); that is how a later sync, possibly in
another process, knows which taps it plugged. Nothing else is ever
changed or deleted.

A failure while realizing one network or port is recorded against the
ports concerned and the rest carries on; the next sync retries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.linuxbridge.desired import Desired, NetworkSpec, VlanSpec, VxlanSpec
from drivers.linuxbridge.netlink import Link, Netlink, NetlinkFailure
from ml2core import constants
from ml2core.dataplane import PortSpec

__all__ = ["PORT_ALIAS_PREFIX", "Outcome", "Reconciler", "port_of_alias"]

PORT_ALIAS_PREFIX = "ml2core:port="
_OWNED_KINDS = frozenset({"bridge", "vxlan", "vlan"})


def port_of_alias(alias: str | None) -> str | None:
    """The port ID ml2core wrote into a tap's alias, if any."""
    if alias and alias.startswith(PORT_ALIAS_PREFIX):
        return alias[len(PORT_ALIAS_PREFIX) :]
    return None


@dataclass
class Outcome:
    """What one reconciliation did."""

    changes: int = 0
    port_status: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


class Reconciler:
    """One pass over a snapshot of the kernel's devices (taken at construction).

    ``prune`` removes what ml2core made and ``desired`` no longer needs
    (a full sync); without it only additions and repairs happen (``plug``).
    """

    def __init__(self, netlink: Netlink, group: int, desired: Desired, *, prune: bool) -> None:
        self.nl = netlink
        self.group = group
        self.desired = desired
        self.prune = prune
        self.links: dict[str, Link] = netlink.links()
        self.by_index: dict[int, Link] = {link.index: link for link in self.links.values()}
        self.flood: dict[int, set[tuple[str, int | None]]] = netlink.flood_entries()
        self.out = Outcome(errors=dict(desired.errors))
        self._created = False

    # -- helpers --------------------------------------------------------

    def _owned(self, link: Link | None) -> bool:
        return link is not None and link.group == self.group and link.kind in _OWNED_KINDS

    def _change(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = action(*args, **kwargs)
        self.out.changes += 1
        return result

    def _forget(self, link: Link) -> None:
        self.links.pop(link.name, None)
        self.by_index.pop(link.index, None)

    def _delete(self, link: Link) -> None:
        self._change(self.nl.delete, link.index, f"{link.kind} {link.name}")
        self._forget(link)

    # -- the pass -------------------------------------------------------

    def run(self) -> Outcome:
        """Apply every difference; returns the outcome (raises only if the kernel is unreachable).

        In phases, so that devices created in one phase are looked up once
        (one dump) before the next needs their index: bridges, then their
        uplinks, then flood entries and ports.
        """
        if self.prune:
            self._release_stale_taps()
            self._delete_stale_devices()
        networks = list(self.desired.networks.values())
        failed: dict[str, str] = {}
        self._phase(networks, failed, self._ensure_bridge)
        self._phase(networks, failed, self._ensure_uplink)
        self._phase(networks, failed, self._ensure_flood)
        for network in networks:
            for port in self.desired.ports_of(network.network_id):
                if network.network_id in failed:
                    self.out.errors[port.port_id] = (
                        f"network {network.network_id}: {failed[network.network_id]}"
                    )
                    continue
                try:
                    self._ensure_port(port, self._bridge(network))
                except (NetlinkFailure, ValueError) as exc:
                    self.out.errors[port.port_id] = str(exc)
        for port_id in list(self.desired.errors) + list(self.desired.ports):
            ok = port_id not in self.out.errors and port_id in self.desired.ports
            up = ok and self.desired.ports[port_id].admin_state_up
            self.out.port_status[port_id] = constants.PORT_STATUS_ACTIVE if up else constants.PORT_STATUS_DOWN
        return self.out

    def _phase(
        self, networks: list[NetworkSpec], failed: dict[str, str], step: Callable[[NetworkSpec], None]
    ) -> None:
        for network in networks:
            if network.network_id in failed:
                continue
            try:
                step(network)
            except (NetlinkFailure, ValueError) as exc:
                failed[network.network_id] = str(exc)
        if self._created:
            self._refresh()

    def _refresh(self) -> None:
        """Re-read the devices (one dump) to learn the indexes of those just created."""
        self.links = self.nl.links()
        self.by_index = {link.index: link for link in self.links.values()}
        self._created = False

    def _bridge(self, network: NetworkSpec) -> Link:
        bridge = self.links.get(network.bridge)
        if bridge is None:
            raise ValueError(f"bridge {network.bridge} vanished")
        return bridge

    def _release_stale_taps(self) -> None:
        for link in list(self.links.values()):
            port_id = port_of_alias(link.alias)
            # A listed port that cannot be realized any more is released too.
            if port_id is None or port_id in self.desired.ports:
                continue
            self._change(self.nl.set, link.index, link.name, master=0, ifalias="")
            self.out.removed.append(port_id)

    def _needed_devices(self) -> set[str]:
        names: set[str] = set()
        for network in self.desired.networks.values():
            names.add(network.bridge)
            if network.uplink_name:
                names.add(network.uplink_name)
        return names

    def _delete_stale_devices(self) -> None:
        needed = self._needed_devices()
        stale = [ln for ln in self.links.values() if self._owned(ln) and ln.name not in needed]
        # Uplinks before bridges: a bridge deletion would only detach them.
        for link in sorted(stale, key=lambda ln: ln.kind == "bridge"):
            self._delete(link)

    # -- networks -------------------------------------------------------

    def _ensure_uplink(self, network: NetworkSpec) -> None:
        bridge = self._bridge(network)
        if network.vxlan is not None:
            self._ensure_vxlan(network.vxlan, network, bridge)
        elif network.vlan is not None:
            self._ensure_vlan(network.vlan, network, bridge)
        elif network.physical is not None:
            self._ensure_physical(network.physical, bridge)

    def _claim(self, name: str, kind: str) -> Link | None:
        """The existing device ``name`` if ml2core owns it as ``kind``; ``None`` if absent."""
        link = self.links.get(name)
        if link is None:
            return None
        if not self._owned(link):
            raise ValueError(
                f"device {name} exists but was not created by ml2core (device group "
                f"{link.group}, not {self.group}); not touching it"
            )
        if link.kind != kind:
            self._delete(link)
            return None
        return link

    def _create(self, name: str, kind: str, **attrs: Any) -> None:
        # Its index is learnt by the dump that ends the phase (cheaper than echoing each device).
        self._change(self.nl.create, name, kind, group=self.group, state="up", **attrs)
        self._created = True

    def _fix(self, link: Link, *, mtu: int, master: int | None = None) -> None:
        attrs: dict[str, Any] = {}
        if link.mtu != mtu:
            attrs["mtu"] = mtu
        if master is not None and link.master != master:
            attrs["master"] = master
        if not link.up:
            attrs["state"] = "up"
        if attrs:
            self._change(self.nl.set, link.index, link.name, **attrs)

    def _ensure_bridge(self, network: NetworkSpec) -> None:
        link = self._claim(network.bridge, "bridge")
        if link is None:
            self._create(network.bridge, "bridge", mtu=network.mtu)
        else:
            self._fix(link, mtu=network.mtu)

    def _vxlan_attrs(self, spec: VxlanSpec) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "vxlan_id": spec.vni,
            "vxlan_local": spec.local,
            "vxlan_port": spec.port,
            "vxlan_learning": 0,
            "vxlan_udp_csum": 1 if spec.udp_csum else 0,
        }
        if spec.ttl is not None:
            attrs["vxlan_ttl"] = spec.ttl
        if spec.group:
            link = self.nl.index_of_address(spec.local)
            if link is None:
                raise ValueError(f"no device holds local_ip {spec.local} (needed for multicast)")
            attrs["vxlan_group"] = spec.group
            attrs["vxlan_link"] = link
        return attrs

    def _ensure_vxlan(self, spec: VxlanSpec, network: NetworkSpec, bridge: Link) -> None:
        link = self._claim(spec.name, "vxlan")
        if link is not None and link.vxlan is not None:
            have = link.vxlan
            same = (
                have.vni == spec.vni
                and have.local == spec.local
                and have.port == spec.port
                and have.group == spec.group
                and have.udp_csum == spec.udp_csum
                and not have.learning
                and (spec.ttl is None or have.ttl == spec.ttl)
            )
            if same:
                self._fix(link, mtu=network.mtu, master=bridge.index)
                return
            self._delete(link)
        self._create(spec.name, "vxlan", mtu=network.mtu, master=bridge.index, **self._vxlan_attrs(spec))

    def _ensure_flood(self, network: NetworkSpec) -> None:
        spec = network.vxlan
        if spec is None:
            return
        device = self.links.get(spec.name)
        if device is None:
            raise ValueError(f"VXLAN device {spec.name} vanished")
        have = self.flood.get(device.index, set())
        if spec.group:
            # The kernel keeps its own entry towards the group; unicast ones would duplicate.
            have = {entry for entry in have if entry[0] != spec.group}
        for dst, port in sorted(spec.flood - have, key=str):
            self._change(self.nl.flood_add, device.index, dst, port, device.name)
        if self.prune:
            for dst, port in sorted(have - spec.flood, key=str):
                self._change(self.nl.flood_delete, device.index, dst, port, device.name)

    def _ensure_vlan(self, spec: VlanSpec, network: NetworkSpec, bridge: Link) -> None:
        parent = self.links.get(spec.parent)
        if parent is None:
            raise ValueError(f"physical interface {spec.parent} not found")
        link = self._claim(spec.name, "vlan")
        if link is not None:
            if link.vlan_id == spec.vlan_id and link.parent == parent.index:
                self._fix(link, mtu=network.mtu, master=bridge.index)
                return
            self._delete(link)
        self._create(
            spec.name,
            "vlan",
            link=parent.index,
            vlan_id=spec.vlan_id,
            mtu=network.mtu,
            master=bridge.index,
        )

    def _ensure_physical(self, interface: str, bridge: Link) -> None:
        link = self.links.get(interface)
        if link is None:
            raise ValueError(f"physical interface {interface} not found")
        if link.master == bridge.index:
            return
        if link.master is not None and not self._owned(self.by_index.get(link.master)):
            holder = self.by_index.get(link.master)
            raise ValueError(
                f"physical interface {interface} is enslaved to "
                f"{holder.name if holder else link.master}, which ml2core did not create"
            )
        self._change(self.nl.set, link.index, interface, master=bridge.index)

    # -- ports ----------------------------------------------------------

    def _ensure_port(self, port: PortSpec, bridge: Link) -> None:
        tap = self.links.get(port.tap)
        if tap is None:
            self.out.errors[port.port_id] = (
                f"device {port.tap} not found (the VM's interface is not there yet)"
            )
            return
        attrs: dict[str, Any] = {}
        alias = f"{PORT_ALIAS_PREFIX}{port.port_id}"
        if tap.alias != alias:
            attrs["ifalias"] = alias
        if port.admin_state_up:
            if tap.master != bridge.index:
                attrs["master"] = bridge.index
            if tap.mtu != port.mtu:
                attrs["mtu"] = port.mtu
            if not tap.up:
                attrs["state"] = "up"
        elif tap.master is not None:
            # Administratively down: out of the bridge, as Neutron's agent does.
            attrs["master"] = 0
        if attrs:
            self._change(self.nl.set, tap.index, port.tap, **attrs)
