"""Capability probes: which device kinds can this kernel create?

A kernel without 802.1Q support answers ``ip link add ... type vlan`` with
"Unknown device type" (modular kernels load the module on demand, so
looking for ``/proc/net/vlan`` is not enough). The probe therefore tries
for real, in a scratch network namespace it creates and deletes, so the
host itself is never changed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import Any

from ml2core import constants

__all__ = ["probe_kernel"]


def _try(ipr: Any, **attrs: Any) -> str | None:
    from pyroute2.netlink.exceptions import NetlinkError

    try:
        ipr.link("add", **attrs)
    except NetlinkError as exc:
        return f"{exc.args[-1]} (errno {exc.code})"
    return None


def probe_kernel() -> dict[str, str]:
    """Network types the kernel cannot realize, with the reason; blocks ~50 ms.

    Checks 802.1Q VLAN devices (``vlan``) and VXLAN devices (``vxlan``).
    If the scratch namespace itself cannot be made, both are reported
    unavailable with that error.
    """
    from pyroute2 import IPRoute, netns

    name = f"ml2core-probe-{os.getpid()}-{secrets.token_hex(3)}"
    missing: dict[str, str] = {}
    try:
        netns.create(name)
    except Exception as exc:
        reason = f"capability probe failed: cannot create a scratch network namespace: {exc}"
        return {constants.TYPE_VLAN: reason, constants.TYPE_VXLAN: reason}
    try:
        with IPRoute(netns=name, flags=0, groups=0, ext_ack=True) as ipr:
            ipr.link("add", ifname="probe0", kind="veth", peer="probe1")
            parent = ipr.link_lookup(ifname="probe0")[0]
            error = _try(ipr, ifname="probe0.7", kind="vlan", link=parent, vlan_id=7)
            if error:
                missing[constants.TYPE_VLAN] = (
                    f"the kernel cannot create 802.1Q VLAN devices (no 8021q / CONFIG_VLAN_8021Q): {error}"
                )
            error = _try(ipr, ifname="probe-vx", kind="vxlan", vxlan_id=7, vxlan_port=4789)
            if error:
                missing[constants.TYPE_VXLAN] = f"the kernel cannot create VXLAN devices: {error}"
    except Exception as exc:
        reason = f"capability probe failed: {exc}"
        missing.setdefault(constants.TYPE_VLAN, reason)
        missing.setdefault(constants.TYPE_VXLAN, reason)
    finally:
        with contextlib.suppress(OSError):
            netns.remove(name)
    return missing
