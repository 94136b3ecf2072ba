"""A port's fixed IPs: parsing the request and allocating inside the port's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import netaddr
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core import constants
from ml2core.db.models import IpAllocation, Subnet
from ml2core.exceptions import InvalidInput, IpAddressGenerationFailure, IpAddressInUse
from ml2core.ipam import addresses
from ml2core.ipam import subnets as ipam

MAX_FIXED_IPS = 64


@dataclass(frozen=True)
class Request:
    subnet_id: str | None
    ip_address: netaddr.IPAddress | None


def parse(value: object) -> list[Request]:
    """``fixed_ips`` of a request: ``[{subnet_id?, ip_address?}]``."""
    if not isinstance(value, list):
        raise InvalidInput(field="fixed_ips", reason="must be a list of {subnet_id, ip_address}")
    if len(value) > MAX_FIXED_IPS:
        raise InvalidInput(field="fixed_ips", reason=f"more than {MAX_FIXED_IPS} entries")
    result: list[Request] = []
    for i, item in enumerate(value):
        field = f"fixed_ips[{i}]"
        if not isinstance(item, Mapping) or not item or set(item) - {"subnet_id", "ip_address"}:
            raise InvalidInput(field=field, reason="must be a dict with subnet_id and/or ip_address")
        subnet_id = item.get("subnet_id")
        if subnet_id is not None and (not isinstance(subnet_id, str) or len(subnet_id) > 64):
            raise InvalidInput(field=f"{field}.subnet_id", reason="must be a subnet id")
        ip = (
            ipam.parse_ip(item["ip_address"], f"{field}.ip_address")
            if item.get("ip_address") is not None
            else None
        )
        if subnet_id is None and ip is None:
            raise InvalidInput(field=field, reason="needs subnet_id or ip_address")
        request = Request(subnet_id, ip)
        if ip is not None and any(r.ip_address == ip for r in result):
            raise InvalidInput(field=field, reason=f"IP address {ip} is requested twice")
        result.append(request)
    return result


def _subnets(session: Session, network_id: str) -> list[Subnet]:
    return list(
        session.execute(
            sa.select(Subnet).where(Subnet.network_id == network_id).order_by(Subnet.created_at, Subnet.id)
        ).scalars()
    )


def _pools(row: Subnet) -> list[ipam.Pool]:
    return [ipam.Pool(netaddr.IPAddress(p.first_ip), netaddr.IPAddress(p.last_ip)) for p in row.pools]


class Allocator:
    """Allocates one port's addresses inside the caller's transaction."""

    def __init__(self, session: Session, network_id: str, port_id: str, mac: str, device_owner: str) -> None:
        self.session = session
        self.network_id = network_id
        self.port_id = port_id
        self.mac = mac
        self.device_owner = device_owner
        self.subnets = _subnets(session, network_id)

    def _subnet(self, subnet_id: str, field: str) -> Subnet:
        for row in self.subnets:
            if row.id == subnet_id:
                return row
        raise InvalidInput(
            field=field, reason=f"subnet {subnet_id} is not a subnet of network {self.network_id}"
        )

    def _claim(self, row: Subnet, ip: netaddr.IPAddress) -> None:
        if not addresses.claim(self.session, row.id, self.network_id, self.port_id, ip):
            raise IpAddressInUse(network_id=self.network_id, ip_address=str(ip), field="fixed_ips")

    def _any(self, row: Subnet) -> bool:
        if ipam.is_auto_address(row.ipv6_address_mode):
            self._claim(row, ipam.eui64(netaddr.IPNetwork(row.cidr), self.mac))
            return True
        ip = addresses.allocate(
            self.session, row.id, self.network_id, self.port_id, _pools(row), row.ip_version
        )
        return ip is not None

    def _specific(self, row: Subnet, ip: netaddr.IPAddress, field: str) -> None:
        net = netaddr.IPNetwork(row.cidr)
        if ip.version != net.version or ip not in net:
            raise InvalidInput(field=field, reason=f"IP address {ip} is not a valid IP for subnet {row.id}")
        if ip in ipam.reserved(net):
            raise InvalidInput(field=field, reason=f"IP address {ip} is the network or broadcast address")
        if ipam.is_auto_address(row.ipv6_address_mode):
            raise InvalidInput(
                field=field,
                reason=f"IPv6 address {ip} cannot be assigned directly on subnet {row.id}: "
                "it uses automatic addresses",
            )
        is_router = self.device_owner.startswith(constants.DEVICE_OWNER_ROUTER_INTF)
        if row.gateway_ip and ip == netaddr.IPAddress(row.gateway_ip) and not is_router:
            raise InvalidInput(field=field, reason=f"IP address {ip} is the gateway of subnet {row.id}")
        self._claim(row, ip)

    def assign_default(self) -> None:
        """No fixed_ips requested: one IPv4 address, one stateful IPv6, every auto-address subnet."""
        if not self.subnets:
            return
        for version in (4, 6):
            candidates = [
                s
                for s in self.subnets
                if s.ip_version == version and not ipam.is_auto_address(s.ipv6_address_mode)
            ]
            if candidates and not any(self._any(s) for s in candidates):
                raise IpAddressGenerationFailure(network_id=self.network_id, field="fixed_ips")
        for row in self.subnets:
            if ipam.is_auto_address(row.ipv6_address_mode):
                self._any(row)

    def assign(self, requests: list[Request], keep: list[tuple[str, str]] | None = None) -> None:
        """Allocate the requested entries; ``keep`` are ``(subnet_id, ip)`` already held and reused."""
        held = list(keep or [])
        for i, request in enumerate(requests):
            field = f"fixed_ips[{i}]"
            if request.ip_address is not None:
                if request.subnet_id is not None:
                    row = self._subnet(request.subnet_id, f"{field}.subnet_id")
                else:
                    row = self._containing(request.ip_address, field)
                pair = (row.id, str(request.ip_address))
                if pair in held:
                    held.remove(pair)
                    continue
                self._specific(row, request.ip_address, f"{field}.ip_address")
                continue
            assert request.subnet_id is not None
            row = self._subnet(request.subnet_id, f"{field}.subnet_id")
            reuse = next((p for p in held if p[0] == row.id), None)
            if reuse is not None:
                held.remove(reuse)
                continue
            if not self._any(row):
                raise IpAddressGenerationFailure(network_id=self.network_id, field=field)

    def _containing(self, ip: netaddr.IPAddress, field: str) -> Subnet:
        for row in self.subnets:
            net = netaddr.IPNetwork(row.cidr)
            if ip.version == net.version and ip in net:
                return row
        raise InvalidInput(
            field=f"{field}.ip_address",
            reason=f"IP address {ip} is in no subnet of network {self.network_id}",
        )


def current(session: Session, port_id: str) -> list[tuple[str, str]]:
    return [
        (s, ip)
        for s, ip in session.execute(
            sa.select(IpAllocation.subnet_id, IpAllocation.ip_address).where(IpAllocation.port_id == port_id)
        )
    ]


def replace(session: Session, allocator: Allocator, requests: list[Request]) -> None:
    """Make the port hold exactly ``requests``: keep what still matches, release the rest."""
    held = current(session, allocator.port_id)
    wanted: list[tuple[str, str]] = []
    for request in requests:
        for pair in held:
            if pair in wanted:
                continue
            if (
                request.ip_address is not None
                and pair[1] == str(request.ip_address)
                and (request.subnet_id in (None, pair[0]))
            ):
                wanted.append(pair)
                break
            if request.ip_address is None and request.subnet_id == pair[0]:
                wanted.append(pair)
                break
    stale = [p for p in held if p not in wanted]
    for subnet_id, ip in stale:
        session.execute(
            sa.delete(IpAllocation).where(
                IpAllocation.port_id == allocator.port_id,
                IpAllocation.subnet_id == subnet_id,
                IpAllocation.ip_key == ipam.key(netaddr.IPAddress(ip)),
            )
        )
    allocator.assign(requests, keep=wanted)


def follow_mac(session: Session, allocator: Allocator) -> None:
    """Give the port the EUI-64 address of its (new) MAC on every SLAAC / DHCPv6-stateless subnet.

    Such an address is derived from the MAC, so a changed MAC changes it
    (as Neutron recomputes it); the old one is released, free for a port
    that takes the old MAC. Inside the caller's transaction.
    """
    subnets = {row.id: row for row in allocator.subnets if ipam.is_auto_address(row.ipv6_address_mode)}
    for subnet_id, ip in current(session, allocator.port_id):
        row = subnets.get(subnet_id)
        if row is None:
            continue
        wanted = ipam.eui64(netaddr.IPNetwork(row.cidr), allocator.mac)
        if netaddr.IPAddress(ip) == wanted:
            continue
        session.execute(
            sa.delete(IpAllocation).where(
                IpAllocation.port_id == allocator.port_id,
                IpAllocation.subnet_id == subnet_id,
                IpAllocation.ip_key == ipam.key(netaddr.IPAddress(ip)),
            )
        )
        allocator._claim(row, wanted)


__all__ = ["Allocator", "Request", "follow_mac", "parse", "replace"]
