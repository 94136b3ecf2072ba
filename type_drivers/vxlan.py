"""VXLAN tunnel networks."""

from __future__ import annotations

from ml2core import constants
from ml2core.api import IdRange, SegmentTypeDriver, ranges
from ml2core.exceptions import TunnelIdInUse


class VxlanTypeDriver(SegmentTypeDriver):
    """VNIs 1..2**24-1 from ``[ml2_type_vxlan] vni_ranges``; no physical network."""

    network_type = constants.TYPE_VXLAN
    min_id = constants.MIN_VXLAN_VNI
    max_id = constants.MAX_VXLAN_VNI
    mtu_overhead = constants.VXLAN_ENCAP_OVERHEAD
    display_name = "VXLAN"

    def load_ranges(self) -> dict[str, list[IdRange]]:
        return {
            "": ranges.parse_tunnel_ranges(
                self.conf.ml2_type_vxlan.vni_ranges,
                option="[ml2_type_vxlan] vni_ranges",
                bounds=(self.min_id, self.max_id),
            )
        }

    def id_in_use_error(self, physical_network: str, segmentation_id: int) -> Exception:
        return TunnelIdInUse(tunnel_id=segmentation_id, field="provider:segmentation_id")

    @property
    def vxlan_group(self) -> str | None:
        """``[ml2_type_vxlan] vxlan_group``: the multicast group agents use, if any."""
        value = self.conf.ml2_type_vxlan.vxlan_group
        return str(value) if value else None
