"""ml2core: Neutron's ML2 as a standalone library.

The facade is :class:`Ml2Plugin`; callers identify themselves with
:class:`Context`; host agents reach a plugin through
:class:`LocalHostClient` (or any other ``ml2core.api.HostClient``).
"""

from __future__ import annotations

import logging

from ml2core.context import Context
from ml2core.host_client import LocalHostClient
from ml2core.plugin import Ml2Plugin

__version__ = "0.1.0"
__all__ = ["Context", "LocalHostClient", "Ml2Plugin", "__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
