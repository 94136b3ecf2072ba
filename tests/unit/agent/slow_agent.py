"""``ml2core-agent`` on a fake backend whose sync is slow, for signal tests in a real process.

Run as ``python -m tests.unit.agent.slow_agent <ml2core-agent arguments>``.
``[agent] backend`` is ignored: every name loads :class:`SlowBackend`,
which prints ``initialized``, ``sync start``, ``sync end`` and ``closed``
on stdout so the test can follow it. ``SLOW_AGENT_SYNC`` is the sync's
duration in seconds; ``SLOW_AGENT_FAIL=1`` makes every sync raise;
``SLOW_AGENT_CLOSE`` makes ``close`` print ``closing`` and take that many
seconds before ``closed``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence

from drivers.agent import main, profiles
from ml2core.dataplane import PortInfo, SyncReport
from ml2core.exceptions import DataplaneError
from tests.unit.agent.fakes import FakeBackend


class SlowBackend(FakeBackend):
    def initialize(self) -> None:
        print("initialized", flush=True)

    def sync(self, port_infos: Sequence[PortInfo]) -> SyncReport:
        print("sync start", flush=True)
        time.sleep(float(os.environ.get("SLOW_AGENT_SYNC", "0")))
        if os.environ.get("SLOW_AGENT_FAIL"):
            raise DataplaneError(operation="sync", reason="the switch is gone")
        print("sync end", flush=True)
        return super().sync(port_infos)

    def close(self) -> None:
        slow = float(os.environ.get("SLOW_AGENT_CLOSE", "0"))
        if slow:
            print("closing", flush=True)
            time.sleep(slow)
        print("closed", flush=True)


if __name__ == "__main__":
    profiles.load_backend = lambda name: SlowBackend()
    sys.exit(main(sys.argv[1:]))
