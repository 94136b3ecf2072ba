"""Group ``dataplane``: runs ``benchmarks/dataplane_sync.py`` when it is there and can run.

That module (written separately) exposes ``run(reps) -> list[dict]``; each
dict becomes a ``Row``. Recognized keys: ``metric`` (required), ``backend``
(default ``host``), ``unit``, ``values`` (one number per repetition; or
``value``), ``neutron_values`` (or ``neutron``), ``errors`` / ``error``,
``better`` (``higher`` / ``lower``; default: ``lower`` for a unit of time,
else ``higher``), ``note``; anything else goes to the row's JSON details.
A missing module, or one that cannot run here (not root, no Open vSwitch …),
gives no rows and a line on the log, never a failure of the harness.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from benchmarks.registry import Better, Options, Row, Sample

GROUP = "dataplane"
MODULE = "benchmarks.dataplane_sync"
TIME_UNITS = {"s", "ms", "us", "µs", "ns", "seconds"}
KNOWN = {
    "metric",
    "backend",
    "unit",
    "values",
    "value",
    "neutron_values",
    "neutron",
    "errors",
    "error",
    "better",
    "note",
}


def _numbers(value: Any) -> tuple[float, ...]:
    if value is None:
        return ()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (float(value),)
    if isinstance(value, list | tuple):
        return tuple(float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool))
    return ()


def _errors(record: Mapping[str, Any], *keys: str) -> tuple[str, ...]:
    found: list[str] = []
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value:
            found.append(value)
        elif isinstance(value, list | tuple):
            found.extend(str(v) for v in value if v)
    return tuple(found)


def _metric(name: str, unit: str) -> str:
    """The metric with its unit, as the other groups print it (``cold start [s]``)."""
    return f"{name} [{unit}]" if unit and f"[{unit}]" not in name else name


def to_row(record: Mapping[str, Any]) -> Row:
    """One dict from ``dataplane_sync.run`` as a table row."""
    unit = str(record.get("unit", ""))
    better_value = record.get("better")
    better: Better
    if better_value in ("higher", "lower"):
        better = "lower" if better_value == "lower" else "higher"
    else:
        better = "lower" if unit in TIME_UNITS else "higher"
    values = _numbers(record.get("values", record.get("value")))
    neutron_raw = record.get("neutron_values", record.get("neutron"))
    neutron = Sample(_numbers(neutron_raw)) if neutron_raw is not None else None
    return Row(
        group=GROUP,
        metric=_metric(str(record["metric"]), unit),
        backend=str(record.get("backend", "host")),
        unit=unit,
        better=better,
        ml2core=Sample(values, _errors(record, "errors", "error")),
        neutron=neutron,
        note=str(record.get("note", "")),
        details={k: v for k, v in record.items() if k not in KNOWN},
    )


def run(reps: int, options: Options) -> list[Row]:
    try:
        module = importlib.import_module(MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != MODULE:
            options.log(f"dataplane: {MODULE} cannot be imported ({exc}); skipped")
        else:
            options.log(f"dataplane: {MODULE} not present; skipped")
        return []
    except Exception as exc:
        options.log(f"dataplane: {MODULE} failed to import ({type(exc).__name__}: {exc}); skipped")
        return []
    try:
        records = module.run(reps)
    except BaseException as exc:  # e.g. SystemExit or PermissionError when not root
        if isinstance(exc, KeyboardInterrupt):
            raise
        options.log(f"dataplane: {MODULE}.run cannot run here ({type(exc).__name__}: {exc}); skipped")
        return []
    rows = []
    for record in records or []:
        try:
            rows.append(to_row(record))
        except (KeyError, TypeError, ValueError) as exc:
            options.log(f"dataplane: unusable record {record!r} ({exc}); skipped")
    return rows
