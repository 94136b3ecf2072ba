"""Fixtures for the CLI tests: a configured cloud on a SQLite file, and a runner for ``main``."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ml2core import Context, Ml2Plugin, constants
from ml2core.cli.main import main
from ml2core.config import new_conf

CONFIG = """\
[DEFAULT]
agent_down_time = {down_time}

[ml2]
type_drivers = flat,vlan,vxlan,gre,geneve,local
project_network_types = vxlan
mechanism_drivers = {mechanisms}

[ml2_type_flat]
flat_networks = public

[ml2_type_vlan]
network_vlan_ranges = physnet1:100:109

[ml2_type_vxlan]
vni_ranges = 1000:1009

[ml2_type_gre]
tunnel_id_ranges = 10:19

[ml2_type_geneve]
vni_ranges = 5000:5009

[database]
connection = sqlite:///{db}
"""

OVS_AGENT = {
    "host": "compute1",
    "agent_type": constants.AGENT_TYPE_OVS,
    "binary": "ml2core-agent",
    "configurations": {
        "bridge_mappings": {"public": "br-ex", "physnet1": "br-vlan"},
        "tunnel_types": ["vxlan"],
        "tunneling_ip": "192.0.2.1",
    },
}


@dataclass
class Result:
    """Exit code and output of one ``ml2core`` run."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[..., Result]


@dataclass
class Cloud:
    """A config file (and its database) the CLI is pointed at with ``--config-file``."""

    conf_path: Path
    db_path: Path

    def plugin(self) -> Ml2Plugin:
        return Ml2Plugin(new_conf(config_files=[str(self.conf_path)]))

    def report(self, state: dict[str, Any]) -> None:
        with self.plugin() as plugin:
            plugin.report_agent_state(Context.admin(), state)


def run_main(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


def make_cloud(
    tmp_path: Path, mechanisms: str = "openvswitch,linuxbridge,sriovnicswitch", down_time: int = 75
) -> Cloud:
    db = tmp_path / "cloud.sqlite"
    conf = tmp_path / "ml2.conf"
    conf.write_text(CONFIG.format(db=db, mechanisms=mechanisms, down_time=down_time))
    return Cloud(conf, db)


@pytest.fixture
def cloud(tmp_path: Path) -> Cloud:
    """Flat on public, VLAN physnet1:100:109, VXLAN 1000:1009, GRE 10:19, GENEVE 5000:5009."""
    return make_cloud(tmp_path)


@pytest.fixture
def cli(cloud: Cloud) -> Iterator[Run]:
    """``cli("network", "list", ...)``: ``ml2core`` on :func:`cloud` (``--config-file`` appended)."""

    def run(*argv: str) -> Result:
        return run_main(*argv, "--config-file", str(cloud.conf_path))

    yield run


def one_line_error(result: Result) -> str:
    """The single stderr line of a failed run (asserting there is exactly one)."""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("ml2core: error: "), lines[0]
    return lines[0]
