"""The checks of the type driver suite: validation, the allocator, and the plugin around them."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ml2core import Context, Ml2Plugin
from ml2core.api import TypeDriver
from ml2core.exceptions import Conflict, InvalidInput, NoNetworkAvailable
from ml2core.testing.conformance._common import describe_difference, driver_call
from ml2core.testing.conformance._type_base import UNKNOWN_PHYSNET, Key, TypeSuiteBase, key_of
from ml2core.testing.dbdump import dump_tables
from ml2core.testing.plugin import driver_transaction

__all__ = ["AllocationChecks", "ValidationChecks"]


class ValidationChecks(TypeSuiteBase):
    """Checks of ``validate_provider_segment``, ``is_partial_segment``, bounds and MTU (no database)."""

    def check_type_and_bounds(self, driver: TypeDriver) -> None:
        """``get_type()`` is a non-empty string; ``0 <= min <= max``; configured ranges lie inside.

        Physnet types name their configured physical networks. Raises ``AssertionError``.
        """
        network_type = driver.get_type()
        if not isinstance(network_type, str) or not network_type:
            raise AssertionError(f"get_type() returned {network_type!r}; expected a non-empty string")
        low, high = self._bounds(driver)
        if not 0 <= low <= high:
            raise AssertionError(f"segmentation_id_bounds() is ({low}, {high}); expected 0 <= min <= max")
        for physnet, ranges in self._ranges(driver).items():
            if driver.uses_physical_networks() != (physnet is not None):
                raise AssertionError(
                    f"configured_ranges() has physnet {physnet!r} but uses_physical_networks() is "
                    f"{driver.uses_physical_networks()}"
                )
            for id_range in ranges:
                if not low <= id_range.minimum <= id_range.maximum <= high:
                    raise AssertionError(
                        f"configured range {id_range} of {physnet!r} is outside ({low}, {high})"
                    )
        mtu = driver.get_mtu(self._physnet(driver))
        if not isinstance(mtu, int) or mtu < 0:
            raise AssertionError(f"get_mtu() returned {mtu!r}; expected an int >= 0 (0 = unknown)")

    def check_rejects_ids_outside_bounds(self, driver: TypeDriver) -> None:
        """``min - 1`` and ``max + 1`` raise ``InvalidInput``; ``min`` and ``max`` pass.

        Raises ``AssertionError``.
        """
        low, high = self._bounds(driver)
        self._expect_invalid(driver, self._segment(driver, low - 1), f"below the smallest ID {low}")
        self._expect_invalid(driver, self._segment(driver, high + 1), f"above the largest ID {high}")
        self._expect_valid(driver, self._segment(driver, low))
        self._expect_valid(driver, self._segment(driver, high))

    def check_rejects_non_integer_ids(self, driver: TypeDriver) -> None:
        """An ID given as a string, a float or a boolean raises ``InvalidInput``.

        Raises ``AssertionError``.
        """
        low, _high = self._bounds(driver)
        for value in (str(low), float(low) + 0.5, True):
            self._expect_invalid(
                driver, self._segment(driver, value), f"{type(value).__name__} is not an integer ID"
            )

    def check_physical_network_rules(self, driver: TypeDriver) -> None:
        """Physnet types need a known physnet with an ID; other types take none.

        Raises ``AssertionError``.
        """
        low, _high = self._bounds(driver)
        network_type = driver.get_type()
        if driver.uses_physical_networks():
            physnet = self._physnet(driver)
            self._expect_invalid(
                driver,
                {"network_type": network_type, "physical_network": None, "segmentation_id": low},
                "an ID without a physical network",
            )
            self._expect_invalid(
                driver,
                {"network_type": network_type, "physical_network": UNKNOWN_PHYSNET, "segmentation_id": low},
                "a physical network the configuration does not name",
            )
            self._expect_valid(driver, {"network_type": network_type, "physical_network": physnet})
        else:
            self._expect_invalid(
                driver,
                {"network_type": network_type, "physical_network": "physnet1", "segmentation_id": low},
                f"{network_type} segments have no physical network",
            )
        self._expect_valid(driver, {"network_type": network_type})

    def check_rejects_unknown_attributes(self, driver: TypeDriver) -> None:
        """A segment with an extra non-empty attribute raises ``InvalidInput``. Raises ``AssertionError``."""
        low, _high = self._bounds(driver)
        self._expect_invalid(
            driver, self._segment(driver, low, conformance_unknown="x"), "an attribute the type does not have"
        )

    def check_partial_and_full_segments(self, driver: TypeDriver) -> None:
        """No ID (or, for physnet types, no physnet) is partial; a complete segment is not.

        Raises ``AssertionError``.
        """
        low, _high = self._bounds(driver)
        network_type = driver.get_type()
        cases: list[tuple[dict[str, Any], bool]] = [
            ({"network_type": network_type}, True),
            (self._segment(driver, None), True),
            (self._segment(driver, low), False),
        ]
        if driver.uses_physical_networks():
            cases.append(
                ({"network_type": network_type, "physical_network": None, "segmentation_id": low}, True)
            )
        for segment, partial in cases:
            if bool(driver.is_partial_segment(dict(segment))) != partial:
                raise AssertionError(f"is_partial_segment({segment!r}) is {not partial}; expected {partial}")


class AllocationChecks(TypeSuiteBase):
    """Checks of reserve, allocate and release on a real database, and of the plugin around them."""

    def check_reserve_release_cycle(self, plugin: Ml2Plugin, driver: TypeDriver) -> None:
        """Reserve a full segment, fail to reserve it again (``Conflict``), release it, reserve it again.

        Releasing the free ID once more is harmless. Raises ``AssertionError``.
        """
        low, high = self._bounds(driver)
        ranges = [r for rs in self._ranges(driver).values() for r in rs]
        segmentation_id = ranges[0].minimum if ranges else (low + high) // 2
        segment = self._segment(driver, segmentation_id)
        reserved = self._reserve(plugin, driver, segment)
        if key_of(reserved) != key_of(segment):
            raise AssertionError(
                f"reserve_provider_segment({segment!r}) returned a different segment: {reserved!r}"
            )
        try:
            self._reserve(plugin, driver, segment)
        except Conflict:
            pass
        else:
            raise AssertionError(
                f"reserve_provider_segment({segment!r}) succeeded twice; the second must raise the "
                "type's InUse error (a Conflict)"
            )
        self._release(plugin, driver, reserved)
        try:
            again = self._reserve(plugin, driver, segment)
        except Conflict as exc:
            raise AssertionError(
                f"after release_segment({reserved!r}) the ID is still in use: {exc}"
            ) from exc
        self._release(plugin, driver, again)
        try:
            self._release(plugin, driver, again)
        except Exception as exc:
            raise AssertionError(f"releasing a free ID raised {type(exc).__name__}: {exc}") from exc

    def check_reserve_outside_ranges(self, plugin: Ml2Plugin, driver: TypeDriver) -> None:
        """A provider ID within bounds but outside every configured range reserves.

        Skipped when the ranges cover every ID. Raises ``AssertionError``.
        """
        low, high = self._bounds(driver)
        physnet = self._physnet(driver)
        in_ranges = {value for (p, value) in self._range_keys(driver) if p == physnet}
        outside = next(
            (v for v in (high, low, high - 1, low + 1) if low <= v <= high and v not in in_ranges), None
        )
        if outside is None:
            pytest.skip("the configured ranges cover every ID; no provider ID lies outside them")
        segment = self._segment(driver, outside)
        try:
            reserved = self._reserve(plugin, driver, segment)
        except (InvalidInput, NoNetworkAvailable, Conflict) as exc:
            raise AssertionError(
                f"reserve_provider_segment({segment!r}) refused an ID outside the configured ranges: {exc}; "
                "provider networks may use any ID within the type's bounds"
            ) from exc
        if key_of(reserved) != key_of(segment):
            raise AssertionError(f"reserve_provider_segment({segment!r}) returned {reserved!r}")

    def check_reserve_partial(self, plugin: Ml2Plugin, driver: TypeDriver) -> None:
        """Reserving ``{network_type}`` (plus a physnet for physnet types) gets an ID from the ranges.

        With no range configured it raises ``NoNetworkAvailable``. Raises ``AssertionError``.
        """
        total = self._total(driver)
        partial = self._segment(driver, None)
        if total == 0:
            try:
                self._reserve(plugin, driver, partial)
            except NoNetworkAvailable:
                return
            raise AssertionError(
                "reserve_provider_segment of a partial segment found an ID with no range configured"
            )
        reserved = self._reserve(plugin, driver, partial)
        self._in_ranges(driver, reserved, f"reserve_provider_segment({partial!r})")

    def check_allocate_until_exhausted(self, plugin: Ml2Plugin, driver: TypeDriver) -> None:
        """``allocate_tenant_segment`` gives each ID of the ranges once, then ``None``.

        A released ID is handed out again.

        Raises ``AssertionError`` for a duplicate, an ID outside the ranges,
        a wrong count, or a released ID that is not handed out again.
        """
        total = self._total(driver)
        expected = self._range_keys(driver)
        seen: list[Key] = []
        with driver_transaction(plugin) as ctx:
            for _ in range(total + 1):
                segment = driver.allocate_tenant_segment(ctx, {"project_id": "conformance"})
                if segment is None:
                    break
                key = key_of(segment)
                if key in seen:
                    raise AssertionError(f"allocate_tenant_segment returned {key} twice")
                if key not in expected:
                    raise AssertionError(
                        f"allocate_tenant_segment returned {segment!r}, not in the configured ranges"
                    )
                seen.append(key)
        if len(seen) != total:
            raise AssertionError(
                f"allocate_tenant_segment handed out {len(seen)} IDs before returning None; the "
                f"configured ranges hold {total}"
            )
        if total == 0:
            return
        physnet, freed = seen[len(seen) // 2]
        self._release(
            plugin,
            driver,
            {"network_type": driver.get_type(), "physical_network": physnet, "segmentation_id": freed},
        )
        with driver_transaction(plugin) as ctx:
            again = driver.allocate_tenant_segment(ctx, {})
            after = driver.allocate_tenant_segment(ctx, {})
        if again is None or key_of(again) != (physnet, freed):
            raise AssertionError(f"after releasing {(physnet, freed)} the next allocation returned {again!r}")
        if after is not None:
            raise AssertionError(f"the ranges are full again, but allocate_tenant_segment returned {after!r}")

    def check_concurrent_allocations(self, plugin: Ml2Plugin, driver: TypeDriver) -> None:
        """Two controllers on one database, several threads each, allocate without sharing an ID.

        The second controller is a second plugin on the same SQLite file
        with its own driver instance (a driver that keeps allocation state
        in memory fails here). Raises ``AssertionError`` listing duplicates
        or the threads' errors.
        """
        total = self._require_ranges(driver)
        second_plugin = Ml2Plugin(plugin.conf, db_url=plugin.engine.url.render_as_string(hide_password=False))
        try:
            controllers = [(plugin, driver), (second_plugin, self.load_driver(second_plugin))]
            threads_total = len(controllers) * self.threads_per_controller
            per_thread = max(1, min(self.allocations_per_thread, total // threads_total))
            results: list[Key] = []
            errors: list[str] = []
            lock = threading.Lock()
            barrier = threading.Barrier(threads_total)

            def work(owner: Ml2Plugin, instance: TypeDriver) -> None:
                try:
                    barrier.wait(timeout=30)
                    for _ in range(per_thread):
                        with driver_transaction(owner) as ctx:
                            segment = instance.allocate_tenant_segment(ctx, {})
                        with lock:
                            if segment is None:
                                errors.append("allocate_tenant_segment returned None with IDs left")
                            else:
                                results.append(key_of(segment))
                except Exception as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")

            threads = [
                threading.Thread(target=work, args=controller, name=f"conformance-{index}")
                for controller in controllers
                for index in range(self.threads_per_controller)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            if errors:
                raise AssertionError("concurrent allocations failed: " + "; ".join(errors[:5]))
            duplicates = sorted({key for key in results if results.count(key) > 1}, key=str)
            if duplicates:
                raise AssertionError(
                    f"concurrent allocations handed out the same ID twice: {duplicates[:10]}"
                )
            with driver_transaction(plugin) as ctx:
                rest = 0
                while driver.allocate_tenant_segment(ctx, {}) is not None and rest <= total:
                    rest += 1
            if len(results) + rest != total:
                raise AssertionError(
                    f"{len(results)} IDs allocated concurrently and {rest} after them, "
                    f"but the ranges hold {total}"
                )
        finally:
            second_plugin.close()

    def check_through_the_plugin(self, plugin: Ml2Plugin, driver: TypeDriver) -> None:
        """A project network of the type, its MTU, its deletion, and a rejected provider network.

        Raises ``AssertionError`` when the network's ID is outside the
        ranges, its MTU differs from ``get_mtu``, or ml2core's tables are
        not as before once it is deleted, or after a rejected request.
        """
        ctx = Context.admin()
        network_type = driver.get_type()
        before = dump_tables(plugin.engine)
        _low, high = self._bounds(driver)
        bad = {
            "name": "conformance-out-of-bounds",
            "provider:network_type": network_type,
            "provider:physical_network": self._physnet(driver),
            "provider:segmentation_id": high + 1,
        }
        try:
            plugin.create_network(ctx, bad)
        except InvalidInput:
            pass
        else:
            raise AssertionError(f"create_network with segmentation ID {high + 1} (above {high}) succeeded")
        difference = describe_difference(before, dump_tables(plugin.engine))
        if difference:
            raise AssertionError(f"a rejected create_network changed the database:\n{difference}")
        if self._total(driver) == 0:
            return
        network = driver_call("create_network", plugin.create_network, ctx, {"name": "conformance-project"})
        if network.get("provider:network_type") != network_type:
            raise AssertionError(f"a project network got type {network.get('provider:network_type')!r}")
        segment = {
            "physical_network": network.get("provider:physical_network"),
            "segmentation_id": network.get("provider:segmentation_id"),
        }
        self._in_ranges(driver, segment, "create_network (a project network)")
        mtu = driver.get_mtu(segment["physical_network"])
        if mtu > 0 and network.get("mtu") != mtu:
            raise AssertionError(f"the network's MTU is {network.get('mtu')}, get_mtu() says {mtu}")
        driver_call("delete_network", plugin.delete_network, ctx, network["id"])
        difference = describe_difference(before, dump_tables(plugin.engine))
        if difference:
            raise AssertionError(f"deleting the project network did not give everything back:\n{difference}")
