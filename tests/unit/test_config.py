"""Parsing and validation of ml2core's options."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml2core import config
from ml2core.api import ranges
from ml2core.api.ranges import IdRange
from ml2core.exceptions import ConfigError
from ml2core.testing.config import make_conf


def test_bare_physnet_means_full_vlan_range() -> None:
    assert ranges.parse_network_vlan_ranges(["physnet1"]) == {"physnet1": [IdRange(1, 4094)]}


def test_vlan_ranges_keep_configured_order() -> None:
    parsed = ranges.parse_network_vlan_ranges(["zeta:10:20", "alpha:1:5", "zeta:30:40"])
    assert list(parsed) == ["zeta", "alpha"]
    assert parsed["zeta"] == [IdRange(10, 20), IdRange(30, 40)]


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("physnet1:100", "expected '<min>:<max>'"),
        ("physnet1:200:100", "below the start"),
        ("physnet1:0:10", "outside 1..4094"),
        ("physnet1:1:4095", "outside 1..4094"),
        (":1:10", "name is empty"),
        ("physnet1:a:10", "not a non-negative integer"),
        ("phys net:1:2", "whitespace"),
    ],
)
def test_bad_vlan_range_names_option_and_entry(entry: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        ranges.parse_network_vlan_ranges([entry])
    assert "[ml2_type_vlan] network_vlan_ranges" in str(info.value)
    assert repr(entry) in str(info.value)
    assert reason in str(info.value)


def test_tunnel_range_bounds_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"outside 1\.\.16777215"):
        ranges.parse_tunnel_ranges(
            ["1:16777216"], option="[ml2_type_vxlan] vni_ranges", bounds=(1, 2**24 - 1)
        )


def test_gre_full_32_bit_range_parses() -> None:
    assert ranges.parse_tunnel_ranges(
        ["1:4294967295"], option="[ml2_type_gre] tunnel_id_ranges", bounds=(1, 2**32 - 1)
    ) == [IdRange(1, 2**32 - 1)]


def test_physnet_mtus_parse_and_reject_garbage() -> None:
    assert ranges.parse_physnet_mtus(["physnet1:9000", "physnet2:1400"]) == {
        "physnet1": 9000,
        "physnet2": 1400,
    }
    with pytest.raises(ConfigError, match="physical_network_mtus"):
        ranges.parse_physnet_mtus(["physnet1"])
    with pytest.raises(ConfigError, match="MTU 'abc'"):
        ranges.parse_physnet_mtus(["physnet1:abc"])
    with pytest.raises(ConfigError, match="mapped twice"):
        ranges.parse_physnet_mtus(["p:1500", "p:1400"])


def test_flat_networks_wildcard_and_names() -> None:
    assert ranges.parse_flat_networks(["*"]) == (True, [])
    assert ranges.parse_flat_networks(["a", "b"]) == (False, ["a", "b"])
    assert ranges.parse_flat_networks([]) == (False, [])


def test_validate_rejects_project_type_not_loaded() -> None:
    conf = make_conf(ml2={"type_drivers": ["vlan"], "project_network_types": ["vxlan"]})
    with pytest.raises(ConfigError) as info:
        config.validate(conf)
    assert info.value.field == "[ml2] project_network_types"
    assert "vxlan" in str(info.value)


def test_tenant_network_types_is_a_deprecated_name() -> None:
    conf = make_conf(ml2={"tenant_network_types": ["vlan"]})
    assert conf.ml2.project_network_types == ["vlan"]


def test_validate_rejects_multicast_base_mac() -> None:
    with pytest.raises(ConfigError, match="base_mac"):
        config.validate(make_conf(DEFAULT={"base_mac": "fb:16:3e:00:00:00"}))


def test_list_opts_covers_contract_groups() -> None:
    groups = {group: {opt.name for opt in opts} for group, opts in config.list_opts()}
    assert {
        "type_drivers",
        "project_network_types",
        "mechanism_drivers",
        "extension_drivers",
        "path_mtu",
        "physical_network_mtus",
        "overlay_ip_version",
        "max_bind_tries",
    } <= groups["ml2"]
    assert groups["ml2_type_flat"] == {"flat_networks"}
    assert groups["ml2_type_vlan"] == {"network_vlan_ranges"}
    assert groups["ml2_type_vxlan"] == {"vni_ranges", "vxlan_group"}
    assert groups["ml2_type_gre"] == {"tunnel_id_ranges"}
    assert groups["ml2_type_geneve"] == {"vni_ranges", "max_header_size"}
    assert {"global_physnet_mtu", "agent_down_time", "base_mac"} <= groups["DEFAULT"]
    assert groups["database"] == {
        "connection",
        "auto_migrate",
        "max_retries",
        "lock_timeout",
        "statement_timeout",
    }


def test_defaults_match_neutron() -> None:
    conf = make_conf()
    assert conf.ml2.project_network_types == ["local"]
    assert conf.ml2.max_bind_tries == 10
    assert conf.ml2_type_flat.flat_networks == ["*"]
    assert conf.ml2_type_geneve.max_header_size == 30
    assert conf.global_physnet_mtu == 1500
    assert conf.agent_down_time == 75
    assert conf.base_mac == "fa:16:3e:00:00:00"
    assert conf.database.connection == "sqlite:///ml2core.sqlite"


_range_text = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda p, a, b, sep: f"{p}{sep}{a}:{b}",
        st.sampled_from(["physnet1", "", "p q", "x" * 70, "ph:ys"]),
        st.integers(-5, 5000) | st.text(max_size=4),
        st.integers(-5, 5000) | st.text(max_size=4),
        st.sampled_from([":", "", "::"]),
    ),
)


@given(st.lists(_range_text, max_size=4))
def test_random_vlan_range_strings_parse_or_raise_config_error(entries: list[str]) -> None:
    try:
        parsed = ranges.parse_network_vlan_ranges(entries)
    except ConfigError as exc:
        assert "network_vlan_ranges" in str(exc)
        return
    for physnet, items in parsed.items():
        assert physnet and len(physnet) <= 64
        for item in items:
            assert 1 <= item.minimum <= item.maximum <= 4094


@given(st.lists(st.text(max_size=25), max_size=4))
def test_random_tunnel_range_strings_parse_or_raise_config_error(entries: list[str]) -> None:
    try:
        parsed = ranges.parse_tunnel_ranges(
            entries, option="[ml2_type_gre] tunnel_id_ranges", bounds=(1, 2**32 - 1)
        )
    except ConfigError as exc:
        assert "tunnel_id_ranges" in str(exc)
        return
    for item in parsed:
        assert 1 <= item.minimum <= item.maximum <= 2**32 - 1
