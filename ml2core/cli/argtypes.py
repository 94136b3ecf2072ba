"""Converters for option values (``argparse`` ``type=``): ``k=v`` lists and the like.

A malformed value raises ``argparse.ArgumentTypeError``, which the parser
reports as a usage error (exit code 2) naming the option.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["allocation_pool", "binding_profile_entry", "fixed_ip", "key_values", "non_negative_int"]


def key_values(text: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, str]:
    """``"a=1,b=2"`` -> ``{"a": "1", "b": "2"}``; only ``allowed`` keys, each ``required`` present."""
    result: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"expected {'=,'.join(allowed)}= pairs, got {text!r}")
        if key not in allowed:
            raise argparse.ArgumentTypeError(
                f"unknown key {key!r} in {text!r} (allowed: {', '.join(allowed)})"
            )
        if key in result:
            raise argparse.ArgumentTypeError(f"key {key!r} given twice in {text!r}")
        result[key] = value.strip()
    missing = [k for k in required if not result.get(k)]
    if missing:
        raise argparse.ArgumentTypeError(f"missing {', '.join(missing)} in {text!r}")
    return result


def allocation_pool(text: str) -> dict[str, str]:
    """``start=10.0.0.2,end=10.0.0.99`` -> ``{"start": …, "end": …}``."""
    return key_values(text, ("start", "end"), required=("start", "end"))


def fixed_ip(text: str) -> dict[str, str]:
    """``subnet=NAME_OR_ID,ip-address=10.0.0.5`` (either key may be left out, not both)."""
    value = key_values(text, ("subnet", "ip-address"))
    if not value.get("subnet") and not value.get("ip-address"):
        raise argparse.ArgumentTypeError(f"give subnet= and/or ip-address= in {text!r}")
    return value


def binding_profile_entry(text: str) -> dict[str, Any]:
    """``key=value`` (a JSON value is decoded, anything else stays a string) or a JSON object."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            decoded = json.loads(stripped)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"malformed JSON {text!r}: {exc}") from None
        if not isinstance(decoded, dict):
            raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
        return decoded
    key, sep, raw = stripped.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value or a JSON object, got {text!r}")
    value: Any = raw
    if raw[:1] in ("[", "{", '"') or raw in ("true", "false", "null"):
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"malformed JSON value in {text!r}: {exc}") from None
    return {key.strip(): value}


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value
