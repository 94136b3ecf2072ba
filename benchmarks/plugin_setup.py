"""An ``Ml2Plugin`` configured with given segment ranges, as every ml2core probe builds it."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from ml2core import Ml2Plugin
from ml2core.testing.config import make_conf

TYPE_DRIVERS = ["local", "flat", "vlan", "gre", "vxlan", "geneve"]


@dataclass(frozen=True)
class Ranges:
    """The configured ranges (``None`` = option left at its default, empty)."""

    vni: str | None = None
    gre: str | None = None
    vlan: str | None = None

    def label(self) -> str:
        parts = []
        if self.vlan:
            parts.append(f"VLAN {self.vlan}")
        if self.vni:
            parts.append(f"VXLAN {self.vni}")
        if self.gre:
            parts.append(f"GRE {self.gre}")
        return " + ".join(parts) or "no ranges"

    def to_args(self) -> list[str]:
        args: list[str] = []
        for flag, value in (("--vni", self.vni), ("--gre", self.gre), ("--vlan", self.vlan)):
            if value:
                args += [flag, value]
        return args

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--vni", help="[ml2_type_vxlan] vni_ranges, e.g. 1:16777215")
        parser.add_argument("--gre", help="[ml2_type_gre] tunnel_id_ranges, e.g. 1:4294967295")
        parser.add_argument("--vlan", help="[ml2_type_vlan] network_vlan_ranges, e.g. physnet1:1:4094")

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Ranges:
        return cls(vni=ns.vni, gre=ns.gre, vlan=ns.vlan)


def make_groups(ranges: Ranges) -> dict[str, dict[str, Any]]:
    """The config groups for ``make_conf``: all six type drivers, the given ranges."""
    groups: dict[str, dict[str, Any]] = {
        "ml2": {"type_drivers": TYPE_DRIVERS, "project_network_types": ["vxlan"]}
    }
    if ranges.vni:
        groups["ml2_type_vxlan"] = {"vni_ranges": [ranges.vni]}
    if ranges.gre:
        groups["ml2_type_gre"] = {"tunnel_id_ranges": [ranges.gre]}
    if ranges.vlan:
        groups["ml2_type_vlan"] = {"network_vlan_ranges": [ranges.vlan]}
    return groups


def make_plugin(
    url: str,
    ranges: Ranges,
    *,
    project_network_types: list[str] | None = None,
    mechanism_drivers: list[str] | None = None,
) -> Ml2Plugin:
    groups = make_groups(ranges)
    if project_network_types is not None:
        groups["ml2"]["project_network_types"] = project_network_types
    if mechanism_drivers is not None:
        groups["ml2"]["mechanism_drivers"] = mechanism_drivers
    return Ml2Plugin(make_conf(**groups), db_url=url)
