"""SR-IOV dataplane backend (entry point ``ml2core.dataplane: sriov``).

PFs and VFs discovered from sysfs, VF MAC / VLAN / spoof check / link
state set through pyroute2, as Neutron's NIC switch agent does. See
:class:`SriovBackend`.
"""

from __future__ import annotations

from drivers.sriov.backend import SriovBackend

__all__ = ["SriovBackend"]
