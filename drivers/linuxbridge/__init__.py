"""Linux bridge dataplane backend (entry point ``ml2core.dataplane: linuxbridge``).

Kernel bridges, VXLAN and 802.1Q devices through pyroute2, as Neutron's
Linux bridge agent builds them. See :class:`LinuxBridgeBackend`.
"""

from __future__ import annotations

from drivers.linuxbridge.backend import LinuxBridgeBackend

__all__ = ["LinuxBridgeBackend"]
