"""The real ``ml2core-agent`` through a database outage: one line per failure, backing off, recovering.

The agent (on a fake dataplane) talks to PostgreSQL or MariaDB through a
TCP proxy; the proxy then cuts every connection and refuses new ones for
a few seconds, as a database fail-over does. Every line the agent logs
meanwhile is one line (no traceback without ``--debug``), failures are
spaced out by the back-off, and once the database is back the agent goes
on and still stops cleanly.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ml2core.testing.config import render_ini
from tests.reliability.commit_proxy import CommitProxy
from tests.reliability.conftest import Figures

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.db_server]

OUTAGE = 6.0
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")


class Agent:
    """``tests.unit.agent.slow_agent`` (a fake dataplane) in a process; stderr into a file.

    A file, not a pipe: an agent logging a traceback per pass would fill a
    pipe nobody reads during the outage and block.
    """

    def __init__(self, conf: Path, log: Path) -> None:
        self.log = log
        self._lines: queue.Queue[str] = queue.Queue()
        with log.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.unit.agent.slow_agent", "--config-file", str(conf)],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.strip())

    def wait_for(self, text: str, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                if self._lines.get(timeout=left) == text:
                    return
            except queue.Empty:
                break
        raise AssertionError(f"{text!r} never printed; log: {self.log.read_text()[-3000:]}")

    def drain(self) -> None:
        while not self._lines.empty():
            self._lines.get_nowait()


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_an_outage_is_one_line_per_failure_with_backoff_and_the_agent_recovers(
    backend: str, server_database: Callable[[str], str], tmp_path: Path, figures: Figures
) -> None:
    with CommitProxy(server_database(backend)) as proxy:
        conf = tmp_path / "agent.conf"
        conf.write_text(
            render_ini(
                {
                    "agent": {
                        "host": "compute1",
                        "backend": "fake",
                        "polling_interval": 0.2,
                        "report_interval": 2,
                    },
                    "database": {"connection": proxy.url(), "max_retries": 2},
                }
            )
        )
        agent = Agent(conf, tmp_path / "agent.log")
        try:
            agent.wait_for("sync end")
            proxy.down()
            time.sleep(OUTAGE)
            agent.drain()
            proxy.up()
            agent.wait_for("sync end", timeout=30)
            agent.proc.terminate()
            code = agent.proc.wait(timeout=20)
        finally:
            if agent.proc.poll() is None:
                agent.proc.kill()
                agent.proc.wait()
        err = agent.log.read_text()

    lines = err.splitlines()
    assert code == 0, err
    assert all(_LOG_LINE.match(line) for line in lines), err  # no traceback, no continuation line
    failures = [line for line in lines if "pass failed" in line]
    # Back-off from 0.2 s doubling up to 2 s: a handful of tries in the outage, not one per 0.2 s.
    assert 1 <= len(failures) <= 8, err
    waits = [float(m) for m in re.findall(r"retrying in ([0-9.]+) s", err)]
    assert waits == sorted(waits) and max(waits) <= 2.0, waits
    assert "stopped by SIGTERM" in err
    figures(
        f"agent outage {backend}: {OUTAGE:.0f} s without the database, {len(failures)} one-line "
        f"failures (waits {waits}), recovered, clean stop"
    )
