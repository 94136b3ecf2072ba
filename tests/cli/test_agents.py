"""``ml2core agent list``."""

from __future__ import annotations

import time
from pathlib import Path

from ml2core import constants
from tests.cli.conftest import OVS_AGENT, Cloud, Run, make_cloud, run_main


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
