"""Subnets: CIDR, gateway, pools, IPv6 modes, overlap; on every database."""

from __future__ import annotations

import pytest

from ml2core import Context
from ml2core.exceptions import InvalidInput, NetworkNotFound, NotAuthorized, SubnetInUse, SubnetNotFound

ADMIN = Context.admin()
P1 = Context("p1")
P2 = Context("p2")


@pytest.fixture
def plugin(make_plugin):
    return make_plugin(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:100"]})


@pytest.fixture
def net(plugin):
    return plugin.create_network(P1, {"name": "n"})


def test_ipv4_defaults_gateway_first_address_and_pool_rest(plugin, net) -> None:
    subnet = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.1.0.0/24"})
    assert subnet["gateway_ip"] == "10.1.0.1"
    assert subnet["allocation_pools"] == [{"start": "10.1.0.2", "end": "10.1.0.254"}]
    assert subnet["ip_version"] == 4
    assert subnet["enable_dhcp"] is True
    assert subnet["project_id"] == "p1"


def test_gateway_none_gives_whole_range_to_pool(plugin, net) -> None:
    subnet = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.1.0.0/29", "gateway_ip": None})
    assert subnet["gateway_ip"] is None
    assert subnet["allocation_pools"] == [{"start": "10.1.0.1", "end": "10.1.0.6"}]


def test_gateway_in_middle_splits_default_pool(plugin, net) -> None:
    subnet = plugin.create_subnet(
        P1, {"network_id": net["id"], "cidr": "10.1.0.0/29", "gateway_ip": "10.1.0.3"}
    )
    assert subnet["allocation_pools"] == [
        {"start": "10.1.0.1", "end": "10.1.0.2"},
        {"start": "10.1.0.4", "end": "10.1.0.6"},
    ]


def test_ipv6_default_pool_excludes_subnet_router_address_and_gateway(plugin, net) -> None:
    subnet = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "2001:db8::/64", "ip_version": 6})
    assert subnet["gateway_ip"] == "2001:db8::1"
    assert subnet["allocation_pools"] == [{"start": "2001:db8::2", "end": "2001:db8::ffff:ffff:ffff:ffff"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cidr": "10.1.0.1/24"}, "cidr"),
        ({"cidr": "10.1.0.0"}, "cidr"),
        ({"cidr": "not-a-cidr"}, "cidr"),
        ({"cidr": "10.1.0.0/24", "ip_version": 6}, "ip_version"),
        ({"cidr": "10.1.0.0/24", "gateway_ip": "10.2.0.1"}, "gateway_ip"),
        ({"cidr": "10.1.0.0/24", "gateway_ip": "10.1.0.255"}, "gateway_ip"),
        (
            {"cidr": "10.1.0.0/24", "allocation_pools": [{"start": "10.1.0.10", "end": "10.1.1.5"}]},
            "allocation_pools[0].end",
        ),
        (
            {"cidr": "10.1.0.0/24", "allocation_pools": [{"start": "10.1.0.20", "end": "10.1.0.10"}]},
            "allocation_pools[0]",
        ),
        (
            {"cidr": "10.1.0.0/24", "allocation_pools": [{"start": "10.1.0.1", "end": "10.1.0.10"}]},
            "allocation_pools[0]",
        ),
        (
            {
                "cidr": "10.1.0.0/24",
                "allocation_pools": [
                    {"start": "10.1.0.10", "end": "10.1.0.20"},
                    {"start": "10.1.0.15", "end": "10.1.0.30"},
                ],
            },
            "allocation_pools",
        ),
        ({"cidr": "10.1.0.0/24", "ipv6_address_mode": "slaac"}, "ipv6_address_mode"),
        ({"cidr": "2001:db8::/80", "ipv6_address_mode": "slaac"}, "ipv6_address_mode"),
        ({"cidr": "10.1.0.0/24", "enable_dhcp": "maybe"}, "enable_dhcp"),
        ({"cidr": "10.1.0.0/24", "color": "red"}, "color"),
    ],
)
def test_bad_subnet_attribute_names_the_field(plugin, net, body, field) -> None:
    with pytest.raises(InvalidInput) as info:
        plugin.create_subnet(P1, {"network_id": net["id"], **body})
    assert info.value.field == field
    assert plugin.get_subnets(ADMIN) == []


def test_overlapping_cidr_on_same_network_is_refused(plugin, net) -> None:
    plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.1.0.0/24"})
    with pytest.raises(InvalidInput, match="overlaps"):
        plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.1.0.128/25"})


def test_same_cidr_on_other_network_is_allowed(plugin, net) -> None:
    other = plugin.create_network(P1, {})
    plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.1.0.0/24"})
    plugin.create_subnet(P1, {"network_id": other["id"], "cidr": "10.1.0.0/24"})


