"""Finding and loading drivers by entry-point name (stevedore)."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any, TypeVar

import stevedore
from oslo_config import cfg

from ml2core.exceptions import DriverLoadError, DriverNotFound, Ml2CoreError

LOG = logging.getLogger(__name__)
T = TypeVar("T")

TYPE_DRIVERS = "ml2core.type_drivers"
MECHANISM_DRIVERS = "ml2core.mechanism_drivers"
EXTENSION_DRIVERS = "ml2core.extension_drivers"


def installed(namespace: str) -> list[str]:
    """Entry-point names installed in ``namespace``, sorted."""
    return sorted({ep.name for ep in entry_points(group=namespace)})


def load(namespace: str, name: str, conf: cfg.ConfigOpts, expected: type[T]) -> T:
    """Import and instantiate driver ``name``; set ``conf`` and ``name`` on it.

    Does not call ``initialize()``. Raises DriverNotFound (naming what is
    installed) or DriverLoadError (with the cause).
    """
    available = installed(namespace)
    if name not in available:
        raise DriverNotFound(namespace=namespace, name=name, available=", ".join(available) or "none")
    failures: list[BaseException] = []

    def _failed(_mgr: Any, _ep: Any, exc: BaseException) -> None:
        failures.append(exc)

    manager = stevedore.NamedExtensionManager(
        namespace,
        names=[name],
        invoke_on_load=True,
        on_load_failure_callback=_failed,
        name_order=True,
    )
    if failures or name not in manager.names():
        cause = failures[0] if failures else None
        reason = f"{type(cause).__name__}: {cause}" if cause else "the entry point did not load"
        raise DriverLoadError(namespace=namespace, name=name, reason=reason) from cause
    driver = manager[name].obj
    if not isinstance(driver, expected):
        raise DriverLoadError(
            namespace=namespace,
            name=name,
            reason=f"{type(driver).__name__} is not a {expected.__name__}",
        )
    driver.conf = conf  # type: ignore[attr-defined]
    driver.name = name  # type: ignore[attr-defined]
    return driver


def initialize(namespace: str, name: str, driver: Any) -> None:
    """Call ``driver.initialize()``; wrap anything but ml2core errors in DriverLoadError."""
    try:
        driver.initialize()
    except Ml2CoreError:
        raise
    except Exception as exc:
        raise DriverLoadError(
            namespace=namespace, name=name, reason=f"initialize() failed: {type(exc).__name__}: {exc}"
        ) from exc
