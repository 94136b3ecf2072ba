"""OpenFlow programming through ``ovs-ofctl`` (ovsdbapp speaks OVSDB only).

Per bridge and sync: one ``dump-flows`` restricted to ml2core's cookie
mark, and, only when something differs, one ``--bundle add-flows``: the
deletions of stale cookies and the additions, applied atomically
(OpenFlow 1.4 bundle), so a packet sees the old rules or the new ones,
never a mix.
"""

from __future__ import annotations

import os
import re
import subprocess
import time

from drivers.openvswitch.flows import COOKIE_MARK, COOKIE_MASK, BridgeFlows
from ml2core.exceptions import DataplaneError

__all__ = ["OpenFlow"]

_COOKIE_RE = re.compile(r"cookie=(0x[0-9a-fA-F]+)")


class OpenFlow:
    """``ovs-ofctl`` against bridges whose management sockets live in ``rundir``.

    ``rundir`` ``None`` lets ovs-ofctl find ``/var/run/openvswitch``. Each
    call runs one process and blocks until it exits (at most ``timeout`` s).
    """

    def __init__(self, rundir: str | None, timeout: int = 10, binary: str = "ovs-ofctl") -> None:
        self.rundir = rundir
        self.timeout = timeout
        self.binary = binary

    def target(self, bridge: str) -> str:
        """How ovs-ofctl addresses ``bridge``."""
        if self.rundir:
            return f"unix:{os.path.join(self.rundir, bridge)}.mgmt"
        return bridge

    def _run(self, args: list[str], what: str, stdin: str | None = None) -> str:
        argv = [self.binary, f"--timeout={self.timeout}", *args]
        try:
            proc = subprocess.run(
                argv, input=stdin, capture_output=True, text=True, timeout=self.timeout + 5, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DataplaneError(operation=what, reason=str(exc)) from exc
        if proc.returncode != 0:
            raise DataplaneError(operation=what, reason=proc.stderr.strip() or f"exit {proc.returncode}")
        return proc.stdout

    def _wait_for_socket(self, bridge: str) -> None:
        # ovs-vswitchd may create a new bridge's management socket a moment
        # after the OVSDB transaction that made the bridge has returned.
        if not self.rundir:
            return
        path = os.path.join(self.rundir, f"{bridge}.mgmt")
        deadline = time.monotonic() + self.timeout
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.01)

    def cookies(self, bridge: str) -> set[int]:
        """Cookies of the flows ml2core installed on ``bridge``."""
        self._wait_for_socket(bridge)
        out = self._run(
            ["dump-flows", "--no-stats", self.target(bridge), f"cookie={COOKIE_MARK:#x}/{COOKIE_MASK:#x}"],
            f"dump flows of {bridge}",
        )
        return {int(m.group(1), 16) for m in _COOKIE_RE.finditer(out)}

    def sync(self, wanted: BridgeFlows, *, prune: bool = True) -> int:
        """Make ml2core's flows on the bridge equal ``wanted``; returns the number of flow mods.

        Without ``prune`` only missing flows are added (a flow with the
        same match still replaces the old one, as OpenFlow adds do).
        """
        have = self.cookies(wanted.bridge)
        stale = sorted(have - set(wanted.flows)) if prune else []
        missing = [(cookie, flow) for cookie, flow in sorted(wanted.flows.items()) if cookie not in have]
        if not stale and not missing:
            return 0
        lines = [f"delete cookie={cookie:#x}/-1" for cookie in stale]
        lines += [f"add cookie={cookie:#x},{flow}" for cookie, flow in missing]
        self._run(
            ["--bundle", "add-flows", self.target(wanted.bridge), "-"],
            f"program {len(lines)} flow changes on {wanted.bridge}",
            stdin="\n".join(lines) + "\n",
        )
        return len(lines)
