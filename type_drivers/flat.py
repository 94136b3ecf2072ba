"""Flat networks: untagged on a physical network, one network per physnet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ml2core import constants
from ml2core.api import TypeDriver, allocations, ranges
from ml2core.exceptions import FlatNetworkInUse, InvalidInput

if TYPE_CHECKING:
    from ml2core import Context


class FlatTypeDriver(TypeDriver):
    """``[ml2_type_flat] flat_networks``: the physnets allowed (``*`` = any, empty = none).

    A flat network occupies its physnet: the allocation row
    ``(flat, physnet, 0)`` makes a second one on the same physnet fail,
    across every controller. Flat networks are never project networks.
    """

    def __init__(self) -> None:
        self._any = False
        self._physnets: list[str] = []
        self._mtus: dict[str, int] = {}

    def get_type(self) -> str:
        return constants.TYPE_FLAT

    def initialize(self) -> None:
        self._any, self._physnets = ranges.parse_flat_networks(self.conf.ml2_type_flat.flat_networks)
        self._mtus = ranges.parse_physnet_mtus(self.conf.ml2.physical_network_mtus)

    def uses_physical_networks(self) -> bool:
        return True

    def physical_networks(self) -> list[str]:
        return list(self._physnets)

    def is_partial_segment(self, segment: dict[str, Any]) -> bool:
        return False

    def validate_provider_segment(self, segment: dict[str, Any]) -> None:
        physnet = segment.get("physical_network")
        if not physnet:
            raise InvalidInput(
                field="provider:physical_network",
                reason="physical_network required for flat provider network",
            )
        if not self._any and not self._physnets:
            raise InvalidInput(
                field="provider:physical_network", reason="Flat provider networks are disabled"
            )
        if not self._any and physnet not in self._physnets:
            raise InvalidInput(
                field="provider:physical_network",
                reason=f"physical_network '{physnet}' unknown for flat provider network",
            )
        for key, value in segment.items():
            if key not in ("network_type", "physical_network") and value is not None:
                raise InvalidInput(
                    field=f"provider:{key}", reason=f"{key} prohibited for flat provider network"
                )

    def reserve_provider_segment(
        self, context: Context, segment: dict[str, Any], filters: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        physnet = str(segment["physical_network"])
        if not allocations.claim_segment(context, constants.TYPE_FLAT, physnet, allocations.NO_ID):
            raise FlatNetworkInUse(physical_network=physnet, field="provider:physical_network")
        return {
            "network_type": constants.TYPE_FLAT,
            "physical_network": physnet,
            "segmentation_id": None,
            "mtu": self.get_mtu(physnet),
        }

    def allocate_tenant_segment(
        self, context: Context, filters: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        return None

    def release_segment(self, context: Context, segment: dict[str, Any]) -> None:
        physnet = segment.get("physical_network")
        if physnet:
            allocations.release_segment_id(context, constants.TYPE_FLAT, physnet, allocations.NO_ID)

    def get_mtu(self, physical_network: str | None = None) -> int:
        mtus = [m for m in (int(self.conf.global_physnet_mtu),) if m > 0]
        if physical_network in self._mtus:
            mtus.append(self._mtus[physical_network])
        return min(mtus) if mtus else 0
