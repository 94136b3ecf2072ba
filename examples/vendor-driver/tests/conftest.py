"""Configure the ``ml2core_plugin`` fixture (from ml2core's pytest plugin) for this package's drivers."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def ml2core_mechanism_drivers() -> list[str]:
    """The switch binds the VXLAN level, Open vSwitch the VLAN below it."""
    return ["example_tor", "openvswitch"]


@pytest.fixture
def ml2core_config() -> dict[str, dict[str, Any]]:
    """Project networks are VXLAN; dynamic VLANs come from physnet1:100:199 (the default ranges)."""
    return {"ml2": {"type_drivers": ["vxlan", "vlan", "example_label"]}}
