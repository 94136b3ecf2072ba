"""The test kit for driver authors and embedders (public API).

- fakes of the driver contexts, to unit-test ``bind_port`` and hooks in
  milliseconds: :class:`FakePortContext`, :class:`FakeNetworkContext`,
  :class:`FakeSubnetContext` and builders (:func:`make_agent`,
  :func:`make_segment`, …);
- :func:`make_conf` (a configuration as an operator's file would give it)
  and :func:`dump_tables` (prove that a rejected call changed nothing).
"""

from __future__ import annotations

from ml2core.testing.config import make_conf, render_ini
from ml2core.testing.dbdump import dump_tables
from ml2core.testing.fakes import (
    ContinueBindingCall,
    FakeNetworkContext,
    FakePortContext,
    FakeSubnetContext,
    SetBindingCall,
    make_agent,
    make_network,
    make_port,
    make_segment,
    make_subnet,
)

__all__ = [
    "ContinueBindingCall",
    "FakeNetworkContext",
    "FakePortContext",
    "FakeSubnetContext",
    "SetBindingCall",
    "dump_tables",
    "make_agent",
    "make_conf",
    "make_network",
    "make_port",
    "make_segment",
    "make_subnet",
    "render_ini",
]
