"""The driver contract: what type, mechanism and extension drivers subclass and use.

Import from here (``from ml2core.api import MechanismDriver``); the
submodules are an implementation detail of this package's layout.
"""

from __future__ import annotations

from typing import Final

from ml2core.api import allocations, ranges
from ml2core.api.context import NetworkContext, PortContext, Segment, SubnetContext
from ml2core.api.extension_driver import ExtensionDriver
from ml2core.api.host import HostClient
from ml2core.api.mechanism_driver import (
    AgentMechanismDriverBase,
    MechanismDriver,
    SimpleAgentMechanismDriverBase,
)
from ml2core.api.ranges import IdRange
from ml2core.api.type_driver import SegmentTypeDriver, TypeDriver
from ml2core.constants import MAX_BINDING_LEVELS
from ml2core.dataplane import DataplaneBackend

# Keys of segment dicts and binding levels (as neutron_lib.plugins.ml2.api).
ID: Final = "id"
NETWORK_TYPE: Final = "network_type"
PHYSICAL_NETWORK: Final = "physical_network"
SEGMENTATION_ID: Final = "segmentation_id"
MTU: Final = "mtu"
NETWORK_ID: Final = "network_id"
BOUND_DRIVER: Final = "bound_driver"
BOUND_SEGMENT: Final = "bound_segment"

__all__ = [
    "BOUND_DRIVER",
    "BOUND_SEGMENT",
    "ID",
    "MAX_BINDING_LEVELS",
    "MTU",
    "NETWORK_ID",
    "NETWORK_TYPE",
    "PHYSICAL_NETWORK",
    "SEGMENTATION_ID",
    "AgentMechanismDriverBase",
    "DataplaneBackend",
    "ExtensionDriver",
    "HostClient",
    "IdRange",
    "MechanismDriver",
    "NetworkContext",
    "PortContext",
    "Segment",
    "SegmentTypeDriver",
    "SimpleAgentMechanismDriverBase",
    "SubnetContext",
    "TypeDriver",
    "allocations",
    "ranges",
]
