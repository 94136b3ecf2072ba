"""Building configurations for tests."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any

from oslo_config import cfg

from ml2core import config as ml2_config

__all__ = ["make_conf", "render_ini"]


def _render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_render_value(v) for v in value)
    if value is None:
        return ""
    return str(value)


def render_ini(groups: Mapping[str, Mapping[str, Any]]) -> str:
    """An ini file with ``groups`` (lists comma-joined, booleans as true/false)."""
    lines: list[str] = []
    for group, values in groups.items():
        lines.append(f"[{group or 'DEFAULT'}]")
        lines.extend(f"{name} = {_render_value(value)}" for name, value in values.items())
        lines.append("")
    return "\n".join(lines)


def make_conf(
    overrides: Mapping[str, Mapping[str, Any]] | None = None, **groups: Mapping[str, Any]
) -> cfg.ConfigOpts:
    """A fresh, parsed ``ConfigOpts`` with ml2core's options and the given values.

    ``make_conf(ml2={"mechanism_drivers": ["openvswitch"]},
    ml2_type_vxlan={"vni_ranges": ["1:1000"]}, DEFAULT={"agent_down_time": 10})``.
    The values go through a config file, exactly as an operator's would, so
    options a driver registers later (its own group) see them too.
    """
    merged: dict[str, Mapping[str, Any]] = dict(overrides or {})
    merged.update(groups)
    fd, path = tempfile.mkstemp(prefix="ml2core-test-", suffix=".conf")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(render_ini(merged))
        return ml2_config.new_conf(["--config-file", path])
    finally:
        os.unlink(path)
