"""``ml2core topology --output FILE.svg``: a well-formed SVG naming networks, segments, hosts and ports."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ml2core import constants
from tests.cli.conftest import Cloud, make_cloud, one_line_error, run_main

SVG = "{http://www.w3.org/2000/svg}"


def _texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _build(cloud: Cloud) -> None:
    cloud.report(
        {
            "host": "compute3",
            "agent_type": constants.AGENT_TYPE_OVS,
            "configurations": {
                "bridge_mappings": {"physnet1": "br-vlan", "public": "br-ex"},
                "tunnel_types": [],
            },
        }
    )
    c = ("--config-file", str(cloud.conf_path))
    run_main("network", "create", "blue", *c)
    run_main(
        "network",
        "create",
        "pub",
        "--provider-network-type",
        "flat",
        "--provider-physical-network",
        "public",
        *c,
    )
    run_main("port", "create", "vm-hier", "--network", "blue", "--host", "compute3", *c)
    run_main("port", "create", "vm-flat", "--network", "pub", "--host", "compute3", *c)
    run_main("port", "create", "vm-lost", "--network", "pub", "--host", "ghost-host", *c)
    run_main("port", "create", "vm-idle", "--network", "blue", *c)


def test_svg_is_well_formed_and_labelled(tmp_path: Path) -> None:
    cloud = make_cloud(tmp_path, mechanisms="openvswitch,tor")
    _build(cloud)
    out = tmp_path / "topo.svg"
    result = run_main("topology", "--output", str(out), "--config-file", str(cloud.conf_path))
    assert result.code == 0, result.err
    assert "2 networks, 2 hosts, 4 ports" in result.out
    texts = _texts(out)
    joined = "\n".join(texts)
    for label in ("blue", "pub", "compute3", "ghost-host", "vm-hier", "vm-flat", "vm-lost", "vm-idle"):
        assert label in texts, label
    assert "flat on public" in texts
    assert "Open vSwitch agent (alive)" in texts
    # The hierarchical port: two levels, and the network shows its dynamic VLAN.
    assert any(t.startswith("tor: vxlan VNI") for t in texts)
    assert any(t.startswith("openvswitch: vlan 1") and t.endswith("on physnet1") for t in texts)
    assert any(t.startswith("dynamic: vlan") for t in texts)
    assert "openvswitch: flat on public" in texts
    assert "binding failed: ml2core port explain vm-lost" in joined
    assert "no host" in texts


def test_empty_cloud_draws_an_empty_picture(tmp_path: Path) -> None:
    cloud = make_cloud(tmp_path)
    result = run_main("topology", "-o", "-", "--config-file", str(cloud.conf_path))
    assert result.code == 0
    root = ET.fromstring(result.out)
    assert "0 networks, 0 hosts, 0 ports" in ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_names_are_escaped(tmp_path: Path) -> None:
    cloud = make_cloud(tmp_path)
    run_main("network", "create", "<a&b>", "--config-file", str(cloud.conf_path))
    out = tmp_path / "t.svg"
    assert run_main("topology", "-o", str(out), "--config-file", str(cloud.conf_path)).code == 0
    assert "<a&b>" in _texts(out)


def test_output_is_required_and_must_be_writable(tmp_path: Path) -> None:
    cloud = make_cloud(tmp_path)
    missing = run_main("topology", "--config-file", str(cloud.conf_path))
    assert missing.code == 2 and "--output" in one_line_error(missing)
    bad = run_main("topology", "-o", str(tmp_path / "no" / "x.svg"), "--config-file", str(cloud.conf_path))
    assert bad.code == 1
    one_line_error(bad)
