"""What commands return (a table, a record, a document) and how each ``-f`` format prints it.

Commands return data, never text, so ``-f json`` and ``-f yaml`` give the
raw values (parseable) while ``-f table`` and ``-f value`` give the
readable form. As ``openstack``: a list is a table with one row per
resource (JSON keys are the column headings), a single resource is a
``Field | Value`` table (JSON keys are the attribute names).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from ml2core.cli.errors import UsageError
from ml2core.cli.yamlout import to_yaml

__all__ = [
    "FORMATS",
    "Document",
    "Formatter",
    "Record",
    "Result",
    "Table",
    "emit",
    "format_value",
    "render_table",
]

FORMATS = ("table", "json", "yaml", "value")
Formatter = Callable[[Any], str]


@dataclass
class Table:
    """Rows of one resource each, under ``columns``; ``formatters`` render a column's raw values."""

    columns: list[str]
    rows: list[list[Any]]
    formatters: dict[str, Formatter] = field(default_factory=dict)


@dataclass
class Record:
    """One resource as ``(field, value)`` pairs."""

    fields: list[tuple[str, Any]]
    formatters: dict[str, Formatter] = field(default_factory=dict)


@dataclass
class Document:
    """Free-form data (for ``json``/``yaml``) with its readable ``text`` (for ``table``/``value``)."""

    data: Any
    text: str


Result = Table | Record | Document


def format_value(value: Any) -> str:
    """One cell: ``None`` empty, dicts as ``k='v', …``, lists one item per line (dicts) or comma-joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_scalar(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if any(isinstance(item, Mapping) for item in items):
            return "\n".join(format_value(item) for item in items)
        return ", ".join(format_value(item) for item in items)
    return str(value)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, sort_keys=True, default=str)
    return "None" if value is None else str(value)


def render_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An aligned ``+---+`` table (as ``openstack``); cells may span several lines."""
    split = [[cell.split("\n") for cell in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in split:
        for i, lines in enumerate(row):
            widths[i] = max(widths[i], *(len(line) for line in lines))
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)) + " |"

    out = [rule, line(columns), rule]
    for row in split:
        height = max((len(lines) for lines in row), default=1)
        for k in range(height):
            out.append(line([lines[k] if k < len(lines) else "" for lines in row]))
    out.append(rule)
    return "\n".join(out)


def _pick(names: Sequence[str], wanted: Sequence[str]) -> list[int]:
    if not wanted:
        return list(range(len(names)))
    lowered = [n.lower() for n in names]
    picked: list[int] = []
    for want in wanted:
        key = want.lower()
        if key not in lowered:
            raise UsageError(f"unknown column {want!r}; choose from: {', '.join(names)}")
        picked.append(lowered.index(key))
    return picked


def _cell(result: Table | Record, name: str, value: Any) -> str:
    formatter = result.formatters.get(name)
    return formatter(value) if formatter is not None else format_value(value)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def emit(result: Result | None, fmt: str, columns: Sequence[str], out: TextIO) -> None:
    """Print ``result`` in format ``fmt`` (one of :data:`FORMATS`), keeping only ``columns`` if given.

    Raises :class:`UsageError` for an unknown format or column.
    """
    if result is None:
        return
    if fmt not in FORMATS:
        raise UsageError(f"unknown output format {fmt!r}; choose from: {', '.join(FORMATS)}")
    if isinstance(result, Document):
        if columns:
            raise UsageError("this command has no columns to select (-c)")
        if fmt in ("table", "value"):
            out.write(result.text.rstrip("\n") + "\n")
        else:
            _write_data(_jsonable(result.data), fmt, out)
        return
    if isinstance(result, Table):
        idx = _pick(result.columns, columns)
        names = [result.columns[i] for i in idx]
        if fmt == "table":
            cells = [[_cell(result, result.columns[i], row[i]) for i in idx] for row in result.rows]
            out.write(render_table(names, cells) + "\n")
        elif fmt == "value":
            for row in result.rows:
                out.write(
                    " ".join(_cell(result, result.columns[i], row[i]).replace("\n", ",") for i in idx) + "\n"
                )
        else:
            data = [{result.columns[i]: row[i] for i in idx} for row in result.rows]
            _write_data(_jsonable(data), fmt, out)
        return
    names = [name for name, _ in result.fields]
    idx = _pick(names, columns)
    chosen = [result.fields[i] for i in idx]
    if fmt == "table":
        out.write(render_table(["Field", "Value"], [[n, _cell(result, n, v)] for n, v in chosen]) + "\n")
    elif fmt == "value":
        for name, value in chosen:
            out.write(_cell(result, name, value).replace("\n", ",") + "\n")
    else:
        _write_data(_jsonable(dict(chosen)), fmt, out)


def _write_data(data: Any, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps(data, indent=4) + "\n")
    else:
        out.write(to_yaml(data))
