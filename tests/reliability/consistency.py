"""What "the database is consistent" means, as SQL over ml2core's tables.

Used after load, after killed processes and after cut connections. Every
check reads committed rows only (a fresh connection), so it can run while
the server still rolls back a killed client's transaction.

A consistent database has:

- no segmentation ID (or flat physnet) held twice, and exactly one
  allocation row per segment that needs one, and no allocation without a
  segment (nothing leaked, nothing double-booked);
- every network with at least one static segment (a network is created
  with its segments in one transaction);
- every dynamic segment used by a committed binding level (the framework
  releases the others);
- no address held twice on a network, every address inside its subnet, on
  its port's network, owned by a live port;
- every port with its binding row; bound ports with contiguous binding
  levels on the binding's host and on segments of the port's network;
  unbound and failed ports with no levels;
- no MAC address twice on a network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import netaddr
import sqlalchemy as sa
from sqlalchemy.engine import Engine

UNBOUND = ("unbound", "binding_failed")
#: Network types that hold no allocation row.
NO_ALLOCATION = ("local",)


@dataclass
class Census:
    """Row counts, to say what a run left behind."""

    networks: int = 0
    segments: int = 0
    dynamic_segments: int = 0
    allocations: int = 0
    subnets: int = 0
    ports: int = 0
    bound_ports: int = 0
    failed_ports: int = 0
    addresses: int = 0
    levels: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.networks} networks, {self.segments} segments ({self.dynamic_segments} dynamic), "
            f"{self.allocations} allocations, {self.subnets} subnets, {self.ports} ports "
            f"({self.bound_ports} bound, {self.failed_ports} binding_failed), {self.addresses} addresses, "
            f"{self.levels} binding levels"
        )


def _rows(conn: sa.Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(sa.text(sql))]


def _seg_key(network_type: str, physnet: str | None, seg_id: int | None) -> tuple[str, str, int]:
    return (network_type, physnet or "", int(seg_id or 0))


def check(engine: Engine) -> Census:
    """Read every ml2core table once and list what is inconsistent (``census.problems``)."""
    census = Census()
    problems = census.problems
    with engine.connect() as conn:
        networks = {r[0] for r in _rows(conn, "SELECT id FROM ml2core_networks")}
        segments = _rows(
            conn,
            "SELECT id, network_id, network_type, physical_network, segmentation_id, is_dynamic "
            "FROM ml2core_network_segments",
        )
        allocations = _rows(
            conn, "SELECT network_type, physical_network, segmentation_id FROM ml2core_segment_allocations"
        )
        subnets = {
            r[0]: (r[1], r[2]) for r in _rows(conn, "SELECT id, network_id, cidr FROM ml2core_subnets")
        }
        ports = {
            r[0]: (r[1], r[2]) for r in _rows(conn, "SELECT id, network_id, mac_address FROM ml2core_ports")
        }
        bindings = {
            r[0]: (r[1], r[2])
            for r in _rows(conn, "SELECT port_id, host, vif_type FROM ml2core_port_bindings")
        }
        levels = _rows(
            conn, "SELECT port_id, host, level, driver, segment_id FROM ml2core_port_binding_levels"
        )
        addresses = _rows(
            conn, "SELECT subnet_id, ip_address, port_id, network_id FROM ml2core_ip_allocations"
        )
        conn.rollback()

    census.networks = len(networks)
    census.segments = len(segments)
    census.dynamic_segments = sum(1 for s in segments if s[5])
    census.allocations = len(allocations)
    census.subnets = len(subnets)
    census.ports = len(ports)
    census.bound_ports = sum(1 for b in bindings.values() if b[1] not in UNBOUND)
    census.failed_ports = sum(1 for b in bindings.values() if b[1] == "binding_failed")
    census.addresses = len(addresses)
    census.levels = len(levels)

    # Segments and their allocations: a bijection, no ID twice.
    segment_by_id = {s[0]: s for s in segments}
    held: dict[tuple[str, str, int], list[str]] = {}
    static_per_network: dict[str, int] = dict.fromkeys(networks, 0)
    for seg_id, network_id, network_type, physnet, segmentation_id, is_dynamic in segments:
        if network_id not in networks:
            problems.append(f"segment {seg_id} belongs to missing network {network_id}")
        elif not is_dynamic:
            static_per_network[network_id] += 1
        if network_type in NO_ALLOCATION:
            continue
        held.setdefault(_seg_key(network_type, physnet, segmentation_id), []).append(seg_id)
    for key, ids in held.items():
        if len(ids) > 1:
            problems.append(f"segmentation {key} held by {len(ids)} segments: {sorted(ids)}")
    allocated = [_seg_key(*a) for a in allocations]
    for key in sorted(set(allocated) - set(held)):
        problems.append(f"allocation {key} belongs to no segment (leaked)")
    for key in sorted(set(held) - set(allocated)):
        problems.append(f"segment(s) {held[key]} hold {key} without an allocation row")
    for network_id, count in static_per_network.items():
        if count == 0:
            problems.append(f"network {network_id} has no static segment (half-created)")

    # Binding levels and dynamic segments.
    used_segments = {lv[4] for lv in levels}
    for seg_id, network_id, *_rest, is_dynamic in segments:
        if is_dynamic and seg_id not in used_segments:
            problems.append(f"dynamic segment {seg_id} of network {network_id} is used by no binding level")
    per_port: dict[str, list[tuple[Any, ...]]] = {}
    for lv in levels:
        per_port.setdefault(lv[0], []).append(lv)
    for port_id, (network_id, _mac) in ports.items():
        if network_id not in networks:
            problems.append(f"port {port_id} on missing network {network_id}")
        if port_id not in bindings:
            problems.append(f"port {port_id} has no binding row")
            continue
        host, vif_type = bindings[port_id]
        port_levels = sorted(per_port.get(port_id, []), key=lambda lv: lv[2])
        if vif_type in UNBOUND:
            if port_levels:
                problems.append(f"{vif_type} port {port_id} keeps {len(port_levels)} binding levels")
            continue
        if not host:
            problems.append(f"port {port_id} is bound ({vif_type}) without a host")
        if [lv[2] for lv in port_levels] != list(range(len(port_levels))) or not port_levels:
            problems.append(f"bound port {port_id} has levels {[lv[2] for lv in port_levels]}")
        for lv in port_levels:
            if lv[1] != host:
                problems.append(f"level {lv[2]} of port {port_id} is on host {lv[1]!r}, binding on {host!r}")
            segment = segment_by_id.get(lv[4])
            if segment is None:
                problems.append(f"level {lv[2]} of port {port_id} points to missing segment {lv[4]}")
            elif segment[1] != network_id:
                problems.append(f"level {lv[2]} of port {port_id} uses a segment of network {segment[1]}")
    for port_id in set(per_port) - set(ports):
        problems.append(f"binding levels of missing port {port_id}")
    for port_id in set(bindings) - set(ports):
        problems.append(f"binding row of missing port {port_id}")
    macs: dict[tuple[str, str], list[str]] = {}
    for port_id, (network_id, mac) in ports.items():
        macs.setdefault((network_id, mac.lower()), []).append(port_id)
    for (network_id, mac), ids in macs.items():
        if len(ids) > 1:
            problems.append(f"MAC {mac} used by {len(ids)} ports of network {network_id}")

    # Addresses.
    seen: dict[tuple[str, str], int] = {}
    for subnet_id, ip, port_id, network_id in addresses:
        normalized = str(netaddr.IPAddress(ip))
        seen[(network_id, normalized)] = seen.get((network_id, normalized), 0) + 1
        if port_id not in ports:
            problems.append(f"address {ip} belongs to missing port {port_id}")
        elif ports[port_id][0] != network_id:
            problems.append(f"address {ip} of port {port_id} recorded on network {network_id}")
        if subnet_id not in subnets:
            problems.append(f"address {ip} in missing subnet {subnet_id}")
            continue
        subnet_network, cidr = subnets[subnet_id]
        if subnet_network != network_id:
            problems.append(f"address {ip} of subnet {subnet_id} recorded on network {network_id}")
        if netaddr.IPAddress(ip) not in netaddr.IPNetwork(cidr):
            problems.append(f"address {ip} outside its subnet {cidr}")
    for (network_id, ip), count in seen.items():
        if count > 1:
            problems.append(f"address {ip} allocated {count} times on network {network_id}")
    for subnet_id, (network_id, _cidr) in subnets.items():
        if network_id not in networks:
            problems.append(f"subnet {subnet_id} on missing network {network_id}")
    return census


def live_ids(engine: Engine) -> tuple[set[str], set[str]]:
    """The IDs of the networks and of the ports in the database."""
    with engine.connect() as conn:
        networks = {r[0] for r in _rows(conn, "SELECT id FROM ml2core_networks")}
        ports = {r[0] for r in _rows(conn, "SELECT id FROM ml2core_ports")}
        conn.rollback()
    return networks, ports
