"""Parsing of the range and mapping options type drivers read.

Public so that vendor type drivers parse their own options the same way the
in-tree ones do. Every function raises :class:`~ml2core.exceptions.ConfigError`
naming the option and the entry; none raises anything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ml2core import constants
from ml2core.exceptions import ConfigError

__all__ = [
    "MAX_NETWORK_TYPE_LENGTH",
    "MAX_PHYSNET_LENGTH",
    "IdRange",
    "parse_flat_networks",
    "parse_id_range",
    "parse_mappings",
    "parse_network_vlan_ranges",
    "parse_physnet_mtus",
    "parse_tunnel_ranges",
    "validate_physnet_name",
]

#: Longest physical network name the database stores.
MAX_PHYSNET_LENGTH = 64
#: Longest network type name the database stores.
MAX_NETWORK_TYPE_LENGTH = 32

# ASCII digits only: int() would also accept "1_000", " 7" and non-ASCII digits.
_INT = re.compile(r"[0-9]{1,20}")
_PHYSNET_BAD = re.compile(r"[\s:,\x00-\x1f\x7f]")


@dataclass(frozen=True, order=True)
class IdRange:
    """An inclusive range of segmentation IDs, ``minimum <= maximum``."""

    minimum: int
    maximum: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.minimum <= value <= self.maximum

    @property
    def size(self) -> int:
        return self.maximum - self.minimum + 1

    def as_list(self) -> list[int]:
        return [self.minimum, self.maximum]


def _parse_int(text: str, *, option: str, entry: str, what: str) -> int:
    if not _INT.fullmatch(text):
        raise ConfigError(option=option, entry=entry, reason=f"{what} {text!r} is not a non-negative integer")
    return int(text)


def validate_physnet_name(name: str, *, option: str, entry: str) -> str:
    """Return ``name`` if it is a usable physical network name, else raise ConfigError."""
    if not name:
        raise ConfigError(option=option, entry=entry, reason="the physical network name is empty")
    if len(name) > MAX_PHYSNET_LENGTH:
        raise ConfigError(
            option=option,
            entry=entry,
            reason=f"the physical network name is longer than {MAX_PHYSNET_LENGTH} characters",
        )
    if _PHYSNET_BAD.search(name):
        raise ConfigError(
            option=option,
            entry=entry,
            reason="the physical network name contains whitespace, ':', ',' or a control character",
        )
    return name


def parse_id_range(text: str, *, option: str, bounds: tuple[int, int], entry: str | None = None) -> IdRange:
    """Parse ``"min:max"`` within ``bounds`` (inclusive)."""
    entry = text if entry is None else entry
    parts = text.split(":")
    if len(parts) != 2:
        raise ConfigError(option=option, entry=entry, reason="expected '<min>:<max>'")
    low = _parse_int(parts[0], option=option, entry=entry, what="minimum")
    high = _parse_int(parts[1], option=option, entry=entry, what="maximum")
    lo_bound, hi_bound = bounds
    for value in (low, high):
        if not lo_bound <= value <= hi_bound:
            raise ConfigError(option=option, entry=entry, reason=f"{value} is outside {lo_bound}..{hi_bound}")
    if high < low:
        raise ConfigError(option=option, entry=entry, reason=f"the end {high} is below the start {low}")
    return IdRange(low, high)


def parse_network_vlan_ranges(
    entries: Iterable[str], *, option: str = "[ml2_type_vlan] network_vlan_ranges"
) -> dict[str, list[IdRange]]:
    """Parse ``<physnet>`` and ``<physnet>:<min>:<max>`` entries, keeping the configured order.

    A bare ``<physnet>`` stands for the full VLAN range 1..4094.
    """
    result: dict[str, list[IdRange]] = {}
    for raw in entries:
        entry = raw.strip()
        physnet, sep, rest = entry.partition(":")
        validate_physnet_name(physnet, option=option, entry=raw)
        ranges = result.setdefault(physnet, [])
        if not sep:
            ranges.append(IdRange(constants.MIN_VLAN_TAG, constants.MAX_VLAN_TAG))
            continue
        ranges.append(
            parse_id_range(
                rest,
                option=option,
                entry=raw,
                bounds=(constants.MIN_VLAN_TAG, constants.MAX_VLAN_TAG),
            )
        )
    return result


def parse_tunnel_ranges(entries: Iterable[str], *, option: str, bounds: tuple[int, int]) -> list[IdRange]:
    """Parse ``<min>:<max>`` entries (``vni_ranges``, ``tunnel_id_ranges``)."""
    return [parse_id_range(raw.strip(), option=option, entry=raw, bounds=bounds) for raw in entries]


def parse_flat_networks(
    entries: Iterable[str], *, option: str = "[ml2_type_flat] flat_networks"
) -> tuple[bool, list[str]]:
    """Return ``(any_allowed, names)``: ``*`` allows any physnet, an empty list none."""
    names: list[str] = []
    wildcard = False
    for raw in entries:
        entry = raw.strip()
        if entry == "*":
            wildcard = True
            continue
        names.append(validate_physnet_name(entry, option=option, entry=raw))
    return wildcard, names


def parse_mappings(entries: Iterable[str], *, option: str, unique_values: bool = False) -> dict[str, str]:
    """Parse ``<key>:<value>`` entries into a dict; keys must be unique."""
    result: dict[str, str] = {}
    for raw in entries:
        entry = raw.strip()
        key, sep, value = entry.partition(":")
        if not sep:
            raise ConfigError(option=option, entry=raw, reason="expected '<key>:<value>'")
        key, value = key.strip(), value.strip()
        validate_physnet_name(key, option=option, entry=raw)
        if not value:
            raise ConfigError(option=option, entry=raw, reason="the value after ':' is empty")
        if key in result:
            raise ConfigError(option=option, entry=raw, reason=f"{key!r} is mapped twice")
        if unique_values and value in result.values():
            raise ConfigError(option=option, entry=raw, reason=f"{value!r} is used twice")
        result[key] = value
    return result


def parse_physnet_mtus(
    entries: Iterable[str], *, option: str = "[ml2] physical_network_mtus"
) -> dict[str, int]:
    """Parse ``<physnet>:<mtu>`` entries; the MTU must be a positive integer."""
    entries = list(entries)
    mapping = parse_mappings(entries, option=option)
    result: dict[str, int] = {}
    for raw in entries:
        physnet = raw.strip().partition(":")[0].strip()
        mtu = _parse_int(mapping[physnet], option=option, entry=raw, what="MTU")
        if mtu < 68:
            raise ConfigError(option=option, entry=raw, reason=f"MTU {mtu} is below 68")
        result[physnet] = mtu
    return result
