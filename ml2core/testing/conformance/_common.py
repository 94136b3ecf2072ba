"""What both conformance suites share: database snapshots, their differences, failing well."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ml2core.exceptions import MechanismDriverError

P = ParamSpec("P")
R = TypeVar("R")

Snapshot = dict[str, list[tuple[str, ...]]]

# Rows shown per table when two snapshots differ.
_SHOWN_ROWS = 5


def snapshot_all_tables(engine: Engine) -> Snapshot:
    """Every row of every table in the database (ml2core's and anyone else's), sorted.

    Tables are found by reflection, so a driver that writes to a table of
    its own in ml2core's database is seen too.
    """
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    result: Snapshot = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            result[table.name] = sorted(tuple(repr(value) for value in row) for row in rows)
        conn.rollback()
    return result


def describe_difference(
    before: Mapping[str, list[tuple[Any, ...]]], after: Mapping[str, list[tuple[Any, ...]]]
) -> str:
    """The rows added and removed per table, in words (empty when the snapshots are equal)."""
    lines: list[str] = []
    for table in sorted(set(before) | set(after)):
        old = list(before.get(table, []))
        new = list(after.get(table, []))
        if old == new:
            continue
        if table not in before:
            lines.append(f"table {table} was created")
        elif table not in after:
            lines.append(f"table {table} was dropped")
        added = [row for row in new if row not in old]
        removed = [row for row in old if row not in new]
        for verb, rows in (("added", added), ("removed", removed)):
            if rows:
                shown = "; ".join(str(row) for row in rows[:_SHOWN_ROWS])
                more = f" (and {len(rows) - _SHOWN_ROWS} more)" if len(rows) > _SHOWN_ROWS else ""
                lines.append(f"{table}: {len(rows)} row(s) {verb}: {shown}{more}")
    return "\n".join(lines)


def driver_call(what: str, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Call a facade method; a mechanism driver's failure becomes an ``AssertionError`` naming ``what``.

    Other ml2core errors propagate unchanged: they mean the suite's set-up
    does not suit the driver's configuration (an error, not a failure).
    """
    try:
        return fn(*args, **kwargs)
    except MechanismDriverError as exc:
        raise AssertionError(f"{what}: a mechanism driver failed: {exc}") from exc
