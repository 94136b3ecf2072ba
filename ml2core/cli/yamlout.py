"""A small YAML emitter for ``-f yaml`` (PyYAML is not a dependency).

Handles what the commands produce: dicts, lists, strings, numbers,
booleans and ``None``, in block style. A string is written plain only when
no YAML 1.1 or 1.2 reader could take it for anything else (a number, a
boolean, a date, a mapping); otherwise double-quoted with JSON escapes,
which YAML reads back the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["to_yaml"]

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_ ./@+()-]*")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and text.lower() not in _RESERVED:
        return text
    return json.dumps(text)


def _is_block(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple) and len(value) > 0


def _empty(value: Any) -> str:
    return "{}" if isinstance(value, Mapping) else "[]"


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        if not value:
            return [pad + "{}"]
        out: list[str] = []
        for key, item in value.items():
            head = f"{pad}{_scalar(key)}:"
            if _is_block(item):
                out.append(head)
                # Sequences under a key sit at the key's indentation (PyYAML's style).
                out.extend(_lines(item, indent if not isinstance(item, Mapping) else indent + 2))
            elif isinstance(item, Mapping | list | tuple):
                out.append(f"{head} {_empty(item)}")
            else:
                out.append(f"{head} {_scalar(item)}")
        return out
    if isinstance(value, list | tuple):
        if not value:
            return [pad + "[]"]
        out = []
        for item in value:
            if _is_block(item):
                nested = _lines(item, indent + 2)
                out.append(f"{pad}- {nested[0][indent + 2 :]}")
                out.extend(nested[1:])
            elif isinstance(item, Mapping | list | tuple):
                out.append(f"{pad}- {_empty(item)}")
            else:
                out.append(f"{pad}- {_scalar(item)}")
        return out
    return [pad + _scalar(value)]


def to_yaml(data: Any) -> str:
    """``data`` as a YAML document (block style, ending in a newline)."""
    return "\n".join(_lines(data, 0)) + "\n"
