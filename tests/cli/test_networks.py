"""``ml2core network list|show|create|delete``."""

from __future__ import annotations

from tests.cli.conftest import Run, one_line_error


def test_create_project_network_allocates_a_vni_from_the_range(cli: Run) -> None:
    result = cli("network", "create", "net1", "-f", "json")
    assert result.code == 0, result.err
    net = result.json()
    assert net["name"] == "net1"
    assert net["provider:network_type"] == "vxlan"
    assert 1000 <= net["provider:segmentation_id"] <= 1009
    assert net["mtu"] == 1450


def test_create_provider_vlan_network_with_options(cli: Run) -> None:
    result = cli(
        "network",
        "create",
        "prov",
        "--provider-network-type",
        "vlan",
        "--provider-physical-network",
        "physnet1",
        "--provider-segment",
        "42",
        "--share",
        "--mtu",
        "1400",
        "--project",
        "p1",
        "-f",
        "json",
    )
    assert result.code == 0, result.err
    net = result.json()
    assert (net["provider:network_type"], net["provider:physical_network"]) == ("vlan", "physnet1")
    assert net["provider:segmentation_id"] == 42
    assert (net["shared"], net["mtu"], net["project_id"]) == (True, 1400, "p1")


def test_list_shows_segments_and_parses_as_json(cli: Run) -> None:
    cli("network", "create", "a")
    cli("network", "create", "b", "--provider-network-type", "flat", "--provider-physical-network", "public")
    table = cli("network", "list")
    assert table.code == 0
    assert "| Name" in table.out and "flat" in table.out and "public" in table.out
    rows = cli("network", "list", "-f", "json").json()
    assert [r["Name"] for r in rows] == ["a", "b"]
    assert rows[1]["Type"] == ["flat"] and rows[1]["Physical Network"] == ["public"]


def test_list_column_selection_and_value_format(cli: Run) -> None:
    cli("network", "create", "a")
    assert cli("network", "list", "-c", "Name", "-c", "MTU", "-f", "value").out == "a 1450\n"


def test_list_filters_by_name(cli: Run) -> None:
    cli("network", "create", "a")
    cli("network", "create", "b")
    rows = cli("network", "list", "--name", "b", "-f", "json").json()
    assert [r["Name"] for r in rows] == ["b"]


def test_show_by_name_and_by_id(cli: Run) -> None:
    net = cli("network", "create", "net1", "-f", "json").json()
    by_name = cli("network", "show", "net1", "-f", "json").json()
    by_id = cli("network", "show", net["id"], "-f", "yaml")
    assert by_name["id"] == net["id"]
    assert by_id.code == 0 and "name: net1" in by_id.out and net["id"] in by_id.out


def test_show_selects_fields(cli: Run) -> None:
    cli("network", "create", "net1")
    assert cli("network", "show", "net1", "-c", "name", "-c", "provider:network_type", "-f", "value").out == (
        "net1\nvxlan\n"
    )


def test_unknown_network_fails_in_one_line(cli: Run) -> None:
    result = cli("network", "show", "nope")
    assert result.code == 1
    assert one_line_error(result) == "ml2core: error: No network with a name or ID of 'nope' exists."


def test_ambiguous_name_asks_for_the_id(cli: Run) -> None:
    cli("network", "create", "twin")
    cli("network", "create", "twin")
    result = cli("network", "show", "twin")
    assert result.code == 1
    assert "More than one network exists with the name 'twin'" in one_line_error(result)


def test_invalid_provider_attributes_report_the_ml2core_message(cli: Run) -> None:
    result = cli(
        "network",
        "create",
        "bad",
        "--provider-network-type",
        "vlan",
        "--provider-physical-network",
        "physnet1",
        "--provider-segment",
        "5000",
    )
    assert result.code == 1
    line = one_line_error(result)
    assert "segmentation_id" in line or "5000" in line


def test_vlan_id_in_use_is_a_conflict(cli: Run) -> None:
    args = (
        "--provider-network-type",
        "vlan",
        "--provider-physical-network",
        "physnet1",
        "--provider-segment",
        "7",
    )
    assert cli("network", "create", "first", *args).code == 0
    result = cli("network", "create", "second", *args)
    assert result.code == 1
    assert "7" in one_line_error(result)


def test_non_numeric_segment_is_a_usage_error(cli: Run) -> None:
    result = cli("network", "create", "x", "--provider-segment", "abc")
    assert result.code == 2
    assert "--provider-segment" in one_line_error(result)


def test_delete_several_and_resolve_all_first(cli: Run) -> None:
    cli("network", "create", "a")
    cli("network", "create", "b")
    failed = cli("network", "delete", "a", "nope")
    assert failed.code == 1
    assert [r["Name"] for r in cli("network", "list", "-f", "json").json()] == ["a", "b"]
    done = cli("network", "delete", "a", "b")
    assert done.code == 0 and done.out.count("Deleted network") == 2
    assert cli("network", "list", "-f", "json").json() == []
