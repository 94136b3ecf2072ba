"""List options pushed down into SQL: filters, sorts, limit and marker.

``filters`` are Neutron's ``{attribute: [accepted values]}``; ``sorts`` a list
of ``(attribute, "asc" | "desc")`` (or Neutron's ``(attribute, True)`` for
ascending); ``limit`` + ``marker`` page through the result in keyset order
(the marker is the ``id`` of the last item of the previous page), so no page
loads more rows than it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core.exceptions import InvalidInput, NotAuthorized, NotFound
from ml2core.validation import boolean, integer

MAX_FILTER_VALUES = 1000


@dataclass(frozen=True)
class Attr:
    """How a public attribute maps onto SQL.

    ``where`` builds the condition for a list of accepted values when the
    attribute is not a plain column (sorting then needs ``column``).
    """

    column: Any
    kind: type = str
    admin_only: bool = False
    sortable: bool = True
    where: Callable[[list[Any]], sa.ColumnElement[bool]] | None = None

    def condition(self, values: list[Any]) -> sa.ColumnElement[bool]:
        if self.where is not None:
            return self.where(values)
        assert self.column is not None
        condition: sa.ColumnElement[bool] = self.column.in_(values)
        return condition


def _convert(value: Any, attr: Attr, key: str) -> Any:
    if attr.kind is bool:
        return boolean(value, f"filters[{key}]")
    if attr.kind is int:
        return integer(value, f"filters[{key}]", minimum=-(2**63), maximum=2**63 - 1)
    if value is None or isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(field=f"filters[{key}]", reason=f"unsupported filter value {value!r}"[:200])
    if isinstance(value, str) and len(value) > 1024:
        raise InvalidInput(field=f"filters[{key}]", reason="filter value longer than 1024 characters")
    return str(value)


def apply_filters(
    stmt: sa.Select[Any], attrs: Mapping[str, Attr], filters: object, *, is_admin: bool
) -> sa.Select[Any]:
    if filters is None:
        return stmt
    if not isinstance(filters, Mapping):
        raise InvalidInput(field="filters", reason="must be a dict of attribute -> list of values")
    for key, values in filters.items():
        attr = attrs.get(key) if isinstance(key, str) else None
        if attr is None:
            raise InvalidInput(field=f"filters[{key!s}]"[:100], reason="not a filterable attribute")
        if attr.admin_only and not is_admin:
            raise NotAuthorized(action=f"filter on {key}", reason="admin only", field=f"filters[{key}]")
        accepted = [values] if isinstance(values, str | int | bool) else values
        if not isinstance(accepted, list | tuple | set | frozenset):
            raise InvalidInput(field=f"filters[{key}]", reason="must be a list of values")
        if len(accepted) > MAX_FILTER_VALUES:
            raise InvalidInput(field=f"filters[{key}]", reason=f"more than {MAX_FILTER_VALUES} values")
        converted = [_convert(v, attr, key) for v in accepted]
        stmt = stmt.where(attr.condition(converted)) if converted else stmt.where(sa.false())
    return stmt


def parse_sorts(sorts: object, attrs: Mapping[str, Attr], *, is_admin: bool) -> list[tuple[Attr, bool]]:
    if sorts is None:
        return []
    if not isinstance(sorts, list | tuple):
        raise InvalidInput(field="sorts", reason="must be a list of (attribute, direction)")
    result: list[tuple[Attr, bool]] = []
    for item in sorts:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise InvalidInput(field="sorts", reason=f"entry {item!r} is not (attribute, direction)"[:200])
        key, direction = item
        attr = attrs.get(key) if isinstance(key, str) else None
        if attr is None or not attr.sortable or attr.column is None:
            raise InvalidInput(field="sorts", reason=f"cannot sort by {key!r}"[:200])
        if attr.admin_only and not is_admin:
            raise NotAuthorized(action=f"sort by {key}", reason="admin only", field="sorts")
        if isinstance(direction, bool):
            ascending = direction
        elif isinstance(direction, str) and direction.lower() in ("asc", "desc"):
            ascending = direction.lower() == "asc"
        else:
            raise InvalidInput(field="sorts", reason=f"direction {direction!r} is not 'asc' or 'desc'"[:200])
        result.append((attr, ascending))
    return result


def page(
    session: Session,
    stmt: sa.Select[Any],
    id_column: Any,
    sorts: Sequence[tuple[Attr, bool]],
    limit: object,
    marker: object,
    visible: Callable[[sa.Select[Any]], sa.Select[Any]],
    not_found: Callable[[str], NotFound],
) -> sa.Select[Any]:
    """Order ``stmt`` by ``sorts`` then id, and apply ``limit`` / ``marker``."""
    keys = [(a.column, asc) for a, asc in sorts if a.column is not None] + [(id_column, True)]
    stmt = stmt.order_by(*[col.asc() if asc else col.desc() for col, asc in keys])
    if marker is not None:
        if not isinstance(marker, str) or len(marker) > 64:
            raise InvalidInput(field="marker", reason="must be the id of an item")
        marker_row = session.execute(
            visible(sa.select(*[col for col, _ in keys]).where(id_column == marker))
        ).first()
        if marker_row is None:
            raise not_found(marker)
        after: list[sa.ColumnElement[bool]] = []
        for i, (col, asc) in enumerate(keys):
            # Bound as typed parameters: SQLAlchemy refuses ``col > True`` for a boolean key.
            equal = [keys[j][0] == sa.literal(marker_row[j], keys[j][0].type) for j in range(i)]
            value = sa.literal(marker_row[i], col.type)
            beyond = col > value if asc else col < value
            after.append(sa.and_(*equal, beyond))
        stmt = stmt.where(sa.or_(*after))
    if limit is not None:
        count = integer(limit, "limit", minimum=0, maximum=2**63 - 1)
        if count:
            stmt = stmt.limit(count)
    return stmt


def listing(
    session: Session,
    stmt: sa.Select[Any],
    attrs: Mapping[str, Attr],
    id_column: Any,
    visible: Callable[[sa.Select[Any]], sa.Select[Any]],
    not_found: Callable[[str], NotFound],
    *,
    is_admin: bool,
    filters: object,
    sorts: object,
    limit: object,
    marker: object,
) -> sa.Select[Any]:
    """``stmt`` restricted to what the caller sees, filtered, sorted and paged."""
    stmt = apply_filters(visible(stmt), attrs, filters, is_admin=is_admin)
    return page(
        session,
        stmt,
        id_column,
        parse_sorts(sorts, attrs, is_admin=is_admin),
        limit,
        marker,
        visible,
        not_found,
    )


def select_fields(item: dict[str, Any], fields: object) -> dict[str, Any]:
    """Keep only ``fields`` (all when ``None`` or empty)."""
    if fields is None:
        return item
    if isinstance(fields, str):
        fields = [fields]
    if not isinstance(fields, list | tuple | set | frozenset) or not all(isinstance(f, str) for f in fields):
        raise InvalidInput(field="fields", reason="must be a list of attribute names")
    if not fields:
        return item
    return {k: v for k, v in item.items() if k in fields}
