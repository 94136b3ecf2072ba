"""VLAN networks: IDs 1..4094 per physical network."""

from __future__ import annotations

from ml2core import constants
from ml2core.api import IdRange, SegmentTypeDriver, ranges
from ml2core.exceptions import VlanIdInUse


class VlanTypeDriver(SegmentTypeDriver):
    """``[ml2_type_vlan] network_vlan_ranges`` names the physnets and their project ranges.

    Physnets are tried in configured order for project networks; provider
    networks may use any ID of a configured physnet, inside the ranges or not.
    """

    network_type = constants.TYPE_VLAN
    min_id = constants.MIN_VLAN_TAG
    max_id = constants.MAX_VLAN_TAG
    physnet_based = True
    display_name = "VLAN"

    def load_ranges(self) -> dict[str, list[IdRange]]:
        return ranges.parse_network_vlan_ranges(self.conf.ml2_type_vlan.network_vlan_ranges)

    def id_in_use_error(self, physical_network: str, segmentation_id: int) -> Exception:
        return VlanIdInUse(
            vlan_id=segmentation_id,
            physical_network=physical_network,
            field="provider:segmentation_id",
        )
