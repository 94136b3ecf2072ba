"""Backends by entry-point name, agent types, and the configurations each mechanism driver reads."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from oslo_config import cfg

from drivers.agent import profiles
from drivers.linuxbridge import LinuxBridgeBackend
from drivers.linuxbridge import config as lb_config
from drivers.openvswitch import OpenvswitchBackend
from drivers.openvswitch import config as ovs_config
from drivers.sriov import SriovBackend
from drivers.sriov import config as sriov_config
from ml2core import constants
from ml2core.exceptions import DriverLoadError, DriverNotFound
from tests.unit.agent.fakes import FakeBackend

MakeConf = Callable[..., cfg.ConfigOpts]


@pytest.mark.parametrize(
    ("name", "cls", "agent_type"),
    [
        ("linuxbridge", LinuxBridgeBackend, constants.AGENT_TYPE_LINUXBRIDGE),
        ("openvswitch", OpenvswitchBackend, constants.AGENT_TYPE_OVS),
        ("sriov", SriovBackend, constants.AGENT_TYPE_NIC_SWITCH),
    ],
)
def test_in_tree_backends_load_by_name_and_report_their_agent_type(
    name: str, cls: type, agent_type: str
) -> None:
    backend = profiles.load_backend(name)

    assert isinstance(backend, cls)
    assert profiles.profile_for(backend).agent_type == agent_type


def test_unknown_backend_names_the_installed_ones() -> None:
    with pytest.raises(DriverNotFound) as info:
        profiles.load_backend("openvswich")

    message = str(info.value)
    assert "'openvswich'" in message and "linuxbridge, openvswitch, sriov" in message


def test_backend_without_a_known_agent_type_is_refused() -> None:
    class Anonymous(FakeBackend):
        name = "anonymous"
        agent_type = ""

    with pytest.raises(DriverLoadError, match="agent_type"):
        profiles.profile_for(Anonymous())


def test_linuxbridge_reports_interface_mappings_and_its_vxlan_address(make_conf: MakeConf) -> None:
    conf = make_conf(
        {
            "linux_bridge": {"physical_interface_mappings": ["physnet1:eth1", "physnet2:eth2"]},
            "vxlan": {"local_ip": "192.0.2.7"},
        }
    )
    lb_config.register_opts(conf)
    profile = profiles.profile_for(LinuxBridgeBackend())

    assert profile.configurations(conf, LinuxBridgeBackend()) == {
        "interface_mappings": {"physnet1": "eth1", "physnet2": "eth2"},
        "bridge_mappings": {},
    }
    assert profile.tunneling_ip(conf) == "192.0.2.7"


def test_linuxbridge_with_vxlan_disabled_has_no_tunnel_address(make_conf: MakeConf) -> None:
    conf = make_conf({"vxlan": {"local_ip": "192.0.2.7", "enable_vxlan": False}})
    lb_config.register_opts(conf)

    assert profiles.profile_for(LinuxBridgeBackend()).tunneling_ip(conf) is None


def _fake_ovs_vsctl(directory: Path, payload: object, exit_code: int = 0) -> None:
    script = directory / "ovs-vsctl"
    script.write_text(f"#!/bin/sh\necho '{json.dumps(payload)}'\nexit {exit_code}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_openvswitch_reports_bridges_datapath_and_the_switchs_interface_types(
    make_conf: MakeConf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = {
        "headings": ["iface_types", "datapath_types"],
        "data": [[["set", ["vxlan", "internal", "dpdkvhostuserclient"]], ["set", ["netdev", "system"]]]],
    }
    _fake_ovs_vsctl(tmp_path, table)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    conf = make_conf(
        {
            "ovs": {
                "bridge_mappings": ["physnet1:br-eth1"],
                "datapath_type": "netdev",
                "integration_bridge": "br-int2",
                "local_ip": "192.0.2.8",
            }
        }
    )
    ovs_config.register_opts(conf)
    profile = profiles.profile_for(OpenvswitchBackend())

    assert profile.configurations(conf, OpenvswitchBackend()) == {
        "bridge_mappings": {"physnet1": "br-eth1"},
        "datapath_type": "netdev",
        "integration_bridge": "br-int2",
        "ovs_hybrid_plug": False,
        "ovs_capabilities": {
            "iface_types": ["dpdkvhostuserclient", "internal", "vxlan"],
            "datapath_types": ["netdev", "system"],
        },
    }
    assert profile.tunneling_ip(conf) == "192.0.2.8"


def test_unreadable_switch_reports_no_capabilities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_ovs_vsctl(tmp_path, {}, exit_code=1)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")

    assert profiles.ovs_capabilities("unix:/nonexistent", 1) == {"iface_types": [], "datapath_types": []}


def test_sriov_reports_device_mappings_as_lists(make_conf: MakeConf) -> None:
    conf = make_conf(
        {"sriov_nic": {"physical_device_mappings": ["physnet1:eth3", "physnet1:eth4", "physnet2:eth5"]}}
    )
    sriov_config.register_opts(conf)
    profile = profiles.profile_for(SriovBackend())

    assert profile.configurations(conf, SriovBackend()) == {
        "device_mappings": {"physnet1": ["eth3", "eth4"], "physnet2": ["eth5"]}
    }
    assert profile.tunneling_ip(conf) is None
