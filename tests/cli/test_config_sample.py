"""``ml2core config sample`` and bad configuration files."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import one_line_error, run_main


def test_sample_has_ml2_groups_and_driver_options() -> None:
    result = run_main("config", "sample")
    assert result.code == 0
    for needle in (
        "[ml2]",
        "network_vlan_ranges",
        "[ml2_type_vxlan]",
        "[database]",
        "vnic_type_prohibit_list",
    ):
        assert needle in result.out
    assert result.err == ""


def test_sample_to_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ml2.conf.sample"
    result = run_main("config", "sample", "--output", str(path))
    assert result.code == 0 and result.out == ""
    assert "#mechanism_drivers =" in path.read_text()


def test_unknown_namespace_adds_nothing_but_fails_nothing() -> None:
    result = run_main("config", "sample", "--namespace", "no.such.namespace")
    assert result.code == 0 and "[ml2]" in result.out


def test_unwritable_output_fails_in_one_line(tmp_path: Path) -> None:
    result = run_main("config", "sample", "--output", str(tmp_path / "no" / "dir.conf"))
    assert result.code == 1
    one_line_error(result)


def test_missing_config_file_fails_in_one_line(tmp_path: Path) -> None:
    result = run_main("network", "list", "--config-file", str(tmp_path / "absent.conf"))
    assert result.code == 1
    assert "absent.conf not found" in one_line_error(result)


def test_malformed_config_file_fails_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.conf"
    path.write_text("[ml2\ntype_drivers = vlan\n")
    result = run_main("network", "list", "--config-file", str(path))
    assert result.code == 1
    assert "malformed" in one_line_error(result)


def test_bad_option_value_names_the_option(tmp_path: Path) -> None:
    path = tmp_path / "bad.conf"
    path.write_text(
        f"[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:200:100\n[database]\nconnection = sqlite:///{tmp_path}/x.db\n"
    )
    result = run_main("network", "list", "--config-file", str(path))
    assert result.code == 1
    assert "network_vlan_ranges" in one_line_error(result)
