"""The binding explanation (``Ml2Plugin.explain_binding``) as text a newcomer can read."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from ml2core import constants
from ml2core.cli.views import binding_path, network_segments, segment_label

__all__ = ["humanize_reason", "path_sentence", "render_explanation", "segment_labels"]

_OUTCOME_WIDTH = 10


def segment_labels(
    explanation: Mapping[str, Any], static: Sequence[Mapping[str, Any]] = ()
) -> dict[str, str]:
    """``{segment id: label}`` for every segment the explanation names; dynamic ones marked."""
    keys = {(s.get("network_type"), s.get("physical_network"), s.get("segmentation_id")) for s in static}
    labels: dict[str, str] = {}
    for entry in explanation.get("levels") or []:
        for seg in entry.get("segments_to_bind") or []:
            label = segment_label(seg)
            key = (seg.get("network_type"), seg.get("physical_network"), seg.get("segmentation_id"))
            if static and key not in keys:
                label += " (dynamic)"
            labels[str(seg.get("id"))] = label
    return labels


def humanize_reason(reason: str, labels: Mapping[str, str]) -> str:
    """Replace segment IDs in a driver's reason by their labels."""
    for seg_id, label in labels.items():
        reason = reason.replace(f"'{seg_id}'", label).replace(seg_id, label)
    return reason


def path_sentence(explanation: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """``vxlan VNI 1173 by example_tor, then vlan 105 on physnet1 by openvswitch`` (or ``""``)."""
    path = binding_path(explanation)
    return ", then ".join(
        f"{labels.get(str(lv.segment.get('id')), segment_label(lv.segment))} by {lv.driver}" for lv in path
    )


def _width() -> int:
    return max(80, min(140, shutil.get_terminal_size((100, 24)).columns))


def render_explanation(
    port: Mapping[str, Any],
    explanation: Mapping[str, Any],
    network: Mapping[str, Any] | None = None,
    *,
    width: int | None = None,
) -> str:
    """The explanation, level by level: segments to bind, then each driver's outcome and reason."""
    width = width or _width()
    static = network_segments(network) if network else []
    labels = segment_labels(explanation, static)
    name = port.get("name") or port.get("id")
    host = explanation.get("host") or port.get("binding:host_id") or ""
    vif_type = explanation.get("vif_type") or port.get("binding:vif_type")
    lines = [f"Port {name} ({port.get('id')})"]
    if not host:
        lines.append("It has no binding:host_id, so nothing binds it. Give it one with:")
        lines.append(f"  ml2core port update {name} --host HOST")
        return "\n".join(lines)
    levels = explanation.get("levels") or []
    if not levels:
        lines.append(f"Host {host}: no binding attempt recorded yet (vif_type {vif_type}).")
        return "\n".join(lines)
    when = str(explanation.get("attempted_at") or "").replace("T", " ")[:19]
    if vif_type in (constants.VIF_TYPE_BINDING_FAILED, constants.VIF_TYPE_UNBOUND):
        lines.append(f"Host {host}: NOT BOUND (vif_type {vif_type}), last attempt {when}.")
    else:
        lines.append(f"Host {host}: bound, vif_type {vif_type}, at {when}.")
        lines.append(f"Bound to {path_sentence(explanation, labels)}.")
    driver_width = max(
        [len("driver")] + [len(str(d.get("driver"))) for e in levels for d in e.get("drivers") or []]
    )
    indent = 2 + driver_width + 2 + _OUTCOME_WIDTH + 1
    for entry in levels:
        segs = ", ".join(
            labels.get(str(s.get("id")), segment_label(s)) for s in entry.get("segments_to_bind") or []
        )
        lines.append("")
        lines.append(f"Level {entry.get('level')}: segments to bind: {segs or '(none)'}")
        for decision in entry.get("drivers") or []:
            reason = humanize_reason(str(decision.get("reason") or ""), labels)
            driver = str(decision.get("driver")).ljust(driver_width)
            head = f"  {driver}  {str(decision.get('outcome')).ljust(_OUTCOME_WIDTH)}"
            wrapped = textwrap.wrap(reason, max(30, width - indent)) or [""]
            lines.append(f"{head} {wrapped[0]}")
            lines.extend(" " * indent + more for more in wrapped[1:])
    return "\n".join(lines)
