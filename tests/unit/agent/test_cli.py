"""``ml2core-agent`` from the command line: configuration errors, ``--once``, signals.

Configuration errors run ``main()`` in-process; exit codes, ``--once``
and signal handling run real processes (marked ``slow``: about a second
each), on a fake backend whose sync takes as long as a test needs.
"""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.agent import main

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(sys.executable).with_name("ml2core-agent")
WriteConf = Callable[..., Path]


def _run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(argv), err=err)
    return code, err.getvalue()


def _conf(write_conf: WriteConf, **agent: Any) -> Path:
    return write_conf(
        {
            "agent": {"host": "compute1", "backend": "fake", **agent},
            "database": {"connection": "sqlite://"},
        }
    )


def test_unknown_backend_is_one_line_naming_the_installed_ones_and_exit_2(write_conf: WriteConf) -> None:
    path = write_conf({"agent": {"backend": "openvswich"}})

    code, err = _run("--config-file", str(path))

    assert code == 2
    assert err.count("\n") == 1 and err.startswith("ml2core-agent: error: ")
    assert "'openvswich'" in err and "linuxbridge, openvswitch, sriov" in err


def test_missing_backend_option_is_a_config_error(write_conf: WriteConf) -> None:
    code, err = _run("--config-file", str(write_conf({"agent": {"host": "h"}})))

    assert code == 2 and "[agent] backend" in err


def test_malformed_option_value_is_a_config_error(write_conf: WriteConf) -> None:
    path = write_conf({"agent": {"backend": "linuxbridge", "polling_interval": "often"}})

    code, err = _run("--config-file", str(path))

    assert code == 2 and "polling_interval" in err and err.count("\n") == 1


def test_unknown_tunnel_type_is_a_config_error(write_conf: WriteConf) -> None:
    path = write_conf({"agent": {"backend": "linuxbridge", "tunnel_types": ["vxlan", "mpls"]}})

    code, err = _run("--config-file", str(path))

    assert code == 2 and "[agent] tunnel_types" in err and "'mpls'" in err


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    code, err = _run("--config-file", str(tmp_path / "absent.conf"))

    assert code == 2 and "absent.conf" in err


