"""Open vSwitch dataplane backend (entry point ``ml2core.dataplane: openvswitch``).

``br-int`` / ``br-tun`` / provider bridges through ovsdbapp, their
OpenFlow rules through ``ovs-ofctl`` bundles, as Neutron's OVS agent lays
them out. See :class:`OpenvswitchBackend`.
"""

from __future__ import annotations

from drivers.openvswitch.backend import OpenvswitchBackend

__all__ = ["OpenvswitchBackend"]
