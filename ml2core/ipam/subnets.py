"""Subnet attributes: CIDR, gateway, allocation pools, IPv6 modes (all validated with netaddr)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import netaddr

from ml2core import constants
from ml2core.exceptions import InvalidInput

_UNSET: Any = object()


def key(address: netaddr.IPAddress | int) -> str:
    """Fixed-width hex of an address: string order equals numeric order on every database."""
    return f"{int(address):032x}"


@dataclass(frozen=True)
class Pool:
    first: netaddr.IPAddress
    last: netaddr.IPAddress

    def as_dict(self) -> dict[str, str]:
        return {"start": str(self.first), "end": str(self.last)}

    def __contains__(self, ip: object) -> bool:
        return isinstance(ip, netaddr.IPAddress) and self.first <= ip <= self.last


def parse_cidr(value: object, ip_version: object) -> tuple[netaddr.IPNetwork, int]:
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(field="cidr", reason="must be a CIDR string such as 10.0.0.0/24")
    try:
        net = netaddr.IPNetwork(value)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise InvalidInput(field="cidr", reason=f"'{value}' is not a valid CIDR") from None
    if "/" not in value:
        raise InvalidInput(field="cidr", reason=f"'{value}' has no prefix length")
    if net.ip != net.network:
        raise InvalidInput(
            field="cidr",
            reason=f"'{value}' isn't a recognized IP subnet cidr, '{net.cidr}' is recommended",
        )
    if ip_version is not None and ip_version != net.version:
        if ip_version not in (4, 6) or isinstance(ip_version, bool):
            raise InvalidInput(field="ip_version", reason="must be 4 or 6")
        raise InvalidInput(field="ip_version", reason=f"cidr {value} is not an IPv{ip_version} network")
    if net.prefixlen == 0:
        raise InvalidInput(field="cidr", reason="0 is not allowed as CIDR prefix length")
    if net.version == 6 and net.network == netaddr.IPAddress("::"):
        raise InvalidInput(field="cidr", reason="IPv6 subnet '::' is not supported")
    if net.version == 4 and net.prefixlen > 30:
        raise InvalidInput(field="cidr", reason="an IPv4 subnet needs a prefix length of at most 30")
    if net.version == 6 and net.prefixlen > 126:
        raise InvalidInput(field="cidr", reason="an IPv6 subnet needs a prefix length of at most 126")
    return net, net.version


def check_dhcp(net: netaddr.IPNetwork) -> None:
    """InvalidInput (``enable_dhcp``) for a CIDR that cannot have DHCP, as Neutron.

    Called on create with DHCP enabled and on an update that turns it on.
    """
    reason = None
    if net.is_multicast():
        reason = "Multicast IP subnet is not supported if enable_dhcp is True"
    elif net.is_loopback():
        reason = "Loopback IP subnet is not supported if enable_dhcp is True"
    elif net.version == 4 and net.first == 0:
        reason = "First IP '0.0.0.0' of network is not supported if enable_dhcp is True."
    if reason:
        raise InvalidInput(field="enable_dhcp", reason=reason)


def parse_ip(value: object, field: str, net: netaddr.IPNetwork | None = None) -> netaddr.IPAddress:
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(field=field, reason="must be an IP address string")
    try:
        ip = netaddr.IPAddress(value)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise InvalidInput(field=field, reason=f"'{value}' is not a valid IP address") from None
    if net is not None and (ip.version != net.version or ip not in net):
        raise InvalidInput(field=field, reason=f"{ip} is not in subnet {net.cidr}")
    return ip


def reserved(net: netaddr.IPNetwork) -> set[netaddr.IPAddress]:
    """Addresses no port gets: the network address and, in IPv4, the broadcast address."""
    result = {net.network}
    if net.version == 4 and net.broadcast is not None:
        result.add(net.broadcast)
    return result


def gateway(net: netaddr.IPNetwork, value: object) -> netaddr.IPAddress | None:
    """The gateway: first host address by default, ``None`` for none."""
    if value is _UNSET:
        return netaddr.IPAddress(net.first + 1, net.version)
    if value is None:
        return None
    ip = parse_ip(value, "gateway_ip", net)
    if ip in reserved(net):
        raise InvalidInput(field="gateway_ip", reason=f"gateway {ip} is not valid on subnet {net.cidr}")
    return ip


def default_pools(net: netaddr.IPNetwork, gw: netaddr.IPAddress | None) -> list[Pool]:
    """The whole CIDR less network, broadcast and gateway, as ranges."""
    first = net.first + 1
    last = net.last - 1 if net.version == 4 else net.last
    pools: list[Pool] = []
    cuts = sorted(int(gw) for gw in ([gw] if gw is not None else []) if first <= int(gw) <= last)
    start = first
    for cut in cuts:
        if start <= cut - 1:
            pools.append(Pool(netaddr.IPAddress(start, net.version), netaddr.IPAddress(cut - 1, net.version)))
        start = cut + 1
    if start <= last:
        pools.append(Pool(netaddr.IPAddress(start, net.version), netaddr.IPAddress(last, net.version)))
    return pools


def parse_pools(value: object, net: netaddr.IPNetwork, gw: netaddr.IPAddress | None) -> list[Pool]:
    """Given pools, checked: inside the CIDR, start <= end, no overlap, no gateway, no reserved address."""
    if not isinstance(value, list):
        raise InvalidInput(field="allocation_pools", reason="must be a list of {start, end}")
    if len(value) > 256:
        raise InvalidInput(field="allocation_pools", reason="more than 256 pools")
    pools: list[Pool] = []
    for i, item in enumerate(value):
        field = f"allocation_pools[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"start", "end"}:
            raise InvalidInput(field=field, reason="must be a dict with exactly 'start' and 'end'")
        start = parse_ip(item["start"], f"{field}.start", net)
        end = parse_ip(item["end"], f"{field}.end", net)
        if end < start:
            raise InvalidInput(field=field, reason=f"end {end} is below start {start}")
        for bad in reserved(net):
            if start <= bad <= end:
                raise InvalidInput(field=field, reason=f"contains the reserved address {bad}")
        if gw is not None and start <= gw <= end:
            raise InvalidInput(
                field=field, reason=f"gateway ip {gw} conflicts with allocation pool {start}-{end}"
            )
        pools.append(Pool(start, end))
    ordered = sorted(pools, key=lambda p: int(p.first))
    for prev, cur in itertools.pairwise(ordered):
        if cur.first <= prev.last:
            raise InvalidInput(
                field="allocation_pools",
                reason=f"pool {cur.first}-{cur.last} overlaps pool {prev.first}-{prev.last}",
            )
    return ordered


def ipv6_mode(value: object, field: str, ip_version: int, net: netaddr.IPNetwork) -> str | None:
    if value is None:
        return None
    if value not in constants.IPV6_MODES:
        raise InvalidInput(field=field, reason=f"must be one of {', '.join(constants.IPV6_MODES)}")
    if ip_version != 6:
        raise InvalidInput(field=field, reason="is only valid for IPv6 subnets")
    if value in (constants.IPV6_SLAAC, constants.DHCPV6_STATELESS) and net.prefixlen != 64:
        raise InvalidInput(field=field, reason=f"{value} needs a /64 prefix, not /{net.prefixlen}")
    return str(value)


def is_auto_address(mode: str | None) -> bool:
    """SLAAC and DHCPv6-stateless subnets give EUI-64 addresses from the port's MAC."""
    return mode in (constants.IPV6_SLAAC, constants.DHCPV6_STATELESS)


def eui64(net: netaddr.IPNetwork, mac: str) -> netaddr.IPAddress:
    return netaddr.EUI(mac).ipv6(net.network)
