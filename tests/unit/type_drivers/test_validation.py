"""Provider segment validation of every in-tree type driver, with Neutron's messages.

Each test checks one message (``reason``) and the field it names. The
messages are Neutron's (``neutron/plugins/ml2/drivers/type_*.py``), with the
type's display name where Neutron prints it; ID bounds are checked for
tunnels too (Neutron checks only VLAN tags).
"""

from __future__ import annotations

from typing import Any

import pytest

from ml2core.api import TypeDriver
from ml2core.exceptions import InvalidInput
from tests.unit.type_drivers.conftest import TypeDriverFactory

VLAN_CONF = {"network_vlan_ranges": ["physnet1:100:199", "physnet2"]}


def rejection(driver: TypeDriver, segment: dict[str, Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        driver.validate_provider_segment(segment)
    return info.value


def seg(network_type: str, physnet: str | None = None, seg_id: int | None = None) -> dict[str, Any]:
    return {"network_type": network_type, "physical_network": physnet, "segmentation_id": seg_id}


@pytest.fixture
def vlan(make_type_driver: TypeDriverFactory) -> TypeDriver:
    return make_type_driver("vlan", ml2_type_vlan=VLAN_CONF)


# -- VLAN ------------------------------------------------------------------------------
def test_vlan_unknown_physnet_is_refused(vlan: TypeDriver) -> None:
    exc = rejection(vlan, seg("vlan", "physnet9", 100))
    assert exc.kwargs["reason"] == "physical_network 'physnet9' unknown for VLAN provider network"
    assert exc.field == "provider:physical_network"


def test_vlan_unknown_physnet_without_id_is_refused(vlan: TypeDriver) -> None:
    exc = rejection(vlan, seg("vlan", "physnet9"))
    assert exc.kwargs["reason"] == "physical_network 'physnet9' unknown for VLAN provider network"


@pytest.mark.parametrize("seg_id", [0, 4095, -1, 2**32])
def test_vlan_id_out_of_range_is_refused(vlan: TypeDriver, seg_id: int) -> None:
    exc = rejection(vlan, seg("vlan", "physnet1", seg_id))
    assert exc.kwargs["reason"] == "segmentation_id out of range (1 through 4094)"
    assert exc.field == "provider:segmentation_id"


@pytest.mark.parametrize("seg_id", [1, 4094])
def test_vlan_id_bounds_are_inclusive(vlan: TypeDriver, seg_id: int) -> None:
    vlan.validate_provider_segment(seg("vlan", "physnet1", seg_id))


def test_vlan_id_outside_configured_range_is_valid(vlan: TypeDriver) -> None:
    vlan.validate_provider_segment(seg("vlan", "physnet1", 3000))


def test_vlan_id_without_physnet_is_refused(vlan: TypeDriver) -> None:
    exc = rejection(vlan, seg("vlan", None, 100))
    assert exc.kwargs["reason"] == "segmentation_id requires physical_network for VLAN provider network"
    assert exc.field == "provider:physical_network"


def test_vlan_bare_physnet_entry_is_known(vlan: TypeDriver) -> None:
    vlan.validate_provider_segment(seg("vlan", "physnet2", 4094))


def test_vlan_type_only_is_valid(vlan: TypeDriver) -> None:
    vlan.validate_provider_segment(seg("vlan"))


@pytest.mark.parametrize("value", ["100", 100.0, True])
def test_vlan_non_integer_id_is_refused(vlan: TypeDriver, value: Any) -> None:
    exc = rejection(vlan, {"network_type": "vlan", "physical_network": "physnet1", "segmentation_id": value})
    assert exc.field == "provider:segmentation_id"


def test_vlan_unknown_attribute_is_prohibited(vlan: TypeDriver) -> None:
    exc = rejection(vlan, {**seg("vlan", "physnet1", 100), "mtu": 1400})
    assert exc.kwargs["reason"] == "mtu prohibited for VLAN provider network"


# -- flat ------------------------------------------------------------------------------
def test_flat_without_physnet_is_refused(make_type_driver: TypeDriverFactory) -> None:
    flat = make_type_driver("flat", ml2_type_flat={"flat_networks": ["physnet1"]})
    exc = rejection(flat, seg("flat"))
    assert exc.kwargs["reason"] == "physical_network required for flat provider network"
    assert exc.field == "provider:physical_network"


def test_flat_unknown_physnet_is_refused(make_type_driver: TypeDriverFactory) -> None:
    flat = make_type_driver("flat", ml2_type_flat={"flat_networks": ["physnet1"]})
    exc = rejection(flat, seg("flat", "physnet9"))
    assert exc.kwargs["reason"] == "physical_network 'physnet9' unknown for flat provider network"


def test_flat_disabled_when_flat_networks_is_empty(make_type_driver: TypeDriverFactory) -> None:
    flat = make_type_driver("flat", ml2_type_flat={"flat_networks": []})
    exc = rejection(flat, seg("flat", "physnet1"))
    assert exc.kwargs["reason"] == "Flat provider networks are disabled"


def test_flat_disabled_is_reported_before_unknown_physnet(make_type_driver: TypeDriverFactory) -> None:
    flat = make_type_driver("flat", ml2_type_flat={"flat_networks": []})
    exc = rejection(flat, seg("flat", "physnet9"))
    assert exc.kwargs["reason"] == "Flat provider networks are disabled"


def test_flat_wildcard_accepts_any_physnet(make_type_driver: TypeDriverFactory) -> None:
    flat = make_type_driver("flat", ml2_type_flat={"flat_networks": ["*"]})
    flat.validate_provider_segment(seg("flat", "anything-at-all"))


def test_flat_default_accepts_any_physnet(make_type_driver: TypeDriverFactory) -> None:
    flat = make_type_driver("flat")
    flat.validate_provider_segment(seg("flat", "physnet7"))


def test_flat_listed_physnet_is_valid(make_type_driver: TypeDriverFactory) -> None:
    flat = make_type_driver("flat", ml2_type_flat={"flat_networks": ["physnet1", "physnet2"]})
    flat.validate_provider_segment(seg("flat", "physnet2"))


def test_flat_segmentation_id_is_prohibited(make_type_driver: TypeDriverFactory) -> None:
    flat = make_type_driver("flat", ml2_type_flat={"flat_networks": ["physnet1"]})
    exc = rejection(flat, seg("flat", "physnet1", 5))
    assert exc.kwargs["reason"] == "segmentation_id prohibited for flat provider network"
    assert exc.field == "provider:segmentation_id"


# -- tunnels ---------------------------------------------------------------------------
TUNNELS = [
    pytest.param("vxlan", "VXLAN", 2**24 - 1, {"ml2_type_vxlan": {"vni_ranges": ["1:10"]}}, id="vxlan"),
    pytest.param("geneve", "Geneve", 2**24 - 1, {"ml2_type_geneve": {"vni_ranges": ["1:10"]}}, id="geneve"),
    pytest.param("gre", "GRE", 2**32 - 1, {"ml2_type_gre": {"tunnel_id_ranges": ["1:10"]}}, id="gre"),
]


@pytest.mark.parametrize(("name", "display", "maximum", "groups"), TUNNELS)
def test_tunnel_physnet_is_refused(
    make_type_driver: TypeDriverFactory, name: str, display: str, maximum: int, groups: dict[str, Any]
) -> None:
    driver = make_type_driver(name, **groups)
    exc = rejection(driver, seg(name, "physnet1", 5))
    assert exc.kwargs["reason"] == f"provider:physical_network specified for {display} network"
    assert exc.field == "provider:physical_network"


@pytest.mark.parametrize(("name", "display", "maximum", "groups"), TUNNELS)
def test_tunnel_id_above_maximum_is_refused(
    make_type_driver: TypeDriverFactory, name: str, display: str, maximum: int, groups: dict[str, Any]
) -> None:
    driver = make_type_driver(name, **groups)
    exc = rejection(driver, seg(name, None, maximum + 1))
    assert exc.kwargs["reason"] == f"segmentation_id out of range (1 through {maximum})"
    assert exc.field == "provider:segmentation_id"


@pytest.mark.parametrize(("name", "display", "maximum", "groups"), TUNNELS)
def test_tunnel_id_zero_is_refused(
    make_type_driver: TypeDriverFactory, name: str, display: str, maximum: int, groups: dict[str, Any]
) -> None:
    driver = make_type_driver(name, **groups)
    exc = rejection(driver, seg(name, None, 0))
    assert exc.kwargs["reason"] == f"segmentation_id out of range (1 through {maximum})"


@pytest.mark.parametrize(("name", "display", "maximum", "groups"), TUNNELS)
def test_tunnel_id_at_bounds_is_valid(
    make_type_driver: TypeDriverFactory, name: str, display: str, maximum: int, groups: dict[str, Any]
) -> None:
    driver = make_type_driver(name, **groups)
    driver.validate_provider_segment(seg(name, None, 1))
    driver.validate_provider_segment(seg(name, None, maximum))


@pytest.mark.parametrize(("name", "display", "maximum", "groups"), TUNNELS)
def test_tunnel_id_outside_configured_range_is_valid(
    make_type_driver: TypeDriverFactory, name: str, display: str, maximum: int, groups: dict[str, Any]
) -> None:
    driver = make_type_driver(name, **groups)
    driver.validate_provider_segment(seg(name, None, 5000))


@pytest.mark.parametrize(("name", "display", "maximum", "groups"), TUNNELS)
def test_tunnel_unknown_attribute_is_prohibited(
    make_type_driver: TypeDriverFactory, name: str, display: str, maximum: int, groups: dict[str, Any]
) -> None:
    driver = make_type_driver(name, **groups)
    exc = rejection(driver, {**seg(name, None, 5), "mtu": 1400})
    assert exc.kwargs["reason"] == f"mtu prohibited for {display} provider network"


def test_tunnel_bounds_come_from_the_driver(make_type_driver: TypeDriverFactory) -> None:
    assert make_type_driver("vxlan").segmentation_id_bounds() == (1, 2**24 - 1)
    assert make_type_driver("geneve").segmentation_id_bounds() == (1, 2**24 - 1)
    assert make_type_driver("gre").segmentation_id_bounds() == (1, 2**32 - 1)
    assert make_type_driver("vlan").segmentation_id_bounds() == (1, 4094)


# -- local -----------------------------------------------------------------------------
def test_local_physnet_is_prohibited(make_type_driver: TypeDriverFactory) -> None:
    exc = rejection(make_type_driver("local"), seg("local", "physnet1"))
    assert exc.kwargs["reason"] == "physical_network prohibited for local provider network"
    assert exc.field == "provider:physical_network"


def test_local_segmentation_id_is_prohibited(make_type_driver: TypeDriverFactory) -> None:
    exc = rejection(make_type_driver("local"), seg("local", None, 7))
    assert exc.kwargs["reason"] == "segmentation_id prohibited for local provider network"
    assert exc.field == "provider:segmentation_id"


def test_local_type_only_is_valid(make_type_driver: TypeDriverFactory) -> None:
    make_type_driver("local").validate_provider_segment(seg("local"))


def test_local_has_no_id_space(make_type_driver: TypeDriverFactory) -> None:
    local = make_type_driver("local")
    assert local.segmentation_id_bounds() is None
    assert local.configured_ranges() == {}


# -- partial vs full segments ----------------------------------------------------------
@pytest.mark.parametrize(
    ("segment", "partial"),
    [
        (seg("vlan"), True),
        (seg("vlan", "physnet1"), True),
        (seg("vlan", "physnet1", 100), False),
    ],
    ids=["type-only", "physnet-only", "full"],
)
def test_vlan_segment_is_partial_until_physnet_and_id_are_given(
    vlan: TypeDriver, segment: dict[str, Any], partial: bool
) -> None:
    assert vlan.is_partial_segment(segment) is partial


@pytest.mark.parametrize("name", ["vxlan", "gre", "geneve"])
def test_tunnel_segment_without_id_is_partial(make_type_driver: TypeDriverFactory, name: str) -> None:
    assert make_type_driver(name).is_partial_segment(seg(name)) is True


@pytest.mark.parametrize("name", ["vxlan", "gre", "geneve"])
def test_tunnel_segment_with_id_is_full(make_type_driver: TypeDriverFactory, name: str) -> None:
    assert make_type_driver(name).is_partial_segment(seg(name, None, 42)) is False


def test_flat_segment_is_never_partial(make_type_driver: TypeDriverFactory) -> None:
    assert make_type_driver("flat").is_partial_segment(seg("flat", "physnet1")) is False


def test_local_segment_is_never_partial(make_type_driver: TypeDriverFactory) -> None:
    assert make_type_driver("local").is_partial_segment(seg("local")) is False


# -- what each type states about itself ------------------------------------------------
@pytest.mark.parametrize(
    ("name", "uses_physnets"),
    [("vlan", True), ("flat", True), ("vxlan", False), ("gre", False), ("geneve", False), ("local", False)],
)
def test_type_says_whether_it_uses_physical_networks(
    make_type_driver: TypeDriverFactory, name: str, uses_physnets: bool
) -> None:
    assert make_type_driver(name).uses_physical_networks() is uses_physnets


def test_vlan_physical_networks_keep_configured_order(make_type_driver: TypeDriverFactory) -> None:
    driver = make_type_driver("vlan", ml2_type_vlan={"network_vlan_ranges": ["zeta:1:2", "alpha", "mid:5:6"]})
    assert driver.physical_networks() == ["zeta", "alpha", "mid"]


def test_vlan_bare_physnet_stands_for_the_full_range(make_type_driver: TypeDriverFactory) -> None:
    driver = make_type_driver("vlan", ml2_type_vlan={"network_vlan_ranges": ["physnet2"]})
    ranges = driver.configured_ranges()["physnet2"]
    assert [(r.minimum, r.maximum) for r in ranges] == [(1, 4094)]


def test_vxlan_group_is_carried(make_type_driver: TypeDriverFactory) -> None:
    driver = make_type_driver("vxlan", ml2_type_vxlan={"vxlan_group": "239.1.1.1"})
    assert driver.vxlan_group == "239.1.1.1"  # type: ignore[attr-defined]


def test_vxlan_group_is_none_when_unset(make_type_driver: TypeDriverFactory) -> None:
    assert make_type_driver("vxlan").vxlan_group is None  # type: ignore[attr-defined]
