"""Drivers come from entry points; bad names and broken drivers raise named errors."""

from __future__ import annotations

import os

import pytest

from ml2core import Ml2Plugin
from ml2core.exceptions import ConfigError, DriverLoadError, DriverNotFound
from ml2core.testing.config import make_conf


def _plugin(tmp_path: os.PathLike[str], **groups: dict[str, object]) -> Ml2Plugin:
    return Ml2Plugin(make_conf(**groups), db_url=f"sqlite:///{tmp_path}/db.sqlite")


def test_unknown_type_driver_names_it_and_lists_installed(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(DriverNotFound) as info:
        _plugin(tmp_path, ml2={"type_drivers": ["vlan", "nosuch"], "project_network_types": []})
    message = str(info.value)
    assert "'nosuch'" in message
    assert "vlan" in message and "vxlan" in message and "geneve" in message


def test_unknown_mechanism_driver_raises_before_database_is_touched(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(DriverNotFound, match="'nosuch'"):
        _plugin(tmp_path, ml2={"mechanism_drivers": ["nosuch"]})
    assert not os.path.exists(os.path.join(tmp_path, "db.sqlite"))


def test_driver_that_fails_to_import_is_a_load_error(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(DriverLoadError) as info:
        _plugin(tmp_path, ml2={"type_drivers": ["broken_import"], "project_network_types": []})
    assert "broken_import" in str(info.value)
    assert info.value.__cause__ is not None


def test_driver_that_fails_to_initialize_is_a_load_error(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(DriverLoadError, match="cannot reach the controller"):
        _plugin(tmp_path, ml2={"type_drivers": ["broken_init"], "project_network_types": []})


def test_bad_range_raises_config_error_before_database_is_touched(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(ConfigError) as info:
        _plugin(tmp_path, ml2_type_vxlan={"vni_ranges": ["10:5"]})
    assert info.value.field == "[ml2_type_vxlan] vni_ranges"
    assert not os.path.exists(os.path.join(tmp_path, "db.sqlite"))


def test_drivers_get_conf_and_name_before_initialize(tmp_path: os.PathLike[str]) -> None:
    plugin = _plugin(
        tmp_path,
        ml2={"type_drivers": ["test_type", "local"], "mechanism_drivers": ["logger"]},
        ml2_type_test={"ranges": ["5:6"]},
    )
    try:
        test_type = plugin._core.types.drivers["test_type"]
        assert test_type.conf is plugin.conf
        assert test_type.configured_ranges() == {"": [__import__("ml2core.api").api.IdRange(5, 6)]}
        mech = plugin._core.mechanisms.drivers[0]
        assert mech.name == "logger"
        assert mech.conf is plugin.conf
    finally:
        plugin.close()


def test_type_drivers_load_in_configured_order(tmp_path: os.PathLike[str]) -> None:
    plugin = _plugin(tmp_path, ml2={"type_drivers": ["vxlan", "flat", "vlan"], "project_network_types": []})
    try:
        assert list(plugin._core.types.drivers) == ["vxlan", "flat", "vlan"]
    finally:
        plugin.close()
