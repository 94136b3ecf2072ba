"""Segment MTUs exactly as Neutron's type drivers compute them.

Flat and VLAN: the smaller of ``[DEFAULT] global_physnet_mtu`` and the
physnet's ``[ml2] physical_network_mtus`` entry. Tunnels: the smaller of
``global_physnet_mtu`` and ``[ml2] path_mtu`` (0 = unset), less the outer IP
header (``overlay_ip_version`` 4: 20, 6: 40), less the encapsulation (VXLAN 30,
GRE 22, Geneve ``max_header_size``). Local: 0 (no limit of its own). Every
expected value is worked out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.type_drivers.conftest import TypeDriverFactory

VLAN = {"network_vlan_ranges": ["physnet1:100:199", "physnet2"]}


def mtu(make: TypeDriverFactory, name: str, physnet: str | None = None, **groups: Any) -> int:
    return make(name, **groups).get_mtu(physnet)


# -- VLAN and flat -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["vlan", "flat"])
def test_physnet_type_gets_global_physnet_mtu_by_default(
    make_type_driver: TypeDriverFactory, name: str
) -> None:
    assert mtu(make_type_driver, name, "physnet1", ml2_type_vlan=VLAN) == 1500


@pytest.mark.parametrize("name", ["vlan", "flat"])
def test_physnet_type_follows_global_physnet_mtu(make_type_driver: TypeDriverFactory, name: str) -> None:
    assert (
        mtu(make_type_driver, name, "physnet1", ml2_type_vlan=VLAN, DEFAULT={"global_physnet_mtu": 9000})
        == 9000
    )


@pytest.mark.parametrize("name", ["vlan", "flat"])
def test_smaller_physical_network_mtu_wins(make_type_driver: TypeDriverFactory, name: str) -> None:
    value = mtu(
        make_type_driver,
        name,
        "physnet1",
        ml2_type_vlan=VLAN,
        ml2={"physical_network_mtus": ["physnet1:1400"]},
    )
    assert value == 1400


@pytest.mark.parametrize("name", ["vlan", "flat"])
def test_larger_physical_network_mtu_is_capped_by_global(
    make_type_driver: TypeDriverFactory, name: str
) -> None:
    value = mtu(
        make_type_driver,
        name,
        "physnet1",
        ml2_type_vlan=VLAN,
        ml2={"physical_network_mtus": ["physnet1:9000"]},
    )
    assert value == 1500


@pytest.mark.parametrize("name", ["vlan", "flat"])
def test_physical_network_mtu_applies_to_its_physnet_only(
    make_type_driver: TypeDriverFactory, name: str
) -> None:
    value = mtu(
        make_type_driver,
        name,
        "physnet2",
        ml2_type_vlan=VLAN,
        ml2={"physical_network_mtus": ["physnet1:1400"]},
    )
    assert value == 1500


@pytest.mark.parametrize("name", ["vlan", "flat"])
def test_physnet_type_ignores_path_mtu(make_type_driver: TypeDriverFactory, name: str) -> None:
    assert mtu(make_type_driver, name, "physnet1", ml2_type_vlan=VLAN, ml2={"path_mtu": 1300}) == 1500


@pytest.mark.parametrize("name", ["vlan", "flat"])
def test_physnet_type_ignores_overlay_ip_version(make_type_driver: TypeDriverFactory, name: str) -> None:
    assert mtu(make_type_driver, name, "physnet1", ml2_type_vlan=VLAN, ml2={"overlay_ip_version": 6}) == 1500


# -- tunnels -------------------------------------------------------------------------------
def test_vxlan_mtu_is_global_less_ipv4_and_vxlan_headers(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "vxlan") == 1500 - 20 - 30  # 1450


def test_vxlan_mtu_over_ipv6_underlay(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "vxlan", ml2={"overlay_ip_version": 6}) == 1500 - 40 - 30  # 1430


def test_vxlan_mtu_uses_smaller_path_mtu(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "vxlan", ml2={"path_mtu": 1400}) == 1400 - 20 - 30  # 1350


def test_vxlan_mtu_ignores_larger_path_mtu(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "vxlan", ml2={"path_mtu": 9000}) == 1500 - 20 - 30  # 1450


def test_vxlan_mtu_on_jumbo_underlay(make_type_driver: TypeDriverFactory) -> None:
    value = mtu(make_type_driver, "vxlan", DEFAULT={"global_physnet_mtu": 9000}, ml2={"path_mtu": 9000})
    assert value == 9000 - 20 - 30  # 8950


def test_vxlan_mtu_ignores_physical_network_mtus(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "vxlan", ml2={"physical_network_mtus": ["physnet1:1000"]}) == 1450


def test_gre_mtu_is_global_less_ipv4_and_gre_headers(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "gre") == 1500 - 20 - 22  # 1458


def test_gre_mtu_over_ipv6_with_path_mtu(make_type_driver: TypeDriverFactory) -> None:
    value = mtu(make_type_driver, "gre", ml2={"overlay_ip_version": 6, "path_mtu": 1480})
    assert value == 1480 - 40 - 22  # 1418


def test_geneve_mtu_uses_default_max_header_size(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "geneve") == 1500 - 20 - 30  # 1450


def test_geneve_mtu_uses_configured_max_header_size(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "geneve", ml2_type_geneve={"max_header_size": 38}) == 1500 - 20 - 38  # 1442


def test_geneve_mtu_over_ipv6_with_path_mtu(make_type_driver: TypeDriverFactory) -> None:
    value = mtu(
        make_type_driver,
        "geneve",
        ml2={"overlay_ip_version": 6, "path_mtu": 9000},
        DEFAULT={"global_physnet_mtu": 9000},
        ml2_type_geneve={"max_header_size": 50},
    )
    assert value == 9000 - 40 - 50  # 8910


# -- local and vendor types ----------------------------------------------------------------
def test_local_mtu_is_unknown(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "local", DEFAULT={"global_physnet_mtu": 9000}) == 0


def test_vendor_type_mtu_comes_from_its_overhead(make_type_driver: TypeDriverFactory) -> None:
    assert mtu(make_type_driver, "test_type") == 1500 - 20 - 8  # 1472


def test_vendor_type_mtu_follows_path_mtu_and_ip_version(make_type_driver: TypeDriverFactory) -> None:
    assert (
        mtu(make_type_driver, "test_type", ml2={"path_mtu": 1400, "overlay_ip_version": 6}) == 1400 - 40 - 8
    )
