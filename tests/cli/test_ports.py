"""``ml2core port list|show|create|update|delete|explain``."""

from __future__ import annotations

import pytest

from tests.cli.conftest import OVS_AGENT, Cloud, Run, one_line_error


@pytest.fixture
def net(cli: Run) -> None:
    cli("network", "create", "net1")
    cli("subnet", "create", "s1", "--network", "net1", "--subnet-range", "10.0.0.0/24")


@pytest.mark.usefixtures("net")
def test_create_with_host_binds_through_a_live_agent(cli: Run, cloud: Cloud) -> None:
    cloud.report(OVS_AGENT)
    port = cli("port", "create", "p1", "--network", "net1", "--host", "compute1", "-f", "json").json()
    assert port["binding:host_id"] == "compute1"
    assert port["binding:vif_type"] == "ovs"


@pytest.mark.usefixtures("net")
def test_create_with_fixed_ip_mac_owner_and_profile(cli: Run) -> None:
    result = cli(
        "port",
        "create",
        "p1",
        "--network",
        "net1",
        "--fixed-ip",
        "subnet=s1,ip-address=10.0.0.5",
        "--mac-address",
        "fa:16:3e:00:00:05",
        "--device-owner",
        "compute:nova",
        "--vnic-type",
        "direct",
        "--binding-profile",
        "pci_slot=0000:03:10.1",
        "--binding-profile",
        'capabilities=["switchdev"]',
        "-f",
        "json",
    )
    assert result.code == 0, result.err
    port = result.json()
    assert port["fixed_ips"][0]["ip_address"] == "10.0.0.5"
    assert port["mac_address"] == "fa:16:3e:00:00:05"
    assert port["device_owner"] == "compute:nova"
    assert port["binding:vnic_type"] == "direct"
    assert port["binding:profile"] == {"pci_slot": "0000:03:10.1", "capabilities": ["switchdev"]}


@pytest.mark.usefixtures("net")
def test_port_without_live_agent_fails_to_bind_and_explain_says_why(cli: Run) -> None:
    port = cli("port", "create", "p1", "--network", "net1", "--host", "nowhere", "-f", "json").json()
    assert port["binding:vif_type"] == "binding_failed"
    text = cli("port", "explain", "p1")
    assert text.code == 0
    assert "NOT BOUND" in text.out
    assert "Level 0: segments to bind: vxlan VNI" in text.out
    assert "openvswitch" in text.out and "no Open vSwitch agent is registered on host nowhere" in text.out
    raw = cli("port", "explain", "p1", "-f", "json").json()
    assert raw["vif_type"] == "binding_failed"
    assert {d["outcome"] for d in raw["levels"][0]["drivers"]} == {"declined"}


@pytest.mark.usefixtures("net")
def test_explain_of_a_bound_port_names_driver_and_segment(cli: Run, cloud: Cloud) -> None:
    cloud.report(OVS_AGENT)
    cli("port", "create", "p1", "--network", "net1", "--host", "compute1")
    text = cli("port", "explain", "p1").out
    assert "Host compute1: bound, vif_type ovs" in text
    assert "by openvswitch" in text and "bound" in text


@pytest.mark.usefixtures("net")
def test_explain_of_a_port_without_host(cli: Run) -> None:
    cli("port", "create", "p1", "--network", "net1")
    assert "no binding:host_id" in cli("port", "explain", "p1").out


@pytest.mark.usefixtures("net")
def test_update_host_binds_again(cli: Run, cloud: Cloud) -> None:
    cli("port", "create", "p1", "--network", "net1", "--host", "elsewhere")
    cloud.report(OVS_AGENT)
    port = cli("port", "update", "p1", "--host", "compute1", "--name", "p1b", "-f", "json").json()
    assert (port["name"], port["binding:host_id"], port["binding:vif_type"]) == ("p1b", "compute1", "ovs")


@pytest.mark.usefixtures("net")
def test_update_disable_and_clear_profile(cli: Run) -> None:
    cli("port", "create", "p1", "--network", "net1", "--binding-profile", "a=b")
    port = cli("port", "update", "p1", "--disable", "--no-binding-profile", "-f", "json").json()
    assert port["admin_state_up"] is False and port["binding:profile"] == {}


@pytest.mark.usefixtures("net")
def test_list_filters_by_host_and_network(cli: Run, cloud: Cloud) -> None:
    cloud.report(OVS_AGENT)
    cli("port", "create", "p1", "--network", "net1", "--host", "compute1")
    cli("port", "create", "p2", "--network", "net1")
    rows = cli("port", "list", "--host", "compute1", "-f", "json").json()
    assert [(r["Name"], r["Host"], r["VIF Type"]) for r in rows] == [("p1", "compute1", "ovs")]
    assert len(cli("port", "list", "--network", "net1", "-f", "json").json()) == 2
    assert cli("port", "show", "p2", "-c", "status", "-f", "value").out == "DOWN\n"


@pytest.mark.usefixtures("net")
def test_delete(cli: Run) -> None:
    cli("port", "create", "p1", "--network", "net1")
    assert cli("port", "delete", "p1").code == 0
    assert cli("port", "list", "-f", "json").json() == []


@pytest.mark.usefixtures("net")
def test_bad_inputs(cli: Run) -> None:
    unknown_subnet = cli("port", "create", "p", "--network", "net1", "--fixed-ip", "subnet=ghost")
    assert unknown_subnet.code == 1 and "No subnet with a name or ID of 'ghost'" in one_line_error(
        unknown_subnet
    )
    bad_fixed_ip = cli("port", "create", "p", "--network", "net1", "--fixed-ip", "ip=10.0.0.1")
    assert bad_fixed_ip.code == 2 and "--fixed-ip" in one_line_error(bad_fixed_ip)
    bad_profile = cli("port", "create", "p", "--network", "net1", "--binding-profile", "{not json")
    assert bad_profile.code == 2 and "--binding-profile" in one_line_error(bad_profile)
    bad_vnic = cli("port", "create", "p", "--network", "net1", "--vnic-type", "wrong")
    assert bad_vnic.code == 2
    bad_ip = cli("port", "create", "p", "--network", "net1", "--fixed-ip", "ip-address=192.168.9.9")
    assert bad_ip.code == 1
    one_line_error(bad_ip)
    assert cli("port", "list", "-f", "json").json() == []
    unknown_port = cli("port", "explain", "ghost")
    assert unknown_port.code == 1 and "No port with a name or ID of 'ghost'" in one_line_error(unknown_port)
