"""Label networks: segments identified by a 20-bit label, as in an MPLS-like fabric."""

from __future__ import annotations

from typing import Final

from oslo_config import cfg

from ml2core.api import IdRange, SegmentTypeDriver, ranges

GROUP: Final = "ml2_type_example_label"
OPTS: Final = (
    cfg.ListOpt(
        "label_ranges",
        default=["16:1023"],
        help="<min>:<max> ranges of labels available for project networks (16 to 1048575).",
    ),
)


class ExampleLabelTypeDriver(SegmentTypeDriver):
    """Network type ``example_label``: labels 16..1048575, no physical network.

    ``SegmentTypeDriver`` does validation, reservation, allocation and
    release through ml2core's allocator; this class states the ID space,
    the MTU overhead and where the ranges come from.
    """

    network_type = "example_label"
    min_id = 16  # 0..15 are reserved labels
    max_id = 2**20 - 1
    #: UDP header (8) and the label stack entry (4), besides the outer IP header.
    mtu_overhead = 12
    display_name = "example label"

    def initialize(self) -> None:
        """Register ``[ml2_type_example_label]``, then parse the ranges (``ConfigError`` if malformed)."""
        self.conf.register_opts(list(OPTS), group=GROUP)
        super().initialize()

    def load_ranges(self) -> dict[str, list[IdRange]]:
        """``{"": [ranges]}``: label networks have no physical network."""
        return {
            "": ranges.parse_tunnel_ranges(
                getattr(self.conf, GROUP).label_ranges,
                option=f"[{GROUP}] label_ranges",
                bounds=(self.min_id, self.max_id),
            )
        }
