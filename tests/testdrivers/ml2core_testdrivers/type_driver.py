"""A vendor-style ID type in a few lines, and one that fails to initialize."""

from __future__ import annotations

from ml2core.api import IdRange, SegmentTypeDriver, ranges


class TestTypeDriver(SegmentTypeDriver):
    """IDs 1..1000 from ``[ml2_type_test] ranges``; 8 bytes of overhead; no physnet."""

    network_type = "test_type"
    min_id = 1
    max_id = 1000
    mtu_overhead = 8

    def load_ranges(self) -> dict[str, list[IdRange]]:
        from oslo_config import cfg

        self.conf.register_opts([cfg.ListOpt("ranges", default=["1:10"])], group="ml2_type_test")
        return {
            "": ranges.parse_tunnel_ranges(
                self.conf.ml2_type_test.ranges, option="[ml2_type_test] ranges", bounds=(1, 1000)
            )
        }


class FailingInitTypeDriver(TestTypeDriver):
    network_type = "broken_init"

    def initialize(self) -> None:
        raise RuntimeError("cannot reach the controller")
