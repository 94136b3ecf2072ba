"""Ports: MACs, fixed IPs (sparse IPAM), attributes, deletion; on every database."""

from __future__ import annotations

import netaddr
import pytest

from ml2core import Context
from ml2core.exceptions import (
    InvalidInput,
    IpAddressGenerationFailure,
    IpAddressInUse,
    MacAddressInUse,
    NetworkInUse,
    NetworkNotFound,
    NotAuthorized,
    PortNotFound,
)

ADMIN = Context.admin()
P1 = Context("p1")
P2 = Context("p2")


@pytest.fixture
def plugin(make_plugin):
    return make_plugin(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:100"]})


@pytest.fixture
def net(plugin):
    return plugin.create_network(P1, {"name": "n"})


@pytest.fixture
def subnet(plugin, net):
    return plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "10.0.0.0/24"})


def test_new_port_is_down_with_base_mac_and_one_address(plugin, net, subnet) -> None:
    port = plugin.create_port(
        P1, {"network_id": net["id"], "device_id": "vm1", "device_owner": "compute:nova"}
    )
    assert port["status"] == "DOWN"
    assert port["mac_address"].startswith("fa:16:3e:")
    assert len(port["fixed_ips"]) == 1
    ip = netaddr.IPAddress(port["fixed_ips"][0]["ip_address"])
    assert netaddr.IPAddress("10.0.0.2") <= ip <= netaddr.IPAddress("10.0.0.254")
    assert port["device_id"] == "vm1"


def test_base_mac_option_is_used(make_plugin) -> None:
    plugin = make_plugin(DEFAULT={"base_mac": "fa:17:00:00:00:00"})
    net = plugin.create_network(P1, {})
    assert plugin.create_port(P1, {"network_id": net["id"]})["mac_address"].startswith("fa:17:")


def test_given_mac_is_normalized_and_unique_per_network(plugin, net) -> None:
    port = plugin.create_port(P1, {"network_id": net["id"], "mac_address": "FA-16-3E-00-00-01"})
    assert port["mac_address"] == "fa:16:3e:00:00:01"
    with pytest.raises(MacAddressInUse):
        plugin.create_port(P1, {"network_id": net["id"], "mac_address": "fa:16:3e:00:00:01"})
    other = plugin.create_network(P1, {})
    plugin.create_port(P1, {"network_id": other["id"], "mac_address": "fa:16:3e:00:00:01"})


@pytest.mark.parametrize("mac", ["01:00:5e:00:00:01", "00:00:00:00:00:00", "zz:16:3e:00:00:01", 12])
def test_bad_mac_is_invalid_input(plugin, net, mac) -> None:
    with pytest.raises(InvalidInput) as info:
        plugin.create_port(P1, {"network_id": net["id"], "mac_address": mac})
    assert info.value.field == "mac_address"


