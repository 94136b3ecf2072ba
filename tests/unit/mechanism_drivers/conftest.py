"""Building mechanism drivers the way the plugin does: conf and name set, then initialize()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from ml2core.api import MechanismDriver
from ml2core.testing.config import make_conf

D = TypeVar("D", bound=MechanismDriver)

DriverFactory = Callable[..., Any]


def load_driver(cls: type[D], name: str, **groups: dict[str, Any]) -> D:
    """``cls()`` with a fresh conf holding ``groups``, named ``name``, initialized."""
    driver = cls()
    driver.conf = make_conf(**groups)
    driver.name = name
    driver.initialize()
    return driver


@pytest.fixture
def make_driver() -> DriverFactory:
    """``make_driver(OpenvswitchMechanismDriver, "openvswitch", OVS_DRIVER={...})``."""
    return load_driver
