"""Checking request bodies: every bad value raises InvalidInput naming the field."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from ml2core.exceptions import InvalidInput

MAX_NAME = 255
_UNSET: Any = object()
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def unwrap(body: object, resource: str) -> dict[str, Any]:
    """Accept ``{resource: {...}}`` (Neutron's envelope) or the attributes themselves."""
    if not isinstance(body, Mapping):
        raise InvalidInput(field=resource, reason=f"the body must be a dict, not {type(body).__name__}")
    if len(body) == 1 and resource in body:
        inner = body[resource]
        if not isinstance(inner, Mapping):
            raise InvalidInput(field=resource, reason=f"the body must be a dict, not {type(inner).__name__}")
        body = inner
    for key in body:
        if not isinstance(key, str):
            raise InvalidInput(field=repr(key), reason="attribute names must be strings")
    return dict(body)


def check_keys(body: Mapping[str, Any], allowed: Iterable[str], action: str) -> None:
    """Refuse attributes that are unknown or not settable in ``action`` (``POST`` / ``PUT``)."""
    allowed_set = set(allowed)
    unknown = sorted(k for k in body if k not in allowed_set)
    if unknown:
        raise InvalidInput(
            field=unknown[0],
            reason=f"attribute {unknown[0]!r} is unknown or not allowed in {action}",
        )


def string(
    value: Any, field: str, *, max_len: int = MAX_NAME, allow_empty: bool = True, allow_none: bool = False
) -> Any:
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field=field, reason=f"must be a string, not {type(value).__name__}")
    if len(value) > max_len:
        raise InvalidInput(field=field, reason=f"is longer than {max_len} characters")
    if not allow_empty and not value:
        raise InvalidInput(field=field, reason="must not be empty")
    if _CONTROL.search(value):
        raise InvalidInput(field=field, reason="contains control characters")
    return value


#: How deep dicts and lists may nest inside one argument (``binding:profile``,
#: agent ``configurations``, filters …). MariaDB refuses JSON nested 32 deep,
#: the others do not: one limit, well below that, holds on every database.
MAX_NESTING = 16


#: Resource names a request body may be wrapped in (Neutron's envelope).
ENVELOPES = ("network", "subnet", "port", "network_segment_range")


def nesting(value: object, limit: int = MAX_NESTING + 1) -> int:
    """How deep dicts and lists nest in ``value`` (a scalar 0, ``{}`` 1), counted up to ``limit``.

    Iterative, so no input reaches Python's recursion limit.
    """
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Iterable[object] = item.values()
        elif isinstance(item, list | tuple | set | frozenset):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest >= limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def too_deep(name: str, value: object, *, is_body: bool) -> str | None:
    """The field of an argument nested deeper than :data:`MAX_NESTING`, or None.

    A body (and its envelope) is not a level of its fields: ``binding:profile``
    may itself nest :data:`MAX_NESTING` deep.
    """
    if not is_body or not isinstance(value, Mapping):
        return name if nesting(value) > MAX_NESTING else None
    fields = value
    prefix = ""
    if len(value) == 1:
        ((key, inner),) = value.items()
        if key in ENVELOPES and isinstance(inner, Mapping):
            fields, prefix = inner, f"{key}."
    for key, item in fields.items():
        if nesting(item) > MAX_NESTING:
            return f"{prefix}{key}"
    return None


#: The reason given for a string :func:`unstorable` finds.
UNSTORABLE_REASON = "holds a NUL character or a lone surrogate, which no database stores"


def unstorable(value: object, path: str, *, keys_are_fields: bool = False, depth: int = 0) -> str | None:
    """The path of the first string in ``value`` no database can store, or None.

    That is a string with a lone surrogate (it has no UTF-8 form) or a NUL
    character (PostgreSQL refuses it in every text). Paths follow the
    fields' names: ``name``, ``binding:profile.key``, ``fixed_ips[0]`` when
    ``keys_are_fields`` (a request body), else ``filters[name][0]``.
    """
    if isinstance(value, str):
        if "\x00" in value:
            return path
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if depth > 16:
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and unstorable(key, path) is not None:
                return path
            sub = _child(path, key, keys_are_fields, depth)
            found = unstorable(item, sub, keys_are_fields=keys_are_fields, depth=depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            found = unstorable(item, f"{path}[{i}]", keys_are_fields=keys_are_fields, depth=depth + 1)
            if found is not None:
                return found
    return None


def _child(path: str, key: object, keys_are_fields: bool, depth: int) -> str:
    if not keys_are_fields:
        return f"{path}[{key}]"
    return str(key) if depth == 0 else f"{path}.{key}"


def boolean(value: Any, field: str) -> bool:
    """Booleans, and the strings Neutron's API converts (``"true"``/``"false"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidInput(field=field, reason=f"must be a boolean, not {value!r}"[:200])


def integer(value: Any, field: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Integers, and decimal strings; never booleans or floats."""
    if isinstance(value, bool):
        raise InvalidInput(field=field, reason="must be an integer, not a boolean")
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,20}", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise InvalidInput(field=field, reason=f"must be an integer, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise InvalidInput(field=field, reason=f"{value} is below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise InvalidInput(field=field, reason=f"{value} is above the maximum {maximum}")
    return value


def uuid_string(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(field=field, reason="must be a UUID string")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(field=field, reason=f"{value!r} is not a UUID"[:200]) from None


def is_uuid(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 64:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def new_id() -> str:
    return str(uuid.uuid4())
