"""A logical dump of ml2core's tables, to prove a rejected call changed nothing."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ml2core.db.models import Base

__all__ = ["dump_tables"]

# Columns that change without a logical change (timestamps of reads, etc.).
_VOLATILE = {"updated_at"}


def dump_tables(engine: Engine, *, include_volatile: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every ml2core table, sorted, as plain tuples.

    Two dumps compare equal when the tables hold the same data.
    ``updated_at`` columns are left out unless ``include_volatile``.
    """
    result: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if include_volatile or c.name not in _VOLATILE]
            rows = conn.execute(sa.select(*columns)).all()
            result[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
        conn.rollback()
    return result
