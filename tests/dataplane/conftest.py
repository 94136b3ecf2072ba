"""Dataplane tier: real bridges, tunnels and Open vSwitch inside network namespaces (root only)."""

from __future__ import annotations

from ml2core.testing.hosts import host_lab, ovs_lab

__all__ = ["host_lab", "ovs_lab"]
