"""The entry point: help, usage errors, exit codes, the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ml2core.cli.main import build_parser
from tests.cli.conftest import one_line_error, run_main

SCRIPT = Path(sys.executable).with_name("ml2core")


def test_help_lists_every_command() -> None:
    result = run_main("--help")
    assert result.code == 0
    for noun in (
        "network",
        "subnet",
        "port",
        "agent",
        "segment-range",
        "allocation",
        "topology",
        "db",
        "config",
        "demo",
    ):
        assert noun in result.out


@pytest.mark.parametrize(
    "argv",
    [
        ("network", "--help"),
        ("port", "create", "--help"),
        ("port", "explain", "--help"),
        ("allocation", "list", "--help"),
        ("demo", "--help"),
    ],
)
def test_command_help(argv: tuple[str, ...]) -> None:
    result = run_main(*argv)
    assert result.code == 0 and "usage: ml2core" in result.out


def test_no_command_is_a_usage_error() -> None:
    result = run_main()
    assert result.code == 2
    assert "required" in one_line_error(result)


def test_unknown_command_and_option_are_usage_errors() -> None:
    unknown = run_main("volume", "list")
    assert unknown.code == 2 and "invalid choice" in one_line_error(unknown)
    option = run_main("network", "list", "--frobnicate")
    assert option.code == 2 and "--frobnicate" in one_line_error(option)
    fmt = run_main("network", "list", "-f", "xml")
    assert fmt.code == 2 and "xml" in one_line_error(fmt)


def test_unknown_column_is_a_usage_error(tmp_path: Path) -> None:
    result = run_main("network", "list", "-c", "Colour", "--db-url", f"sqlite:///{tmp_path}/x.db")
    assert result.code == 2
    assert "unknown column 'Colour'" in one_line_error(result)


def test_every_leaf_command_has_a_docstring_handler() -> None:
    parser = build_parser()
    assert parser.prog == "ml2core"


def test_installed_console_script(tmp_path: Path) -> None:
    assert SCRIPT.exists(), f"console script not installed at {SCRIPT}"
    url = f"sqlite:///{tmp_path / 'script.sqlite'}"
    env = {**os.environ, "COLUMNS": "120"}
    created = subprocess.run(
        [str(SCRIPT), "network", "create", "net1", "--db-url", url, "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["name"] == "net1"
    missing = subprocess.run(
        [str(SCRIPT), "network", "show", "nope", "--db-url", url],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert missing.returncode == 1
    assert missing.stderr == "ml2core: error: No network with a name or ID of 'nope' exists.\n"
    usage = subprocess.run([str(SCRIPT), "network"], capture_output=True, text=True, check=False, env=env)
    assert usage.returncode == 2 and len(usage.stderr.strip().splitlines()) == 1


def test_a_default_database_and_configuration_are_announced(tmp_path, monkeypatch) -> None:
    """Issue 21: one stderr line names the database and configuration the CLI fell back to."""
    monkeypatch.chdir(tmp_path)
    result = run_main("network", "list")
    assert result.code == 0
    (line,) = result.err.strip().splitlines()
    assert line.startswith("ml2core: no --config-file or --db-url given: ")
    assert f"sqlite:///ml2core.sqlite ({tmp_path / 'ml2core.sqlite'})" in line
    assert "no mechanism drivers" in line
    url = f"sqlite:///{tmp_path / 'chosen.sqlite'}"
    assert run_main("network", "list", "--db-url", url).err == ""
    conf = tmp_path / "no-db.conf"
    conf.write_text("[ml2]\nmechanism_drivers = openvswitch\n")
    (line,) = run_main("network", "list", "--config-file", str(conf)).err.strip().splitlines()
    assert line.startswith(
        "ml2core: no [database] connection in the config files: using the default database"
    )


def test_nothing_is_announced_when_both_are_chosen(cli) -> None:
    result = cli("network", "list")
    assert result.code == 0 and result.err == ""


def test_a_port_without_mechanism_drivers_is_explained(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'bare.sqlite'}"
    net = run_main("network", "create", "n", "--db-url", url, "-f", "json").json()
    port = run_main(
        "port", "create", "p", "--network", net["id"], "--host", "compute1", "--db-url", url, "-f", "json"
    ).json()
    assert port["binding:vif_type"] == "binding_failed"
    explained = run_main("port", "explain", port["id"], "--db-url", url)
    assert "no mechanism drivers are configured: [ml2] mechanism_drivers" in " ".join(explained.out.split())


def test_debug_shows_the_traceback_and_not_driver_discovery(cli) -> None:
    """Issue 21: ``--debug`` promised tracebacks; it printed about 100 lines of stevedore instead."""
    quiet = cli("network", "show", "nope")
    assert quiet.code == 1 and "Traceback" not in quiet.err
    loud = cli("--debug", "network", "show", "nope")
    assert loud.code == 1
    assert loud.err.startswith("Traceback (most recent call last):")
    assert loud.err.rstrip().endswith("ml2core: error: No network with a name or ID of 'nope' exists.")
    assert "stevedore" not in loud.err and "alembic" not in loud.err
    assert "stevedore" not in cli("--debug", "network", "list").err


def test_no_error_message_repeats_the_program_name() -> None:
    """``ml2core: error: ml2core demo --dataplane: …`` said the name twice (issue 21)."""
    import re
    from pathlib import Path

    import ml2core.cli

    sources = Path(ml2core.cli.__file__).parent.glob("*.py")
    doubled = [
        f"{path.name}: {m.group(0)}"
        for path in sources
        for m in re.finditer(r"CliError\(\s*f?[\"']ml2core\b[^\"']*", path.read_text())
    ]
    assert doubled == []
