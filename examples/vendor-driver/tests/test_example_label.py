"""The label network type: its options, its MTU, its networks in a real plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml2core import Context
from ml2core.exceptions import ConfigError, Conflict
from ml2core.testing import load_type_driver, plugin_conf, plugin_on_sqlite

LABEL = ["example_label"]


def test_mtu_leaves_room_for_the_ip_header_and_the_label() -> None:
    ipv4 = plugin_conf(type_drivers=LABEL, project_network_types=LABEL)
    ipv6 = plugin_conf(type_drivers=LABEL, project_network_types=LABEL, ml2={"overlay_ip_version": 6})

    assert load_type_driver("example_label", ipv4).get_mtu() == 1500 - 20 - 12
    assert load_type_driver("example_label", ipv6).get_mtu() == 1500 - 40 - 12


def test_a_label_range_below_16_fails_at_plugin_start(tmp_path: Path) -> None:
    with (
        pytest.raises(ConfigError, match=r"\[ml2_type_example_label\] label_ranges"),
        plugin_on_sqlite(
            tmp_path,
            type_drivers=LABEL,
            project_network_types=LABEL,
            ml2_type_example_label={"label_ranges": ["5:20"]},
        ),
    ):
        pass


def test_project_networks_get_labels_from_the_ranges(tmp_path: Path) -> None:
    with plugin_on_sqlite(
        tmp_path,
        type_drivers=LABEL,
        project_network_types=LABEL,
        ml2_type_example_label={"label_ranges": ["40:41"]},
    ) as plugin:
        ctx = Context.admin()
        labels = {plugin.create_network(ctx, {"name": n})["provider:segmentation_id"] for n in ("a", "b")}
    assert labels == {40, 41}


def test_a_provider_label_outside_the_ranges_is_allowed_once(tmp_path: Path) -> None:
    body = {"name": "p", "provider:network_type": "example_label", "provider:segmentation_id": 500000}
    with plugin_on_sqlite(tmp_path, type_drivers=LABEL, project_network_types=LABEL) as plugin:
        network = plugin.create_network(Context.admin(), dict(body))
        with pytest.raises(Conflict):
            plugin.create_network(Context.admin(), dict(body))
    assert network["mtu"] == 1468
