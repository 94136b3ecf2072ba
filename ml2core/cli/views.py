"""Readable views of resources shared by several commands: segments, bindings, agents.

Pure functions over the dicts the facade returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ml2core import constants

__all__ = [
    "BoundLevel",
    "agent_mappings",
    "ago",
    "binding_path",
    "network_segments",
    "segment_label",
    "short",
]

_ID_NAMES = {
    constants.TYPE_VLAN: "VLAN",
    constants.TYPE_VXLAN: "VNI",
    constants.TYPE_GENEVE: "VNI",
    constants.TYPE_GRE: "key",
}


def short(resource_id: str | None) -> str:
    """The first 8 characters of an ID (for narrow tables)."""
    return (resource_id or "")[:8]


def network_segments(network: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A network's static segments: ``segments`` if present, else its ``provider:*`` triple."""
    segments = network.get("segments")
    if isinstance(segments, list) and segments:
        return [
            {
                "network_type": s.get("provider:network_type", s.get("network_type")),
                "physical_network": s.get("provider:physical_network", s.get("physical_network")),
                "segmentation_id": s.get("provider:segmentation_id", s.get("segmentation_id")),
            }
            for s in segments
        ]
    if network.get("provider:network_type") is None:
        return []
    return [
        {
            "network_type": network.get("provider:network_type"),
            "physical_network": network.get("provider:physical_network"),
            "segmentation_id": network.get("provider:segmentation_id"),
        }
    ]


def segment_label(segment: Mapping[str, Any]) -> str:
    """``vlan 105 on physnet1``, ``vxlan VNI 1173``, ``flat on public``, ``local``."""
    network_type = str(segment.get("network_type") or "?")
    seg_id = segment.get("segmentation_id")
    physnet = segment.get("physical_network")
    text = network_type
    if seg_id is not None:
        name = _ID_NAMES.get(network_type)
        text += f" {name} {seg_id}" if name and name != "VLAN" else f" {seg_id}"
    if physnet:
        text += f" on {physnet}"
    return text


@dataclass(frozen=True)
class BoundLevel:
    """One level of a committed binding: which driver bound which segment."""

    level: int
    driver: str
    segment: dict[str, Any]
    continued: bool


def binding_path(explanation: Mapping[str, Any]) -> list[BoundLevel]:
    """The levels of the binding the last attempt produced (empty if it failed).

    The explanation lists every level tried, backtracked ones included; the
    path is rebuilt by keeping, level by level, the driver that bound or
    continued without being backtracked.
    """
    path: list[BoundLevel] = []
    for entry in explanation.get("levels") or []:
        level = int(entry.get("level", 0))
        del path[level:]
        segments = entry.get("segments_to_bind") or []
        for decision in entry.get("drivers") or []:
            outcome = decision.get("outcome")
            reason = str(decision.get("reason") or "")
            if outcome not in ("bound", "continued") or "backtracked" in reason:
                continue
            segment: Mapping[str, Any] = next(
                (s for s in segments if s.get("id") == decision.get("segment_id")), {}
            )
            path.append(BoundLevel(level, str(decision.get("driver")), dict(segment), outcome == "continued"))
            break
    if not path or path[-1].continued:
        return []
    return path


def agent_mappings(agent: Mapping[str, Any]) -> str:
    """``bridge_mappings: physnet1=br-vlan`` lines of an agent's configurations."""
    conf = agent.get("configurations") or {}
    lines = []
    for key in ("bridge_mappings", "interface_mappings", "device_mappings"):
        mapping = conf.get(key)
        if isinstance(mapping, Mapping) and mapping:
            pairs = ", ".join(
                f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in sorted(mapping.items())
            )
            lines.append(f"{key.split('_')[0]}: {pairs}")
    return "\n".join(lines)


def _parse_time(text: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def ago(text: str | None, now: dt.datetime | None = None) -> str:
    """``2026-05-01 12:00:03 (42 s ago)`` from an ISO timestamp in UTC."""
    when = _parse_time(text or "")
    if when is None:
        return text or ""
    now = now or dt.datetime.now(dt.UTC)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 120:
        rel = f"{seconds} s ago"
    elif seconds < 7200:
        rel = f"{seconds // 60} min ago"
    elif seconds < 172800:
        rel = f"{seconds // 3600} h ago"
    else:
        rel = f"{seconds // 86400} days ago"
    return f"{when:%Y-%m-%d %H:%M:%S} ({rel})"
