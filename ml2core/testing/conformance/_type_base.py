"""The set-up of the type driver suite: its settings, hooks and helpers."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ml2core import Ml2Plugin
from ml2core.api import IdRange, TypeDriver
from ml2core.exceptions import InvalidInput
from ml2core.testing.plugin import driver_transaction, load_type_driver, plugin_conf, sqlite_url

__all__ = ["UNKNOWN_PHYSNET", "Key", "TypeSuiteBase", "key_of"]

#: A physical network no configuration names.
UNKNOWN_PHYSNET = "conformance-unknown-physnet"

Key = tuple[str | None, int]


def key_of(segment: Mapping[str, Any]) -> Key:
    return (segment.get("physical_network") or None, int(segment["segmentation_id"]))


class TypeSuiteBase:
    """Settings, overridable set-up and helpers of :class:`~ml2core.testing.TypeDriverConformance`."""

    #: Entry-point name of the driver under test (namespace ``ml2core.type_drivers``).
    driver_name: ClassVar[str]
    #: Extra configuration groups (the driver's ranges …), merged over
    #: :data:`~ml2core.testing.DEFAULT_CONFIG`.
    config: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    #: ``[ml2] type_drivers``; ``None`` means ``[driver_name]``.
    type_drivers: ClassVar[Sequence[str] | None] = None
    #: The most IDs the exhaustion check will allocate.
    max_exhaustion_ids: ClassVar[int] = 4096
    #: Threads per controller in the concurrency check (two controllers).
    threads_per_controller: ClassVar[int] = 4
    #: IDs each thread allocates in the concurrency check (fewer if the ranges are smaller).
    allocations_per_thread: ClassVar[int] = 5

    # -- what a subclass may override -------------------------------------------------------
    def network_type(self) -> str:
        """The network type the driver manages (asked from a driver loaded on its own)."""
        groups: dict[str, Any] = {name: dict(values) for name, values in self.config.items()}
        return load_type_driver(
            self.driver_name, plugin_conf(type_drivers=self._type_drivers(), **groups)
        ).get_type()

    def _type_drivers(self) -> list[str]:
        return list(self.type_drivers or [self.driver_name])

    def plugin_config(self, database_url: str) -> dict[str, Any]:
        """Keyword arguments of :func:`~ml2core.testing.plugin_conf` for the suite's plugin."""
        groups: dict[str, Any] = {name: dict(values) for name, values in self.config.items()}
        groups.setdefault("database", {})["connection"] = database_url
        return {
            "type_drivers": self._type_drivers(),
            "project_network_types": [self.network_type()],
            **groups,
        }

    def load_driver(self, plugin: Ml2Plugin) -> TypeDriver:
        """A new instance of the driver, on ``plugin``'s configuration, initialized."""
        return load_type_driver(self.driver_name, plugin.conf)

    # -- set-up ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def make_plugin(self, directory: str | os.PathLike[str]) -> Iterator[Ml2Plugin]:
        """The suite's plugin on a new SQLite file in ``directory``; closed after."""
        path = Path(directory) / f"conformance-{uuid.uuid4().hex[:8]}.sqlite"
        plugin = Ml2Plugin(plugin_conf(**self.plugin_config(sqlite_url(path))))
        try:
            yield plugin
        finally:
            plugin.close()

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _bounds(driver: TypeDriver) -> tuple[int, int]:
        bounds = driver.segmentation_id_bounds()
        if bounds is None:
            raise AssertionError(
                f"{type(driver).__name__}.segmentation_id_bounds() is None: TypeDriverConformance "
                "covers types with segmentation IDs only"
            )
        return bounds

    @staticmethod
    def _physnet(driver: TypeDriver) -> str | None:
        if not driver.uses_physical_networks():
            return None
        physnets = driver.physical_networks()
        if not physnets:
            raise AssertionError(
                f"{type(driver).__name__} uses physical networks but knows none: configure one in `config`"
            )
        return physnets[0]

    def _segment(self, driver: TypeDriver, segmentation_id: object, **extra: Any) -> dict[str, Any]:
        segment: dict[str, Any] = {
            "network_type": driver.get_type(),
            "physical_network": self._physnet(driver),
            "segmentation_id": segmentation_id,
        }
        segment.update(extra)
        return segment

    @staticmethod
    def _ranges(driver: TypeDriver) -> dict[str | None, list[IdRange]]:
        return {(physnet or None): list(ranges) for physnet, ranges in driver.configured_ranges().items()}

    def _range_keys(self, driver: TypeDriver) -> set[Key]:
        keys: set[Key] = set()
        for physnet, ranges in self._ranges(driver).items():
            for id_range in ranges:
                keys.update((physnet, value) for value in range(id_range.minimum, id_range.maximum + 1))
        return keys

    def _total(self, driver: TypeDriver) -> int:
        total = sum(r.size for ranges in self._ranges(driver).values() for r in ranges)
        if total > self.max_exhaustion_ids:
            raise AssertionError(
                f"the configured ranges of {driver.get_type()} hold {total} IDs, more than the "
                f"{self.max_exhaustion_ids} the suite allocates; configure a smaller range in `config`"
            )
        return total

    def _require_ranges(self, driver: TypeDriver) -> int:
        total = self._total(driver)
        if total == 0:
            pytest.skip(f"no range is configured for {driver.get_type()}: configure one in `config`")
        return total

    def _expect_invalid(self, driver: TypeDriver, segment: dict[str, Any], why: str) -> None:
        try:
            driver.validate_provider_segment(dict(segment))
        except InvalidInput:
            return
        except Exception as exc:
            raise AssertionError(
                f"validate_provider_segment({segment!r}) raised {type(exc).__name__}: {exc}; "
                f"it should raise InvalidInput ({why})"
            ) from exc
        raise AssertionError(
            f"validate_provider_segment({segment!r}) accepted it; expected InvalidInput ({why})"
        )

    def _expect_valid(self, driver: TypeDriver, segment: dict[str, Any]) -> None:
        try:
            driver.validate_provider_segment(dict(segment))
        except Exception as exc:
            raise AssertionError(
                f"validate_provider_segment({segment!r}) rejected a valid segment: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def _in_ranges(self, driver: TypeDriver, segment: Mapping[str, Any], what: str) -> None:
        if key_of(segment) not in self._range_keys(driver):
            raise AssertionError(f"{what} returned {segment!r}, whose ID is not in the configured ranges")

    def _reserve(self, plugin: Ml2Plugin, driver: TypeDriver, segment: dict[str, Any]) -> dict[str, Any]:
        with driver_transaction(plugin) as ctx:
            reserved = driver.reserve_provider_segment(ctx, dict(segment))
        for key in ("network_type", "physical_network", "segmentation_id", "mtu"):
            if key not in reserved:
                raise AssertionError(
                    f"reserve_provider_segment({segment!r}) returned {reserved!r}, without {key!r}"
                )
        if reserved["network_type"] != driver.get_type():
            raise AssertionError(
                f"reserve_provider_segment returned network_type {reserved['network_type']!r}"
            )
        return reserved

    def _release(self, plugin: Ml2Plugin, driver: TypeDriver, segment: dict[str, Any]) -> None:
        with driver_transaction(plugin) as ctx:
            driver.release_segment(ctx, dict(segment))
