"""What ``SegmentTypeDriver`` checks of a vendor subclass when it starts."""

from __future__ import annotations

import pytest

from ml2core.api import IdRange, SegmentTypeDriver
from ml2core.exceptions import ConfigError
from ml2core.testing.config import make_conf


class _NamedType(SegmentTypeDriver):
    network_type = "short"
    max_id = 10

    def load_ranges(self) -> dict[str, list[IdRange]]:
        return {"": [IdRange(1, 10)]}


def _started(network_type: str) -> SegmentTypeDriver:
    driver: SegmentTypeDriver = type("VendorType", (_NamedType,), {"network_type": network_type})()
    driver.conf = make_conf()
    driver.initialize()
    return driver


def test_type_name_of_32_characters_is_accepted() -> None:
    assert _started("t" * 32).get_type() == "t" * 32


def test_type_name_the_database_would_cut_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="1 to 32 characters") as info:
        _started("t" * 33)
    assert info.value.field == "[ml2] type_drivers"


def test_base_states_bounds_and_ranges_of_the_subclass() -> None:
    driver = _started("short")
    assert driver.segmentation_id_bounds() == (1, 10)
    assert driver.configured_ranges() == {"": [IdRange(1, 10)]}
    assert driver.uses_physical_networks() is False
