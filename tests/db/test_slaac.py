"""A port's SLAAC (and DHCPv6-stateless) address follows its MAC, as in Neutron."""

from __future__ import annotations

import netaddr
import pytest

from ml2core import Context
from tests.conftest import PluginFactory

ADMIN = Context.admin()
OLD_MAC = "fa:16:3e:00:00:01"
NEW_MAC = "fa:16:3e:00:00:02"


def eui64(cidr: str, mac: str) -> str:
    return str(netaddr.EUI(mac).ipv6(netaddr.IPNetwork(cidr).network))


@pytest.mark.parametrize("mode", ["slaac", "dhcpv6-stateless"])
def test_a_new_mac_gives_the_new_eui64_address_and_frees_the_old_one(
    make_plugin: PluginFactory, mode: str
) -> None:
    plugin = make_plugin()
    net = plugin.create_network(ADMIN, {"name": "n"})
    v4 = plugin.create_subnet(ADMIN, {"network_id": net["id"], "cidr": "10.0.0.0/24"})
    v6 = plugin.create_subnet(
        ADMIN,
        {
            "network_id": net["id"],
            "cidr": "2001:db8::/64",
            "ip_version": 6,
            "ipv6_address_mode": mode,
            "ipv6_ra_mode": mode,
        },
    )
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "mac_address": OLD_MAC})
    v4_ip = next(ip for ip in port["fixed_ips"] if ip["subnet_id"] == v4["id"])
    assert {"subnet_id": v6["id"], "ip_address": eui64(v6["cidr"], OLD_MAC)} in port["fixed_ips"]

    updated = plugin.update_port(ADMIN, port["id"], {"mac_address": NEW_MAC})

    expected = sorted(
        [v4_ip, {"subnet_id": v6["id"], "ip_address": eui64(v6["cidr"], NEW_MAC)}],
        key=lambda ip: ip["subnet_id"],
    )
    for seen in (updated, plugin.get_port(ADMIN, port["id"])):
        assert sorted(seen["fixed_ips"], key=lambda ip: ip["subnet_id"]) == expected
    # The old MAC, and its address, are free for another port.
    other = plugin.create_port(ADMIN, {"network_id": net["id"], "mac_address": OLD_MAC})
    assert {"subnet_id": v6["id"], "ip_address": eui64(v6["cidr"], OLD_MAC)} in other["fixed_ips"]


def test_a_new_mac_with_fixed_ips_in_the_same_update_still_follows(make_plugin: PluginFactory) -> None:
    plugin = make_plugin()
    net = plugin.create_network(ADMIN, {"name": "n"})
    v6 = plugin.create_subnet(
        ADMIN,
        {
            "network_id": net["id"],
            "cidr": "2001:db8:1::/64",
            "ip_version": 6,
            "ipv6_address_mode": "slaac",
            "ipv6_ra_mode": "slaac",
        },
    )
    port = plugin.create_port(ADMIN, {"network_id": net["id"], "mac_address": OLD_MAC})

    updated = plugin.update_port(
        ADMIN, port["id"], {"mac_address": NEW_MAC, "fixed_ips": [{"subnet_id": v6["id"]}]}
    )

    assert updated["fixed_ips"] == [{"subnet_id": v6["id"], "ip_address": eui64(v6["cidr"], NEW_MAC)}]
