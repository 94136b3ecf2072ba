"""ml2core: Neutron's ML2 as a standalone library.

The facade is :class:`Ml2Plugin`; callers identify themselves with
:class:`Context`; host agents reach a plugin through
:class:`LocalHostClient` (or any other ``ml2core.api.HostClient``).
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ml2core.context import Context
    from ml2core.host_client import LocalHostClient
    from ml2core.plugin import Ml2Plugin

__version__ = "0.1.0"
__all__ = ["Context", "LocalHostClient", "Ml2Plugin", "__version__"]

# Imported on first use, so that ``import ml2core.api`` (a driver package's
# import) does not pull in SQLAlchemy, alembic and the plugin.
_LAZY = {
    "Context": "ml2core.context",
    "LocalHostClient": "ml2core.host_client",
    "Ml2Plugin": "ml2core.plugin",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ml2core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


logging.getLogger(__name__).addHandler(logging.NullHandler())