def test_malformed_backend_option_fails_before_the_database_is_touched(
    write_conf: WriteConf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the default database would be created
    path = write_conf(
        {
            "agent": {"host": "h", "backend": "linuxbridge"},
            "linux_bridge": {"physical_interface_mappings": ["physnet1"]},
        }
    )

    code, err = _run("--config-file", str(path))

    assert code == 2 and "physical_interface_mappings" in err
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.slow
def test_console_script_exits_2_on_an_unknown_backend(write_conf: WriteConf) -> None:
    if not SCRIPT.exists():
        pytest.skip(f"ml2core-agent is not installed next to {sys.executable}")
    path = write_conf({"agent": {"backend": "nope"}})

    proc = subprocess.run(
        [str(SCRIPT), "--config-file", str(path)], capture_output=True, text=True, check=False
    )

    assert proc.returncode == 2 and proc.stderr.startswith(
        "ml2core-agent: error: No ml2core.dataplane driver"
    )


class SlowAgent:
    """``tests.unit.agent.slow_agent`` in a real process; stdout lines collected as they come."""

    def __init__(
        self, conf: Path, *extra: str, sync: float = 0.0, fail: bool = False, close: float = 0.0
    ) -> None:
        env = {
            "PYTHONPATH": str(ROOT),
            "SLOW_AGENT_SYNC": str(sync),
            "SLOW_AGENT_CLOSE": str(close),
            "PATH": "/usr/bin:/bin",
        }
        if fail:
            env["SLOW_AGENT_FAIL"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.unit.agent.slow_agent", "--config-file", str(conf), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )

    def wait_for(self, text: str, timeout: float = 20.0) -> None:
        assert self.proc.stdout is not None
        end = time.monotonic() + timeout
        for line in self.proc.stdout:
            if line.strip() == text:
                return
            assert time.monotonic() < end
        raise AssertionError(
            f"{text!r} never printed; stderr: {self.proc.stderr.read() if self.proc.stderr else ''}"
        )

    def finish(self, timeout: float = 20.0) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err


@pytest.fixture
def slow_agents() -> Iterator[list[SlowAgent]]:
    made: list[SlowAgent] = []
    yield made
    for agent in made:
        if agent.proc.poll() is None:
            agent.proc.kill()
            agent.proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_pass_lets_it_finish_then_closes_the_backend_and_exits_0(
    signum: int, write_conf: WriteConf, slow_agents: list[SlowAgent]
) -> None:
    agent = SlowAgent(_conf(write_conf), sync=0.5)
    slow_agents.append(agent)
    agent.wait_for("sync start")

    agent.proc.send_signal(signum)
    code, out, err = agent.finish()

    assert code == 0, err
    assert out.splitlines() == ["sync end", "closed"]
    assert f"stopped by {signal.Signals(signum).name}" in err


@pytest.mark.slow
def test_a_signal_while_waiting_stops_at_once(write_conf: WriteConf, slow_agents: list[SlowAgent]) -> None:
    agent = SlowAgent(_conf(write_conf, polling_interval=60))
    slow_agents.append(agent)
    agent.wait_for("sync end")
    time.sleep(0.2)

    start = time.monotonic()
    agent.proc.send_signal(signal.SIGTERM)
    code, out, _ = agent.finish()

    assert code == 0 and out.splitlines() == ["closed"]
    assert time.monotonic() - start < 5


@pytest.mark.slow
def test_a_second_signal_interrupts_the_pass(write_conf: WriteConf, slow_agents: list[SlowAgent]) -> None:
    agent = SlowAgent(_conf(write_conf), sync=30.0)
    slow_agents.append(agent)
    agent.wait_for("sync start")

    agent.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    agent.proc.send_signal(signal.SIGTERM)
    code, out, err = agent.finish(timeout=10)

    assert code == 130 and "interrupted" in err
    assert out.splitlines() == ["closed"]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_second_signal_while_closing_still_exits_0(
    signum: int, write_conf: WriteConf, slow_agents: list[SlowAgent]
) -> None:
    agent = SlowAgent(_conf(write_conf, polling_interval=60), close=1.0)
    slow_agents.append(agent)
    agent.wait_for("sync end")

    agent.proc.send_signal(signal.SIGTERM)
    agent.wait_for("closing")
    agent.proc.send_signal(signum)
    code, out, err = agent.finish()

    assert code == 0, err
    assert out.splitlines() == ["closed"]
    assert "stopped by SIGTERM" in err and "interrupted" not in err


@pytest.mark.slow
def test_once_runs_one_pass_and_exits_0(write_conf: WriteConf, slow_agents: list[SlowAgent]) -> None:
    agent = SlowAgent(_conf(write_conf), "--once")
    slow_agents.append(agent)

    code, out, err = agent.finish()

    assert code == 0, err
    assert out.splitlines() == ["initialized", "sync start", "sync end", "closed"]


@pytest.mark.slow
def test_once_with_a_failing_sync_exits_1_with_one_line(
    write_conf: WriteConf, slow_agents: list[SlowAgent]
) -> None:
    agent = SlowAgent(_conf(write_conf), "--once", fail=True)
    slow_agents.append(agent)

    code, out, err = agent.finish()

    assert code == 1
    assert "ml2core-agent: error: pass failed: Dataplane operation sync failed: the switch is gone" in err
    assert out.splitlines()[-1] == "closed"


@pytest.mark.slow
def test_the_daemon_survives_failing_passes(write_conf: WriteConf, slow_agents: list[SlowAgent]) -> None:
    agent = SlowAgent(_conf(write_conf, polling_interval=0.05), fail=True)
    slow_agents.append(agent)
    for _ in range(3):
        agent.wait_for("sync start")

    agent.proc.send_signal(signal.SIGTERM)
    code, _, err = agent.finish()

    assert code == 0 and err.count("pass failed") >= 3


def test_once_exits_1_when_a_port_could_not_be_realized(make_agent: Any, backend: Any) -> None:
    """Issue 21: ``--once`` exits non-zero, naming the port and the reason, when any port failed."""
    from drivers.agent.cli import _once
    from tests.unit.agent.fakes import port_info

    agent, _client = make_agent([port_info("good"), port_info("bad")])
    backend.errors = {"bad": "tap missing"}
    err = io.StringIO()
    assert _once(agent, err) == 1
    assert err.getvalue() == "ml2core-agent: error: 1 port(s) could not be realized: bad: tap missing\n"
    backend.errors = {}
    err = io.StringIO()
    assert _once(agent, err) == 0 and err.getvalue() == ""
