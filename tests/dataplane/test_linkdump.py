"""The Linux bridge backend's hand-parsed netlink dumps read what iproute2 reads."""

from __future__ import annotations

import json

import pytest

from drivers.common.linkdump import LinkDumper
from ml2core.testing.hosts import HostLab, NetnsHost

pytestmark = pytest.mark.dataplane


def _host_with_devices(lab: HostLab) -> NetnsHost:
    host = lab.host()
    host.ip_batch(
        [
            "link add ul0 type veth peer name ul1",
            "addr add 198.51.100.1/24 dev ul0",
            "link set ul0 up",
            "link add brqx group 7171122 mtu 1450 type bridge",
            "link set brqx alias ml2core:port=some-port up",
            "link add vxlan-5 type vxlan id 5 local 198.51.100.1 dstport 4789 nolearning noudpcsum ttl 3",
            "link set vxlan-5 master brqx mtu 1400 up",
            "link add vxlan-6 type vxlan id 6 group 239.1.1.1 dev ul0 dstport 4790",
        ]
    )
    for dst in ("198.51.100.2", "198.51.100.3"):
        host.run("bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vxlan-5", "dst", dst)
    return host


def test_link_dump_matches_iproute2_for_every_device(host_lab: HostLab) -> None:
    host = _host_with_devices(host_lab)
    expected = json.loads(host.ip("-j", "-d", "link", "show").stdout)
    dumper = LinkDumper(host.name)
    host_lab.defer(dumper.close)

    links = {link.name: link for link in dumper.dump()}

    assert set(links) == {dev["ifname"] for dev in expected}
    names = {dev["ifindex"]: dev["ifname"] for dev in expected}
    for dev in expected:
        link = links[dev["ifname"]]
        group = 0 if dev["group"] == "default" else int(dev["group"])
        kind = dev.get("linkinfo", {}).get("info_kind")
        assert (link.index, link.mtu, link.group, link.alias, link.kind) == (
            dev["ifindex"],
            dev["mtu"],
            group,
            dev.get("ifalias"),
            kind,
        ), dev["ifname"]
        assert link.up == ("UP" in dev["flags"])
        assert (names.get(link.master) if link.master else None) == dev.get("master")
        if kind == "vxlan":
            data = dev["linkinfo"]["info_data"]
            assert link.vxlan is not None
            assert (link.vxlan.vni, link.vxlan.local, link.vxlan.port, link.vxlan.group) == (
                data["id"],
                data.get("local"),
                data["port"],
                data.get("group"),
            )
            assert (link.vxlan.udp_csum, link.vxlan.learning) == (data["udp_csum"], data["learning"])
            assert (link.vxlan.ttl or 0) == data["ttl"]
            assert (names.get(link.vxlan.link) if link.vxlan.link else None) == data.get("link")


def test_flood_entry_dump_matches_iproute2(host_lab: HostLab) -> None:
    host = _host_with_devices(host_lab)
    dumper = LinkDumper(host.name)
    host_lab.defer(dumper.close)
    index = {link.name: link.index for link in dumper.dump()}

    flood = dumper.flood_entries()

    assert flood[index["vxlan-5"]] == {("198.51.100.2", None), ("198.51.100.3", None)}
    assert flood[index["vxlan-6"]] == {("239.1.1.1", None)}
    assert host.fdb_destinations("vxlan-5") == {"198.51.100.2", "198.51.100.3"}
