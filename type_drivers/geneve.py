"""Geneve tunnel networks."""

from __future__ import annotations

from ml2core import constants
from ml2core.api import IdRange, SegmentTypeDriver, ranges
from ml2core.exceptions import TunnelIdInUse


class GeneveTypeDriver(SegmentTypeDriver):
    """VNIs 1..2**24-1 from ``[ml2_type_geneve] vni_ranges``; no physical network."""

    network_type = constants.TYPE_GENEVE
    min_id = constants.MIN_GENEVE_VNI
    max_id = constants.MAX_GENEVE_VNI
    mtu_overhead = constants.GENEVE_ENCAP_MIN_OVERHEAD
    display_name = "Geneve"

    def load_ranges(self) -> dict[str, list[IdRange]]:
        return {
            "": ranges.parse_tunnel_ranges(
                self.conf.ml2_type_geneve.vni_ranges,
                option="[ml2_type_geneve] vni_ranges",
                bounds=(self.min_id, self.max_id),
            )
        }

    def id_in_use_error(self, physical_network: str, segmentation_id: int) -> Exception:
        return TunnelIdInUse(tunnel_id=segmentation_id, field="provider:segmentation_id")

    def encap_overhead(self) -> int:
        return int(self.conf.ml2_type_geneve.max_header_size)
