"""MAC addresses: generated from ``[DEFAULT] base_mac`` or validated when given."""

from __future__ import annotations

import random

import netaddr

from ml2core.exceptions import InvalidInput


def generate(base_mac: str, rng: random.Random | None = None) -> str:
    """A random MAC keeping the first three octets of ``base_mac`` and its non-zero octets.

    As Neutron: octets 4-6 are random where ``base_mac`` has ``00``.
    """
    rng = rng or random.SystemRandom()
    octets = base_mac.lower().split(":")
    result = octets[:3]
    for octet in octets[3:]:
        result.append(f"{rng.randrange(256):02x}" if octet == "00" else octet)
    return ":".join(result)


def normalize(value: object, field: str = "mac_address") -> str:
    """A given MAC as ``aa:bb:cc:dd:ee:ff``; unicast and non-zero, else InvalidInput."""
    if not isinstance(value, str) or len(value) > 32:
        raise InvalidInput(field=field, reason="must be a MAC address string")
    try:
        mac = netaddr.EUI(value, version=48)
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise InvalidInput(field=field, reason=f"'{value}' is not a valid MAC address") from None
    if int(mac) == 0:
        raise InvalidInput(field=field, reason="the all-zeros MAC is not allowed")
    if mac.words[0] & 1:
        raise InvalidInput(field=field, reason=f"'{value}' is a multicast address")
    return str(mac.format(netaddr.mac_unix_expanded)).lower()
