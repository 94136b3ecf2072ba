"""Type drivers built the way the plugin builds them: by entry-point name, conf set, initialized."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ml2core.api import TypeDriver
from ml2core.managers import loader
from ml2core.testing.config import make_conf

TypeDriverFactory = Callable[..., TypeDriver]


def load_type_driver(name: str, **groups: dict[str, Any]) -> TypeDriver:
    """The ``ml2core.type_drivers`` entry point ``name``, on a fresh conf holding ``groups``."""
    driver = loader.load(loader.TYPE_DRIVERS, name, make_conf(**groups), TypeDriver)  # type: ignore[type-abstract]
    loader.initialize(loader.TYPE_DRIVERS, name, driver)
    return driver


@pytest.fixture
def make_type_driver() -> TypeDriverFactory:
    """``make_type_driver("vlan", ml2_type_vlan={"network_vlan_ranges": [...]})``."""
    return load_type_driver