def test_subnet_on_another_projects_private_network_is_not_found(plugin, net) -> None:
    with pytest.raises(NetworkNotFound):
        plugin.create_subnet(P2, {"network_id": net["id"], "cidr": "10.1.0.0/24"})


def test_subnet_on_shared_network_not_owned_is_not_authorized(plugin) -> None:
    shared = plugin.create_network(ADMIN, {"shared": True})
    with pytest.raises(NotAuthorized):
        plugin.create_subnet(P2, {"network_id": shared["id"], "cidr": "10.1.0.0/24"})


def test_subnets_of_shared_networks_are_visible_to_all(plugin) -> None:
    shared = plugin.create_network(ADMIN, {"shared": True})
    subnet = plugin.create_subnet(ADMIN, {"network_id": shared["id"], "cidr": "10.9.0.0/24"})
    assert plugin.get_subnet(P2, subnet["id"])["cidr"] == "10.9.0.0/24"
    with pytest.raises(NotAuthorized):
        plugin.update_subnet(P2, subnet["id"], {"name": "mine"})


def test_update_pools_and_gateway_are_validated(plugin, net) -> None:
    subnet = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.1.0.0/24"})
    with pytest.raises(InvalidInput, match="conflicts"):
        plugin.update_subnet(P1, subnet["id"], {"gateway_ip": "10.1.0.50"})
    updated = plugin.update_subnet(
        P1, subnet["id"], {"allocation_pools": [{"start": "10.1.0.100", "end": "10.1.0.110"}], "name": "x"}
    )
    assert updated["allocation_pools"] == [{"start": "10.1.0.100", "end": "10.1.0.110"}]
    assert updated["name"] == "x"


def test_delete_subnet_in_use_by_a_port_is_refused(plugin, net) -> None:
    subnet = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.1.0.0/24"})
    port = plugin.create_port(P1, {"network_id": net["id"]})
    with pytest.raises(SubnetInUse):
        plugin.delete_subnet(P1, subnet["id"])
    plugin.delete_port(P1, port["id"])
    plugin.delete_subnet(P1, subnet["id"])
    with pytest.raises(SubnetNotFound):
        plugin.get_subnet(P1, subnet["id"])


def test_network_owned_port_does_not_block_subnet_delete(plugin, net) -> None:
    subnet = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.1.0.0/24"})
    plugin.create_port(ADMIN, {"network_id": net["id"], "device_owner": "network:dhcp"})
    plugin.delete_subnet(P1, subnet["id"])
    port = plugin.get_ports(ADMIN)[0]
    assert port["fixed_ips"] == []


def test_network_lists_its_subnets(plugin, net) -> None:
    s1 = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.1.0.0/24"})
    s2 = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "2001:db8::/64"})
    assert sorted(plugin.get_network(P1, net["id"])["subnets"]) == sorted([s1["id"], s2["id"]])


@pytest.mark.parametrize(
    ("cidr", "reason"),
    [
        ("0.0.0.0/0", "0 is not allowed as CIDR prefix length"),
        ("::/0", "0 is not allowed as CIDR prefix length"),
        ("::/64", "IPv6 subnet '::' is not supported"),
    ],
)
def test_subnets_neutron_refuses_always(plugin, net, cidr, reason) -> None:
    for dhcp in (True, False):
        with pytest.raises(InvalidInput, match=reason) as err:
            plugin.create_subnet(P1, {"network_id": net["id"], "cidr": cidr, "enable_dhcp": dhcp})
        assert err.value.field == "cidr"
    assert plugin.get_subnets(P1) == []


@pytest.mark.parametrize(
    ("cidr", "reason"),
    [
        ("224.0.0.0/24", "Multicast IP subnet is not supported if enable_dhcp is True"),
        ("ff00::/8", "Multicast IP subnet is not supported if enable_dhcp is True"),
        ("127.0.0.0/8", "Loopback IP subnet is not supported if enable_dhcp is True"),
        ("0.0.0.0/8", "First IP '0.0.0.0' of network is not supported if enable_dhcp is True"),
    ],
)
def test_subnets_neutron_refuses_with_dhcp(plugin, net, cidr, reason) -> None:
    with pytest.raises(InvalidInput, match=reason) as err:
        plugin.create_subnet(P1, {"network_id": net["id"], "cidr": cidr})
    assert err.value.field == "enable_dhcp"
    assert plugin.get_subnets(P1) == []
    # Without DHCP Neutron takes them; turning DHCP on later is refused the same way.
    subnet = plugin.create_subnet(P1, {"network_id": net["id"], "cidr": cidr, "enable_dhcp": False})
    with pytest.raises(InvalidInput, match=reason):
        plugin.update_subnet(P1, subnet["id"], {"enable_dhcp": True})
    assert plugin.get_subnet(P1, subnet["id"])["enable_dhcp"] is False
