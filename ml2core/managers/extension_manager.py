"""Calling extension drivers."""

from __future__ import annotations

from typing import Any

import sqlalchemy.exc as sa_exc
from oslo_config import cfg

from ml2core.api.extension_driver import ExtensionDriver
from ml2core.config import Settings
from ml2core.context import Context
from ml2core.db.errors import is_retryable
from ml2core.exceptions import ExtensionDriverError, Ml2CoreError
from ml2core.managers import loader


class ExtensionManager:
    """Loads ``[ml2] extension_drivers``; ``process_*`` inside the transaction, ``extend_*`` on reads."""

    def __init__(self, conf: cfg.ConfigOpts, settings: Settings) -> None:
        self.drivers: list[ExtensionDriver] = [
            loader.load(loader.EXTENSION_DRIVERS, name, conf, ExtensionDriver)  # type: ignore[type-abstract]
            for name in settings.extension_drivers
        ]

    def initialize(self) -> None:
        for driver in self.drivers:
            loader.initialize(loader.EXTENSION_DRIVERS, driver.name, driver)

    @property
    def aliases(self) -> list[str]:
        return [d.extension_alias for d in self.drivers if d.extension_alias]

    def attributes(self, resource: str) -> set[str]:
        """Request attributes of ``resource`` that extension drivers accept."""
        names: set[str] = set()
        for driver in self.drivers:
            names.update(driver.extended_attributes(resource))
        return names

    def _call(self, method: str, *args: Any) -> None:
        for driver in self.drivers:
            try:
                getattr(driver, method)(*args)
            except Ml2CoreError:
                raise
            except sa_exc.SQLAlchemyError as exc:
                if is_retryable(exc):
                    raise
                raise ExtensionDriverError(driver=driver.name, method=method, reason=str(exc)) from exc
            except Exception as exc:
                raise ExtensionDriverError(
                    driver=driver.name, method=method, reason=f"{type(exc).__name__}: {exc}"
                ) from exc

    def process(
        self, action: str, resource: str, context: Context, data: dict[str, Any], result: dict[str, Any]
    ) -> None:
        """``process_{create,update}_{resource}`` on every driver (inside the transaction)."""
        self._call(f"process_{action}_{resource}", context, data, result)

    def extend(self, resource: str, context: Context, result: dict[str, Any]) -> None:
        """``extend_{resource}_dict`` on every driver."""
        if self.drivers:
            self._call(f"extend_{resource}_dict", context, result)
