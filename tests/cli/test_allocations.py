"""``ml2core allocation list``: ranges, used, free, percentage and holders, dynamic segments included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ml2core import constants
from tests.cli.conftest import Cloud, Result, make_cloud, run_main

TOR_HOST = {
    "host": "compute3",
    "agent_type": constants.AGENT_TYPE_OVS,
    "configurations": {"bridge_mappings": {"physnet1": "br-vlan"}, "tunnel_types": []},
}


@pytest.fixture
def tor_cloud(tmp_path: Path) -> Cloud:
    """openvswitch then the test suite's top-of-rack driver ``tor`` (VXLAN over a dynamic VLAN)."""
    cloud = make_cloud(tmp_path, mechanisms="openvswitch,tor")
    cloud.report(TOR_HOST)
    return cloud


def _run(cloud: Cloud, *argv: str) -> Result:
    return run_main(*argv, "--config-file", str(cloud.conf_path))


def _rows(cloud: Cloud) -> dict[tuple[str, str | None], dict[str, Any]]:
    result = _run(cloud, "allocation", "list", "-f", "json")
    assert result.code == 0, result.err
    return {(r["Type"], r["Physical Network"]): r for r in result.json()}


def test_empty_cloud_shows_every_range_free(tor_cloud: Cloud) -> None:
    rows = _rows(tor_cloud)
    assert rows[("vlan", "physnet1")]["Ranges"] == [[100, 109]]
    assert rows[("vxlan", None)]["Size"] == 10
    assert all(r["Used"] == 0 and r["Free"] == r["Size"] for r in rows.values())
    assert rows[("flat", "public")]["Ranges"] is None  # a flat network has no IDs to range over


def test_counts_percentages_and_holders(tor_cloud: Cloud) -> None:
    _run(tor_cloud, "network", "create", "blue")
    _run(tor_cloud, "network", "create", "green", "--provider-network-type", "gre")
    rows = _rows(tor_cloud)
    vxlan = rows[("vxlan", None)]
    assert (vxlan["Used"], vxlan["Free"], vxlan["Used %"]) == (1, 9, 10.0)
    assert [u["network"] for u in vxlan["In Use"]] == ["blue"]
    assert [u["network"] for u in rows[("gre", None)]["In Use"]] == ["green"]


def test_dynamic_segment_of_a_hierarchical_binding_is_attributed_to_its_network(tor_cloud: Cloud) -> None:
    _run(tor_cloud, "network", "create", "blue")
    port = _run(
        tor_cloud, "port", "create", "p1", "--network", "blue", "--host", "compute3", "-f", "json"
    ).json()
    assert port["binding:vif_type"] == "ovs"
    vlan = _rows(tor_cloud)[("vlan", "physnet1")]
    assert vlan["Used"] == 1
    (holder,) = vlan["In Use"]
    assert (holder["network"], holder["dynamic"], holder["in_range"]) == ("blue", True, True)
    table = _run(tor_cloud, "allocation", "list").out
    assert "blue (dynamic)" in table
    _run(tor_cloud, "port", "delete", "p1")
    assert _rows(tor_cloud)[("vlan", "physnet1")]["Used"] == 0


def test_provider_id_outside_the_ranges_is_listed_but_not_counted(tor_cloud: Cloud) -> None:
    _run(
        tor_cloud,
        "network",
        "create",
        "prov",
        "--provider-network-type",
        "vlan",
        "--provider-physical-network",
        "physnet1",
        "--provider-segment",
        "42",
    )
    vlan = _rows(tor_cloud)[("vlan", "physnet1")]
    assert vlan["Used"] == 0
    assert vlan["In Use"] == [
        {
            "segmentation_id": 42,
            "network_id": vlan["In Use"][0]["network_id"],
            "network": "prov",
            "dynamic": False,
            "in_range": False,
        }
    ]
    assert "42: prov (outside the ranges)" in _run(tor_cloud, "allocation", "list").out


def test_flat_physnet_in_use(tor_cloud: Cloud) -> None:
    _run(
        tor_cloud,
        "network",
        "create",
        "pub",
        "--provider-network-type",
        "flat",
        "--provider-physical-network",
        "public",
    )
    flat = _rows(tor_cloud)[("flat", "public")]
    assert (flat["Used"], flat["Free"], flat["In Use"][0]["network"]) == (1, 0, "pub")
    assert flat["In Use"][0]["in_range"] is None and flat["In Use"][0]["segmentation_id"] is None


def test_filters(tor_cloud: Cloud) -> None:
    result = _run(tor_cloud, "allocation", "list", "--network-type", "vlan", "-f", "json")
    assert [r["Type"] for r in result.json()] == ["vlan"]
