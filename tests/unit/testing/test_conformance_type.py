"""TypeDriverConformance fails type drivers that break the contract (so passing it means something)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from ml2core.api import TypeDriver
from ml2core.context import Context
from ml2core.testing import TypeDriverConformance
from type_drivers.vlan import VlanTypeDriver
from type_drivers.vxlan import VxlanTypeDriver

# -- type drivers that break one rule each ------------------------------------------------------


class LaxValidationDriver(VxlanTypeDriver):
    """Accepts any provider segment."""

    def validate_provider_segment(self, segment: dict[str, Any]) -> None:
        pass


class PhysnetBlindDriver(VlanTypeDriver):
    """Accepts any physical network, known or not, present or not."""

    def validate_provider_segment(self, segment: dict[str, Any]) -> None:
        if segment.get("physical_network") in (None, "", "conformance-unknown-physnet"):
            segment = dict(segment, physical_network=self.physical_networks()[0])
        super().validate_provider_segment(segment)


class AlwaysFullDriver(VxlanTypeDriver):
    """Says every segment is complete."""

    def is_partial_segment(self, segment: dict[str, Any]) -> bool:
        return False


class NoClaimDriver(VxlanTypeDriver):
    """Hands back full provider segments without claiming them."""

    def reserve_provider_segment(
        self, context: Context, segment: dict[str, Any], filters: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if self.is_partial_segment(segment):
            return super().reserve_provider_segment(context, segment, filters)
        return {**segment, "mtu": self.get_mtu()}


class ForgetfulReleaseDriver(VxlanTypeDriver):
    """Never gives an ID back."""

    def release_segment(self, context: Context, segment: dict[str, Any]) -> None:
        pass


class RangeIgnoringDriver(VxlanTypeDriver):
    """Refuses provider IDs outside its configured ranges."""

    def reserve_provider_segment(
        self, context: Context, segment: dict[str, Any], filters: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        seg_id = segment.get("segmentation_id")
        if seg_id is not None and not any(seg_id in r for r in self.configured_ranges()[""]):
            from ml2core.exceptions import InvalidInput

            raise InvalidInput(field="provider:segmentation_id", reason="outside the ranges")
        return super().reserve_provider_segment(context, segment, filters)


class CountingDriver(VxlanTypeDriver):
    """Counts through its ranges in memory, claiming what it hands out but ignoring a lost claim."""

    def initialize(self) -> None:
        super().initialize()
        ranges = self.configured_ranges()[""]
        self._next = itertools.chain.from_iterable(range(r.minimum, r.maximum + 1) for r in ranges)

    def allocate_tenant_segment(
        self, context: Context, filters: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        from ml2core.api import allocations

        seg_id = next(self._next, None)
        if seg_id is None:
            return None
        allocations.claim_segment(context, self.network_type, "", seg_id)
        return self._segment("", seg_id)


class EndlessDriver(VxlanTypeDriver):
    """Never reports exhaustion: past the ranges it makes IDs up."""

    def allocate_tenant_segment(
        self, context: Context, filters: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        found = super().allocate_tenant_segment(context, filters)
        if found is not None:
            return found
        self.extra = getattr(self, "extra", 5000) + 1
        return self._segment("", self.extra)


class WrongMtuDriver(VxlanTypeDriver):
    """Reports an MTU the plugin does not use."""

    def get_mtu(self, physical_network: str | None = None) -> int:
        return 1234


def suite(driver: type[TypeDriver], driver_name: str = "vxlan", **attrs: Any) -> Any:
    """A suite for ``driver_name`` whose directly called driver is an instance of ``driver``."""

    def load_driver(self: TypeDriverConformance, plugin: Any) -> TypeDriver:
        instance = driver()
        instance.conf = plugin.conf
        instance.initialize()
        return instance

    namespace: dict[str, Any] = {"driver_name": driver_name, "load_driver": load_driver, **attrs}
    return type("SelfTestTypeSuite", (TypeDriverConformance,), namespace)()


SMALL = {"ml2_type_vxlan": {"vni_ranges": ["100:119"]}}


@pytest.mark.parametrize(
    ("driver", "driver_name", "check", "match"),
    [
        pytest.param(
            LaxValidationDriver, "vxlan", "check_rejects_ids_outside_bounds", "below", id="lax-bounds"
        ),
        pytest.param(LaxValidationDriver, "vxlan", "check_rejects_non_integer_ids", "str", id="lax-integers"),
        pytest.param(
            LaxValidationDriver, "vxlan", "check_physical_network_rules", "physical", id="lax-physnet"
        ),
        pytest.param(
            LaxValidationDriver, "vxlan", "check_rejects_unknown_attributes", "attribute", id="lax-attrs"
        ),
        pytest.param(
            PhysnetBlindDriver, "vlan", "check_physical_network_rules", "physical", id="physnet-blind"
        ),
        pytest.param(
            AlwaysFullDriver, "vxlan", "check_partial_and_full_segments", "is_partial", id="always-full"
        ),
    ],
)
def test_validation_checks_fail_a_driver_breaking_their_rule(
    tmp_path: Path, driver: type[TypeDriver], driver_name: str, check: str, match: str
) -> None:
    checks = suite(driver, driver_name)
    with checks.make_plugin(tmp_path) as plugin, pytest.raises(AssertionError, match=match):
        getattr(checks, check)(checks.load_driver(plugin))


@pytest.mark.parametrize(
    ("driver", "check", "match"),
    [
        pytest.param(NoClaimDriver, "check_reserve_release_cycle", "twice", id="reserve-without-claim"),
        pytest.param(ForgetfulReleaseDriver, "check_reserve_release_cycle", "still in use", id="no-release"),
        pytest.param(
            ForgetfulReleaseDriver, "check_allocate_until_exhausted", "after releasing", id="no-reuse"
        ),
        pytest.param(
            RangeIgnoringDriver, "check_reserve_outside_ranges", "outside", id="refuses-outside-ranges"
        ),
        pytest.param(
            CountingDriver, "check_allocate_until_exhausted", "after releasing", id="counter-no-reuse"
        ),
        pytest.param(
            CountingDriver, "check_concurrent_allocations", "same ID twice", id="counter-duplicates"
        ),
        pytest.param(
            EndlessDriver,
            "check_allocate_until_exhausted",
            "not in the configured ranges",
            id="never-exhausted",
        ),
        pytest.param(WrongMtuDriver, "check_through_the_plugin", "MTU", id="wrong-mtu"),
    ],
)
def test_allocation_checks_fail_a_driver_breaking_their_rule(
    tmp_path: Path, driver: type[TypeDriver], check: str, match: str
) -> None:
    checks = suite(driver, config=SMALL)
    with checks.make_plugin(tmp_path) as plugin, pytest.raises(AssertionError, match=match):
        getattr(checks, check)(plugin, checks.load_driver(plugin))


def test_a_range_too_large_to_exhaust_is_reported(tmp_path: Path) -> None:
    checks = suite(VxlanTypeDriver, config={"ml2_type_vxlan": {"vni_ranges": ["1:100000"]}})
    with checks.make_plugin(tmp_path) as plugin, pytest.raises(AssertionError, match="smaller range"):
        checks.check_allocate_until_exhausted(plugin, checks.load_driver(plugin))


def test_without_ranges_allocation_returns_none_at_once(tmp_path: Path) -> None:
    checks = suite(
        VxlanTypeDriver, config={"ml2_type_vxlan": {"vni_ranges": []}}, type_drivers=["vxlan", "local"]
    )
    checks.network_type = lambda: "vxlan"
    with checks.make_plugin(tmp_path) as plugin:
        checks.check_allocate_until_exhausted(plugin, checks.load_driver(plugin))
        checks.check_reserve_partial(plugin, checks.load_driver(plugin))


def test_type_without_ids_is_out_of_scope(tmp_path: Path) -> None:
    checks = suite(VxlanTypeDriver, config=SMALL)
    with checks.make_plugin(tmp_path) as plugin:
        driver = checks.load_driver(plugin)
        driver.segmentation_id_bounds = lambda: None
        with pytest.raises(AssertionError, match="segmentation IDs only"):
            checks.check_rejects_ids_outside_bounds(driver)


@pytest.mark.parametrize(
    "check",
    [
        "check_reserve_release_cycle",
        "check_reserve_outside_ranges",
        "check_reserve_partial",
        "check_allocate_until_exhausted",
        "check_concurrent_allocations",
        "check_through_the_plugin",
    ],
)
def test_allocation_checks_pass_the_vlan_driver_on_two_physnets(tmp_path: Path, check: str) -> None:
    checks = suite(
        VlanTypeDriver,
        "vlan",
        config={"ml2_type_vlan": {"network_vlan_ranges": ["physnet1:10:19", "physnet2:5:9"]}},
    )
    with checks.make_plugin(tmp_path) as plugin:
        getattr(checks, check)(plugin, checks.load_driver(plugin))
