"""``ml2core-agent`` that SIGKILLs itself in the middle of its sync (a crash between two steps).

Run as ``python -m tests.e2e.crash_agent <ml2core-agent arguments>`` with
``ML2CORE_E2E_KILL_AT`` set to

- ``netlink-set:<n>``: die at the n-th netlink "set" request of the Linux
  bridge backend (bridges and VXLAN devices made, taps partly plugged);
- ``flows:<n>``: die at the n-th ``ovs-ofctl`` flow sync of the Open
  vSwitch backend (one per bridge: ``br-int``, ``br-tun``, in
  ``initialize()`` and again in the pass; ``flows:4`` dies after the
  pass's OVSDB transaction and ``br-int`` flows, before ``br-tun``'s).

The process dies by a real SIGKILL: no ``finally``, no status report, no
socket closed cleanly, exactly as an agent killed by the OOM killer.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from drivers.agent import main
from drivers.linuxbridge.netlink import Netlink
from drivers.openvswitch.ofctl import OpenFlow


def _arm(cls: type[Any], method: str, at: int) -> None:
    original = getattr(cls, method)
    calls = 0

    def dying(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls >= at:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, *args, **kwargs)

    setattr(cls, method, dying)


if __name__ == "__main__":
    what, _, count = os.environ["ML2CORE_E2E_KILL_AT"].partition(":")
    target = {"netlink-set": (Netlink, "set"), "flows": (OpenFlow, "sync")}[what]
    _arm(*target, int(count))
    sys.exit(main(sys.argv[1:]))
