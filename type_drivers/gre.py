"""GRE tunnel networks."""

from __future__ import annotations

from ml2core import constants
from ml2core.api import IdRange, SegmentTypeDriver, ranges
from ml2core.exceptions import TunnelIdInUse


class GreTypeDriver(SegmentTypeDriver):
    """Keys 1..2**32-1 from ``[ml2_type_gre] tunnel_id_ranges``; no physical network."""

    network_type = constants.TYPE_GRE
    min_id = constants.MIN_GRE_ID
    max_id = constants.MAX_GRE_ID
    mtu_overhead = constants.GRE_ENCAP_OVERHEAD
    display_name = "GRE"

    def load_ranges(self) -> dict[str, list[IdRange]]:
        return {
            "": ranges.parse_tunnel_ranges(
                self.conf.ml2_type_gre.tunnel_id_ranges,
                option="[ml2_type_gre] tunnel_id_ranges",
                bounds=(self.min_id, self.max_id),
            )
        }

    def id_in_use_error(self, physical_network: str, segmentation_id: int) -> Exception:
        return TunnelIdInUse(tunnel_id=segmentation_id, field="provider:segmentation_id")
