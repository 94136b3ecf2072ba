"""``TypeDriverConformance``: what every ID-based type driver must do, as tests a vendor inherits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ml2core import Ml2Plugin
from ml2core.api import TypeDriver
from ml2core.testing.conformance._type_checks import AllocationChecks, ValidationChecks

__all__ = ["TypeDriverConformance"]


class TypeDriverConformance(ValidationChecks, AllocationChecks):
    """The contract of a type driver with segmentation IDs, as pytest tests; subclass it in one line.

    ::

        from ml2core.testing import TypeDriverConformance

        class TestMyTypeConformance(TypeDriverConformance):
            driver_name = "my_type"               # its ml2core.type_drivers entry point
            config = {"ml2_type_my_type": {"id_ranges": ["100:163"]}}   # a small range

    Each ``test_*`` method runs one ``check_*`` method on a fresh plugin
    (SQLite file in ``tmp_path``) that loads the driver and makes project
    networks of its type. The driver is also called directly, in
    transactions on that database (:func:`~ml2core.testing.driver_transaction`),
    as the framework calls it. The checks, which raise ``AssertionError``
    saying what the driver did wrong:

    * validation: IDs just outside ``segmentation_id_bounds()``, IDs that
      are not integers, unknown attributes, a physical network where the
      type has none, none (or an unknown one) where it needs one, all raise
      ``InvalidInput``; the bounds themselves are accepted;
    * ``is_partial_segment``: a segment without ID (or, for physnet types,
      without physnet) is partial, a complete one is not;
    * reserve / release: a full segment reserves once (again: a
      ``Conflict``), release frees it for the next reservation, releasing a
      free ID is harmless, provider IDs outside the configured ranges (but
      within bounds) are allowed, and a partial segment gets an ID from the
      ranges;
    * ``allocate_tenant_segment`` hands out every ID of the configured
      ranges exactly once, then returns ``None``; a released ID is handed out
      again;
    * two controllers (plugins on one database file, one driver instance
      each), several threads each, never get the same ID;
    * through the plugin: a project network gets an ID in the ranges and
      its MTU from ``get_mtu``; deleting it leaves ml2core's tables as they
      were; an out-of-bounds provider network changes nothing.

    The configured ranges must hold at most :attr:`max_exhaustion_ids` IDs
    (the suite allocates them all); give a small range in :attr:`config`.
    Types without segmentation IDs (flat, local) are not covered.
    """

    @pytest.fixture
    def ml2core_conformance_plugin(self, tmp_path: Path) -> Iterator[Ml2Plugin]:
        """:meth:`make_plugin` in the test's ``tmp_path``."""
        with self.make_plugin(tmp_path) as plugin:
            yield plugin

    @pytest.fixture
    def ml2core_conformance_type_driver(self, ml2core_conformance_plugin: Ml2Plugin) -> TypeDriver:
        """:meth:`load_driver` on the suite's plugin."""
        return self.load_driver(ml2core_conformance_plugin)

    # -- the tests ---------------------------------------------------------------------------
    def test_states_its_type_and_bounds(self, ml2core_conformance_type_driver: TypeDriver) -> None:
        """The type is a name; the bounds and configured ranges make sense."""
        self.check_type_and_bounds(ml2core_conformance_type_driver)

    def test_rejects_ids_outside_bounds(self, ml2core_conformance_type_driver: TypeDriver) -> None:
        """IDs one below and one above the bounds are ``InvalidInput``; the bounds are fine."""
        self.check_rejects_ids_outside_bounds(ml2core_conformance_type_driver)

    def test_rejects_ids_that_are_not_integers(self, ml2core_conformance_type_driver: TypeDriver) -> None:
        """Strings, floats and booleans as IDs are ``InvalidInput``."""
        self.check_rejects_non_integer_ids(ml2core_conformance_type_driver)

    def test_checks_physical_networks(self, ml2core_conformance_type_driver: TypeDriver) -> None:
        """A physnet where the type has none, or none / an unknown one where it needs one, is rejected."""
        self.check_physical_network_rules(ml2core_conformance_type_driver)

    def test_rejects_unknown_attributes(self, ml2core_conformance_type_driver: TypeDriver) -> None:
        """A provider segment with an attribute the type does not have is ``InvalidInput``."""
        self.check_rejects_unknown_attributes(ml2core_conformance_type_driver)

    def test_tells_partial_from_full_segments(self, ml2core_conformance_type_driver: TypeDriver) -> None:
        """``is_partial_segment`` is true exactly when something is left to allocate."""
        self.check_partial_and_full_segments(ml2core_conformance_type_driver)

    def test_reserves_releases_and_reserves_again(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_type_driver: TypeDriver
    ) -> None:
        """A full segment reserves once, conflicts while held, and reserves again once released."""
        self.check_reserve_release_cycle(ml2core_conformance_plugin, ml2core_conformance_type_driver)

    def test_reserves_provider_ids_outside_the_ranges(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_type_driver: TypeDriver
    ) -> None:
        """A provider ID within bounds but outside the configured ranges is allowed."""
        self.check_reserve_outside_ranges(ml2core_conformance_plugin, ml2core_conformance_type_driver)

    def test_completes_partial_segments_from_the_ranges(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_type_driver: TypeDriver
    ) -> None:
        """Reserving a partial segment takes an ID (and physnet) from the configured ranges."""
        self.check_reserve_partial(ml2core_conformance_plugin, ml2core_conformance_type_driver)

    def test_allocates_every_id_once_then_none(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_type_driver: TypeDriver
    ) -> None:
        """Allocation exhausts the ranges without duplicates, returns ``None``, reuses released IDs."""
        self.check_allocate_until_exhausted(ml2core_conformance_plugin, ml2core_conformance_type_driver)

    def test_concurrent_allocations_never_share_an_id(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_type_driver: TypeDriver
    ) -> None:
        """Two controllers with several threads each never get the same ID."""
        self.check_concurrent_allocations(ml2core_conformance_plugin, ml2core_conformance_type_driver)

    def test_project_networks_through_the_plugin(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_type_driver: TypeDriver
    ) -> None:
        """Project networks get IDs from the ranges and give them back when deleted."""
        self.check_through_the_plugin(ml2core_conformance_plugin, ml2core_conformance_type_driver)
