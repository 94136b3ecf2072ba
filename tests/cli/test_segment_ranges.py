"""``ml2core segment-range list|show|create|delete``."""

from __future__ import annotations

from tests.cli.conftest import Run, one_line_error


def test_configured_ranges_are_listed_as_default(cli: Run) -> None:
    rows = cli("segment-range", "list", "-f", "json").json()
    found = {
        (r["Network Type"], r["Physical Network"], r["Minimum"], r["Maximum"], r["Default"]) for r in rows
    }
    assert ("vlan", "physnet1", 100, 109, True) in found
    assert ("vxlan", None, 1000, 1009, True) in found


def test_create_show_and_delete_a_range(cli: Run) -> None:
    created = cli(
        "segment-range",
        "create",
        "extra",
        "--network-type",
        "vxlan",
        "--minimum",
        "2000",
        "--maximum",
        "2009",
        "-f",
        "json",
    )
    assert created.code == 0, created.err
    item = created.json()
    assert (item["default"], item["shared"], item["available"]) == (False, True, [[2000, 2009]])
    shown = cli("segment-range", "show", "extra")
    assert "2000-2009" in shown.out
    assert cli("segment-range", "delete", "extra").code == 0
    assert (
        cli("segment-range", "list", "--network-type", "vxlan", "-f", "value", "-c", "Name").out.strip() == ""
    )


def test_private_range_needs_its_project(cli: Run) -> None:
    item = cli(
        "segment-range",
        "create",
        "mine",
        "--network-type",
        "gre",
        "--minimum",
        "50",
        "--maximum",
        "59",
        "--private",
        "--project",
        "p1",
        "-f",
        "json",
    ).json()
    assert (item["shared"], item["project_id"]) == (False, "p1")


def test_used_and_available_follow_allocations(cli: Run) -> None:
    cli("network", "create", "n", "--provider-network-type", "vxlan", "--provider-segment", "1003")
    rows = cli("segment-range", "list", "--network-type", "vxlan", "-f", "json").json()
    assert rows[0]["Used"] == {"1003": ""}
    assert rows[0]["Available"] == [[1000, 1002], [1004, 1009]]
    assert "1000-1002, 1004-1009" in cli("segment-range", "list", "--network-type", "vxlan").out


def test_configured_range_is_read_only(cli: Run) -> None:
    default_id = cli("segment-range", "list", "--network-type", "gre", "-f", "value", "-c", "ID").out.strip()
    result = cli("segment-range", "delete", default_id)
    assert result.code == 1
    assert "read-only" in one_line_error(result)


def test_bad_range_values(cli: Run) -> None:
    below = cli(
        "segment-range", "create", "r", "--network-type", "vxlan", "--minimum", "20", "--maximum", "10"
    )
    assert below.code == 1 and "maximum" in one_line_error(below)
    negative = cli(
        "segment-range", "create", "r", "--network-type", "vxlan", "--minimum", "-1", "--maximum", "10"
    )
    assert negative.code == 2
    unknown = cli("segment-range", "delete", "ghost")
    assert unknown.code == 1 and "No network segment range" in one_line_error(unknown)


def test_a_range_over_the_configured_one_is_accepted_with_a_warning(cli: Run) -> None:
    """As in Neutron it is accepted; the operator is told (issue 21)."""
    result = cli(
        "segment-range", "create", "over", "--network-type", "vxlan", "--minimum", "1005", "--maximum", "1020"
    )
    assert result.code == 0
    assert result.err.strip() == (
        "ml2core: warning: the range overlaps the configured range 1000-1009: "
        "its IDs there stay available to every project"
    )
    clear = cli(
        "segment-range",
        "create",
        "clear",
        "--network-type",
        "vxlan",
        "--minimum",
        "1100",
        "--maximum",
        "1120",
    )
    assert clear.code == 0 and clear.err == ""
