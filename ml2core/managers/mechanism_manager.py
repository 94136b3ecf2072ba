"""Calling mechanism drivers in order, with Neutron's failure semantics."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc as sa_exc
from oslo_config import cfg

from ml2core.api.mechanism_driver import MechanismDriver
from ml2core.config import Settings
from ml2core.db.errors import is_retryable
from ml2core.exceptions import MechanismDriverError
from ml2core.managers import loader

LOG = logging.getLogger(__name__)


class MechanismManager:
    """Loads ``[ml2] mechanism_drivers`` and calls their hooks.

    Precommit hooks stop at the first failure (the transaction rolls back);
    postcommit hooks call every driver and report all failures.
    ``delete_port_*`` hooks run in reverse driver order.
    """

    def __init__(self, conf: cfg.ConfigOpts, settings: Settings) -> None:
        self.drivers: list[MechanismDriver] = [
            loader.load(loader.MECHANISM_DRIVERS, name, conf, MechanismDriver)  # type: ignore[type-abstract]
            for name in settings.mechanism_drivers
        ]

    def initialize(self) -> None:
        for driver in self.drivers:
            loader.initialize(loader.MECHANISM_DRIVERS, driver.name, driver)

    def by_name(self, name: str) -> MechanismDriver | None:
        return next((d for d in self.drivers if d.name == name), None)

    def _ordered(self, method: str) -> list[MechanismDriver]:
        return list(reversed(self.drivers)) if method.startswith("delete_port") else self.drivers

    def precommit(self, method: str, context: Any) -> None:
        """Call ``method`` on every driver inside the transaction; raise on the first failure.

        Retryable database errors pass through unchanged so the whole
        operation is retried.
        """
        for driver in self._ordered(method):
            try:
                getattr(driver, method)(context)
            except sa_exc.SQLAlchemyError as exc:
                if is_retryable(exc):
                    raise
                raise MechanismDriverError(
                    method=method, errors=[(driver.name, exc)], committed=False
                ) from exc
            except Exception as exc:
                LOG.info("mechanism driver %s failed in %s: %s", driver.name, method, exc)
                raise MechanismDriverError(
                    method=method, errors=[(driver.name, exc)], committed=False
                ) from exc

    def postcommit(self, method: str, context: Any) -> list[tuple[str, BaseException]]:
        """Call ``method`` on every driver after commit; return the failures (logged)."""
        errors: list[tuple[str, BaseException]] = []
        for driver in self._ordered(method):
            try:
                getattr(driver, method)(context)
            except Exception as exc:
                LOG.error("mechanism driver %s failed in %s: %s", driver.name, method, exc, exc_info=True)
                errors.append((driver.name, exc))
        return errors