def test_explicit_ip_is_taken_and_then_in_use(plugin, net, subnet) -> None:
    port = plugin.create_port(P1, {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.0.0.77"}]})
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.0.0.77"}]
    with pytest.raises(IpAddressInUse):
        plugin.create_port(P1, {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.0.0.77"}]})


def test_explicit_ip_outside_subnets_is_invalid(plugin, net, subnet) -> None:
    with pytest.raises(InvalidInput, match="in no subnet"):
        plugin.create_port(P1, {"network_id": net["id"], "fixed_ips": [{"ip_address": "192.168.0.5"}]})
    with pytest.raises(InvalidInput, match="not a valid IP for subnet"):
        plugin.create_port(
            P1,
            {"network_id": net["id"], "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": "10.0.1.5"}]},
        )


def test_gateway_ip_only_for_router_ports(plugin, net, subnet) -> None:
    with pytest.raises(InvalidInput, match="gateway"):
        plugin.create_port(P1, {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.0.0.1"}]})
    router = plugin.create_port(
        P1,
        {
            "network_id": net["id"],
            "device_owner": "network:router_interface",
            "fixed_ips": [{"ip_address": "10.0.0.1"}],
        },
    )
    assert router["fixed_ips"][0]["ip_address"] == "10.0.0.1"


def test_exhausted_pool_raises_and_changes_nothing(plugin, net) -> None:
    plugin.create_subnet(
        P1,
        {
            "network_id": net["id"],
            "cidr": "10.0.0.0/24",
            "allocation_pools": [{"start": "10.0.0.10", "end": "10.0.0.12"}],
        },
    )
    ips = {plugin.create_port(P1, {"network_id": net["id"]})["fixed_ips"][0]["ip_address"] for _ in range(3)}
    assert ips == {"10.0.0.10", "10.0.0.11", "10.0.0.12"}
    with pytest.raises(IpAddressGenerationFailure):
        plugin.create_port(P1, {"network_id": net["id"]})
    assert len(plugin.get_ports(P1)) == 3


def test_released_address_is_reusable(plugin, net) -> None:
    plugin.create_subnet(
        P1,
        {
            "network_id": net["id"],
            "cidr": "10.0.0.0/24",
            "allocation_pools": [{"start": "10.0.0.10", "end": "10.0.0.10"}],
        },
    )
    port = plugin.create_port(P1, {"network_id": net["id"]})
    plugin.delete_port(P1, port["id"])
    assert plugin.create_port(P1, {"network_id": net["id"]})["fixed_ips"][0]["ip_address"] == "10.0.0.10"


def test_empty_fixed_ips_means_no_address(plugin, net, subnet) -> None:
    assert plugin.create_port(P1, {"network_id": net["id"], "fixed_ips": []})["fixed_ips"] == []


def test_slaac_gives_eui64_address_from_mac(plugin, net) -> None:
    v6 = plugin.create_subnet(
        P1,
        {"network_id": net["id"], "cidr": "2001:db8:1::/64", "ip_version": 6, "ipv6_address_mode": "slaac"},
    )
    port = plugin.create_port(P1, {"network_id": net["id"], "mac_address": "fa:16:3e:11:22:33"})
    assert port["fixed_ips"] == [{"subnet_id": v6["id"], "ip_address": "2001:db8:1:0:f816:3eff:fe11:2233"}]


def test_dual_stack_port_gets_one_address_per_family(plugin, net, subnet) -> None:
    plugin.create_subnet(P1, {"network_id": net["id"], "cidr": "2001:db8:2::/64", "ip_version": 6})
    versions = sorted(
        netaddr.IPAddress(f["ip_address"]).version
        for f in plugin.create_port(P1, {"network_id": net["id"]})["fixed_ips"]
    )
    assert versions == [4, 6]


def test_update_fixed_ips_keeps_requested_and_releases_others(plugin, net, subnet) -> None:
    port = plugin.create_port(
        P1, {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.0.0.20"}, {"ip_address": "10.0.0.21"}]}
    )
    updated = plugin.update_port(
        P1, port["id"], {"fixed_ips": [{"ip_address": "10.0.0.21"}, {"ip_address": "10.0.0.30"}]}
    )
    assert sorted(f["ip_address"] for f in updated["fixed_ips"]) == ["10.0.0.21", "10.0.0.30"]
    other = plugin.create_port(P1, {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.0.0.20"}]})
    assert other["fixed_ips"][0]["ip_address"] == "10.0.0.20"


def test_port_on_shared_network_by_other_project(plugin) -> None:
    shared = plugin.create_network(ADMIN, {"shared": True})
    port = plugin.create_port(P2, {"network_id": shared["id"]})
    assert port["project_id"] == "p2"


def test_port_on_other_projects_private_network_is_not_found(plugin, net) -> None:
    with pytest.raises(NetworkNotFound):
        plugin.create_port(P2, {"network_id": net["id"]})


def test_binding_attributes_are_admin_only_to_set_and_see(plugin, net) -> None:
    with pytest.raises(NotAuthorized):
        plugin.create_port(P1, {"network_id": net["id"], "binding:host_id": "h1"})
    with pytest.raises(NotAuthorized):
        plugin.create_port(P1, {"network_id": net["id"], "binding:profile": {"a": 1}})
    port = plugin.create_port(P1, {"network_id": net["id"], "binding:vnic_type": "direct"})
    assert port["binding:vnic_type"] == "direct"
    assert "binding:host_id" not in port and "binding:vif_type" not in port and "binding:profile" not in port
    admin_view = plugin.get_port(ADMIN, port["id"])
    assert admin_view["binding:vif_type"] == "unbound"


def test_unknown_vnic_type_is_refused(plugin, net) -> None:
    with pytest.raises(InvalidInput) as info:
        plugin.create_port(P1, {"network_id": net["id"], "binding:vnic_type": "fancy"})
    assert info.value.field == "binding:vnic_type"


def test_other_project_cannot_see_or_delete_port(plugin, net) -> None:
    port = plugin.create_port(P1, {"network_id": net["id"]})
    with pytest.raises(PortNotFound):
        plugin.get_port(P2, port["id"])
    with pytest.raises(PortNotFound):
        plugin.delete_port(P2, port["id"])


def test_delete_network_with_user_port_is_in_use(plugin, net) -> None:
    plugin.create_port(P1, {"network_id": net["id"], "device_owner": "compute:nova"})
    with pytest.raises(NetworkInUse):
        plugin.delete_network(P1, net["id"])


def test_network_owned_ports_go_with_the_network(plugin, net, subnet) -> None:
    plugin.create_port(ADMIN, {"network_id": net["id"], "device_owner": "network:dhcp"})
    plugin.delete_network(P1, net["id"])
    assert plugin.get_ports(ADMIN) == []
    assert plugin.get_subnets(ADMIN) == []


def test_only_admin_or_network_owner_changes_a_mac(plugin, net) -> None:
    """Neutron's update_port:mac_address: NotAuthorized, never InvalidInput."""
    shared = plugin.create_network(ADMIN, {"shared": True})
    theirs = plugin.create_port(P2, {"network_id": shared["id"]})
    with pytest.raises(NotAuthorized) as err:
        plugin.update_port(P2, theirs["id"], {"mac_address": "fa:16:3e:00:00:08"})
    assert err.value.field == "mac_address"
    assert plugin.get_port(P2, theirs["id"])["mac_address"] == theirs["mac_address"]
    port = plugin.create_port(P1, {"network_id": net["id"]})
    assert plugin.update_port(P1, port["id"], {"mac_address": "fa:16:3e:00:00:07"})["mac_address"] == (
        "fa:16:3e:00:00:07"
    )
    assert (
        plugin.update_port(ADMIN, port["id"], {"mac_address": "fa:16:3e:00:00:09"})["mac_address"]
        == "fa:16:3e:00:00:09"
    )


def test_status_is_not_settable_through_update(plugin, net) -> None:
    port = plugin.create_port(P1, {"network_id": net["id"]})
    with pytest.raises(InvalidInput) as info:
        plugin.update_port(P1, port["id"], {"status": "ACTIVE"})
    assert info.value.field == "status"
