"""``ml2core subnet list|show|create|delete``."""

from __future__ import annotations

from tests.cli.conftest import Run, one_line_error


def test_create_with_allocation_pools_and_gateway(cli: Run) -> None:
    cli("network", "create", "net1")
    result = cli(
        "subnet",
        "create",
        "s1",
        "--network",
        "net1",
        "--subnet-range",
        "10.0.0.0/24",
        "--gateway",
        "10.0.0.254",
        "--allocation-pool",
        "start=10.0.0.10,end=10.0.0.20",
        "--allocation-pool",
        "start=10.0.0.30,end=10.0.0.40",
        "-f",
        "json",
    )
    assert result.code == 0, result.err
    subnet = result.json()
    assert subnet["gateway_ip"] == "10.0.0.254"
    assert subnet["allocation_pools"] == [
        {"start": "10.0.0.10", "end": "10.0.0.20"},
        {"start": "10.0.0.30", "end": "10.0.0.40"},
    ]


def test_ipv6_subnet_with_address_mode_and_no_gateway(cli: Run) -> None:
    cli("network", "create", "net1")
    subnet = cli(
        "subnet",
        "create",
        "v6",
        "--network",
        "net1",
        "--subnet-range",
        "2001:db8::/64",
        "--ip-version",
        "6",
        "--ipv6-address-mode",
        "slaac",
        "--gateway",
        "none",
        "-f",
        "json",
    ).json()
    assert (subnet["ip_version"], subnet["ipv6_address_mode"], subnet["gateway_ip"]) == (6, "slaac", None)


def test_malformed_allocation_pool_is_a_usage_error(cli: Run) -> None:
    cli("network", "create", "net1")
    for bad in ("10.0.0.10-10.0.0.20", "start=10.0.0.10", "start=1,end=2,step=3"):
        result = cli(
            "subnet",
            "create",
            "s",
            "--network",
            "net1",
            "--subnet-range",
            "10.0.0.0/24",
            "--allocation-pool",
            bad,
        )
        assert result.code == 2, bad
        assert "--allocation-pool" in one_line_error(result)


def test_pool_outside_the_cidr_is_rejected_by_ml2core(cli: Run) -> None:
    cli("network", "create", "net1")
    result = cli(
        "subnet",
        "create",
        "s",
        "--network",
        "net1",
        "--subnet-range",
        "10.0.0.0/24",
        "--allocation-pool",
        "start=10.9.0.1,end=10.9.0.5",
    )
    assert result.code == 1
    assert "allocation_pools" in one_line_error(result)


def test_unknown_network_fails_in_one_line(cli: Run) -> None:
    result = cli("subnet", "create", "s", "--network", "ghost", "--subnet-range", "10.0.0.0/24")
    assert result.code == 1
    assert "No network with a name or ID of 'ghost'" in one_line_error(result)


def test_missing_required_option_is_a_usage_error(cli: Run) -> None:
    result = cli("subnet", "create", "s", "--network", "net1")
    assert result.code == 2
    assert "--subnet-range" in one_line_error(result)


def test_list_show_and_delete(cli: Run) -> None:
    cli("network", "create", "net1")
    cli("network", "create", "net2")
    cli("subnet", "create", "s1", "--network", "net1", "--subnet-range", "10.0.0.0/24")
    cli("subnet", "create", "s2", "--network", "net2", "--subnet-range", "10.1.0.0/24")
    rows = cli("subnet", "list", "--network", "net2", "-f", "json").json()
    assert [(r["Name"], r["Subnet"]) for r in rows] == [("s2", "10.1.0.0/24")]
    shown = cli("subnet", "show", "s1")
    assert shown.code == 0 and "10.0.0.2-10.0.0.254" in shown.out
    assert cli("subnet", "delete", "s1").code == 0
    assert [r["Name"] for r in cli("subnet", "list", "-f", "json").json()] == ["s2"]
