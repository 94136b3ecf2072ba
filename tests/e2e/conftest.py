"""End-to-end tier: a controller, namespace hosts running ``ml2core-agent``, VMs, real packets (root only)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ml2core.testing.hosts import host_lab, ovs_lab
from tests.e2e.cloud import AGENT_SCRIPT, Cloud

__all__ = ["cloud", "host_lab", "ovs_lab"]


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    """A controller (``Ml2Plugin`` on a SQLite file under ``tmp_path``), closed after the test."""
    controller = Cloud.create(tmp_path)
    try:
        yield controller
    finally:
        controller.close()


def require_tcpdump() -> None:
    """Skip when ``tcpdump`` (the underlay captures) is missing."""
    if shutil.which("tcpdump") is None:
        pytest.skip("the isolation captures need tcpdump (Debian package tcpdump)")


def require_agent_script() -> None:
    """Skip when the ``ml2core-agent`` console script is not installed next to this Python."""
    if not AGENT_SCRIPT.exists():
        pytest.skip(f"the ml2core-agent console script is not installed ({AGENT_SCRIPT}): pip install -e .")
