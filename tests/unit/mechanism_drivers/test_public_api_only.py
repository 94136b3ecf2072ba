"""The in-tree mechanism drivers are shipped as a vendor would ship them."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import mechanism_drivers
from mechanism_drivers.linuxbridge import LinuxBridgeMechanismDriver
from mechanism_drivers.openvswitch import OpenvswitchMechanismDriver
from mechanism_drivers.sriovnicswitch import SriovNicSwitchMechanismDriver

PUBLIC_ML2CORE = {"ml2core", "ml2core.api", "ml2core.constants", "ml2core.exceptions"}
ALLOWED_THIRD_PARTY = {"oslo_config", "mechanism_drivers"}
MODULES = sorted(Path(mechanism_drivers.__file__).parent.glob("*.py"))


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "ml2core":
                # ``from ml2core import constants`` names a submodule.
                names.extend(
                    f"ml2core.{alias.name}" if alias.name.islower() else "ml2core" for alias in node.names
                )
            else:
                names.append(node.module)
    return names


def test_every_driver_module_is_checked() -> None:
    assert {p.stem for p in MODULES} >= {"linuxbridge", "openvswitch", "sriovnicswitch"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_driver_module_imports_only_the_public_api(path: Path) -> None:
    offending = [
        name
        for name in imported_modules(path)
        if (name.split(".")[0] == "ml2core" and name not in PUBLIC_ML2CORE)
        or (
            name.split(".")[0] not in {"ml2core", *ALLOWED_THIRD_PARTY}
            and name.split(".")[0] not in sys.stdlib_module_names
        )
    ]
    assert offending == []


def test_the_import_check_catches_an_internal_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from ml2core.managers import loader\nfrom ml2core import plugin\n")
    assert [n for n in imported_modules(bad) if n not in PUBLIC_ML2CORE] == [
        "ml2core.managers",
        "ml2core.plugin",
    ]


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("linuxbridge", LinuxBridgeMechanismDriver),
        ("openvswitch", OpenvswitchMechanismDriver),
        ("sriovnicswitch", SriovNicSwitchMechanismDriver),
    ],
)
def test_entry_point_loads_the_driver_class(name: str, cls: type) -> None:
    (entry_point,) = [ep for ep in entry_points(group="ml2core.mechanism_drivers") if ep.name == name]
    assert entry_point.load() is cls


def test_list_opts_names_each_driver_group() -> None:
    groups = {group: [opt.name for opt in opts] for group, opts in mechanism_drivers.list_opts()}
    assert groups == {
        "LINUXBRIDGE_DRIVER": ["vnic_type_prohibit_list"],
        "OVS_DRIVER": ["vnic_type_prohibit_list"],
        "SRIOV_DRIVER": ["vnic_type_prohibit_list"],
    }
