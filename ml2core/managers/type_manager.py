"""The loaded type drivers, keyed by network type."""

from __future__ import annotations

from typing import Any

from oslo_config import cfg

from ml2core.api.type_driver import TypeDriver
from ml2core.config import Settings
from ml2core.context import Context
from ml2core.exceptions import ConfigError, InvalidInput, NoNetworkAvailable
from ml2core.managers import loader
from ml2core.segments import allocator, pools


class TypeManager:
    """Loads ``[ml2] type_drivers`` and routes segment operations to them."""

    def __init__(self, conf: cfg.ConfigOpts, settings: Settings) -> None:
        self.drivers: dict[str, TypeDriver] = {}
        self._entry_names: dict[str, str] = {}
        for name in settings.type_drivers:
            driver = loader.load(loader.TYPE_DRIVERS, name, conf, TypeDriver)  # type: ignore[type-abstract]
            network_type = driver.get_type()
            if network_type in self.drivers:
                raise ConfigError(
                    option="[ml2] type_drivers",
                    entry=name,
                    reason=f"network type {network_type!r} is already provided by "
                    f"{self._entry_names[network_type]!r}",
                )
            self.drivers[network_type] = driver
            self._entry_names[network_type] = name
        self.project_network_types = list(settings.project_network_types)
        for network_type in self.project_network_types:
            if network_type not in self.drivers:
                raise ConfigError(
                    option="[ml2] project_network_types",
                    entry=network_type,
                    reason=f"no loaded type driver handles network type {network_type!r}",
                )

    def initialize(self) -> None:
        for network_type, driver in self.drivers.items():
            loader.initialize(loader.TYPE_DRIVERS, self._entry_names[network_type], driver)

    def driver(self, network_type: object, field: str = "provider:network_type") -> TypeDriver:
        """The driver of ``network_type``; InvalidInput if none is loaded."""
        if not isinstance(network_type, str) or network_type not in self.drivers:
            raise InvalidInput(
                field=field,
                reason=f"network type value {network_type!r} not supported "
                f"(loaded: {', '.join(self.drivers)})",
            )
        return self.drivers[network_type]

    def validate_provider_segment(self, segment: dict[str, Any]) -> None:
        self.driver(segment.get("network_type")).validate_provider_segment(segment)

    def reserve_provider_segment(
        self, context: Context, segment: dict[str, Any], filters: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        driver = self.driver(segment.get("network_type"))
        return driver.reserve_provider_segment(context, segment, filters)

    def allocate_tenant_segment(self, context: Context, filters: dict[str, Any]) -> dict[str, Any]:
        """Try ``project_network_types`` in order; NoNetworkAvailable when all are exhausted."""
        for network_type in self.project_network_types:
            segment = self.drivers[network_type].allocate_tenant_segment(context, filters)
            if segment is not None:
                return segment
        raise NoNetworkAvailable()

    def release_segment(self, context: Context, segment: dict[str, Any]) -> None:
        """Give a segment's ID back, through its driver if loaded.

        A segment whose type is no longer in ``[ml2] type_drivers`` still has
        its allocation row deleted, so removing a type from the
        configuration never strands IDs.
        """
        driver = self.drivers.get(segment["network_type"])
        if driver is not None:
            driver.release_segment(context, segment)
            return
        assert context.session is not None
        allocator.release(
            context.session,
            segment["network_type"],
            segment.get("physical_network") or pools.NO_PHYSNET,
            segment.get("segmentation_id") or pools.NO_ID,
        )

    def max_mtu(self, segments: list[dict[str, Any]], default: int) -> int:
        """The largest MTU every segment can carry (``default`` when none knows)."""
        mtus = []
        for segment in segments:
            driver = self.drivers.get(segment["network_type"])
            if driver is None:
                continue
            mtu = driver.get_mtu(segment.get("physical_network"))
            if mtu > 0:
                mtus.append(mtu)
        return min(mtus) if mtus else default
