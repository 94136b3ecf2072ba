"""``ml2core agent list``."""

from __future__ import annotations

import time
from pathlib import Path

from ml2core import constants
from tests.cli.conftest import OVS_AGENT, Cloud, Run, make_cloud, one_line_error, run_main


def test_lists_alive_agents_with_mappings_and_tunnels(cli: Run, cloud: Cloud) -> None:
    cloud.report(OVS_AGENT)
    cloud.report(
        {
            "host": "compute2",
            "agent_type": constants.AGENT_TYPE_NIC_SWITCH,
            "configurations": {"device_mappings": {"physnet1": ["ens1f0", "ens1f1"]}},
        }
    )
    table = cli("agent", "list")
    assert table.code == 0
    assert "bridge: physnet1=br-vlan, public=br-ex" in table.out
    assert "device: physnet1=ens1f0,ens1f1" in table.out
    assert "| alive" in table.out and "up since" in table.out
    rows = cli("agent", "list", "-f", "json").json()
    assert [(r["Host"], r["Agent Type"], r["Alive"]) for r in rows] == [
        ("compute1", "Open vSwitch agent", True),
        ("compute2", "NIC Switch agent", True),
    ]
    assert rows[0]["Tunnel Types"] == ["vxlan"] and rows[0]["Tunnel IP"] == "192.0.2.1"


def test_dead_agent_is_shown_with_its_last_report(tmp_path: Path) -> None:
    cloud = make_cloud(tmp_path, down_time=1)
    cloud.report(OVS_AGENT)
    time.sleep(1.1)
    result = run_main("agent", "list", "--config-file", str(cloud.conf_path))
    assert "DEAD" in result.out and "last report" in result.out


def test_filters(cli: Run, cloud: Cloud) -> None:
    cloud.report(OVS_AGENT)
    assert cli("agent", "list", "--host", "other", "-f", "json").json() == []
    assert len(cli("agent", "list", "--agent-type", "Open vSwitch agent", "-f", "json").json()) == 1


DATAPLANE = {
    "backend": "linuxbridge",
    "network_types": ["flat", "local", "vxlan"],
    "vnic_types": ["normal"],
    "vif_types": ["tap"],
    "unavailable": {"vlan": "no 8021q in this kernel"},
}


def test_the_dataplane_report_is_a_column_and_agent_show_has_it_all(cli: Run, cloud: Cloud) -> None:
    """Issue 21: the agent guide promised `agent list -f json` shows `dataplane`; and `agent show`."""
    agent = {**OVS_AGENT, "configurations": {**OVS_AGENT["configurations"], "dataplane": DATAPLANE}}
    cloud.report(agent)
    rows = cli("agent", "list", "-f", "json").json()
    assert rows[0]["Dataplane"] == DATAPLANE
    table = cli("agent", "list").out
    assert "linuxbridge: flat, local, vxlan" in table and "not vlan: no 8021q in this kernel" in table
    shown = cli("agent", "show", "compute1", "-f", "json").json()
    assert shown["host"] == "compute1" and shown["dataplane"] == DATAPLANE
    assert shown["configurations.tunneling_ip"] == "192.0.2.1" and shown["alive"] is True
    by_id = cli("agent", "show", shown["id"], "-f", "json").json()
    assert by_id == shown
    text = cli("agent", "show", "compute1").out
    assert "not vlan: no 8021q in this kernel" in text
    cloud.report({"host": "compute1", "agent_type": constants.AGENT_TYPE_NIC_SWITCH, "configurations": {}})
    assert "several agents" in one_line_error(cli("agent", "show", "compute1"))
    assert cli("agent", "show", "compute1", "--agent-type", constants.AGENT_TYPE_NIC_SWITCH).code == 0
    assert "No agent" in one_line_error(cli("agent", "show", "nowhere"))
