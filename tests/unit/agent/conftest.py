"""Agent unit tests: a parsed config with ``[agent]``, a fake client and a fake backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from oslo_config import cfg

from drivers.agent import Agent
from ml2core.testing.config import render_ini
from tests.unit.agent.fakes import HOST, FakeBackend, FakeClient


@pytest.fixture
def write_conf(tmp_path: Path) -> Callable[..., Path]:
    """Write an ini file from ``{group: {option: value}}``; returns its path."""

    def write(groups: dict[str, dict[str, Any]], name: str = "agent.conf") -> Path:
        path = tmp_path / name
        path.write_text(render_ini(groups))
        return path

    return write


@pytest.fixture
def make_conf(write_conf: Callable[..., Path]) -> Callable[..., cfg.ConfigOpts]:
    """A parsed ``ConfigOpts`` from ``{group: {...}}`` (``[agent] host`` and ``backend`` preset)."""

    def make(groups: dict[str, dict[str, Any]] | None = None) -> cfg.ConfigOpts:
        merged: dict[str, dict[str, Any]] = {"agent": {"host": HOST, "backend": "fake"}}
        for group, values in (groups or {}).items():
            merged.setdefault(group, {}).update(values)
        conf = cfg.ConfigOpts()
        conf(["--config-file", str(write_conf(merged))], project="ml2core", default_config_files=[])
        return conf

    return make


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def make_agent(
    make_conf: Callable[..., cfg.ConfigOpts], backend: FakeBackend
) -> Callable[..., tuple[Agent, FakeClient]]:
    """An agent on the fake backend and a fake client holding ``ports``."""

    def make(ports: list[dict[str, Any]] | None = None, **agent_opts: Any) -> tuple[Agent, FakeClient]:
        client = FakeClient(ports or [])
        agent = Agent(make_conf({"agent": agent_opts}), client, backend)
        return agent, client

    return make
