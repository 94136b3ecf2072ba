"""The sparse segment allocator.

Only allocated IDs are stored, one row each, under the unique key
``(network_type, physical_network, segmentation_id)``; ranges stay ranges.
Finding a free ID starts at a random point of the candidate ranges and asks
the database for the nearest gap after it (a bounded read of the allocated
IDs from that point, never a walk over the range), then claims the ID with
one INSERT that cannot create a duplicate. A lost race moves on to the next gap inside the
same transaction. Nothing happens at start-up, whatever the size of the
ranges, and nothing is kept in memory between calls.

All functions run inside the caller's transaction (``session``).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ml2core.db.models import PHYSNET_LEN, TYPE_LEN, SegmentAllocation
from ml2core.segments.pools import Candidates, merge_ranges

_T: sa.Table = SegmentAllocation.__table__  # type: ignore[assignment]
# A safety bound: each lost race means another controller took an ID, so
# this is only reached under absurd contention.
_MAX_LOST_RACES = 10_000
# How many allocated IDs one gap-search statement reads: each batch four
# times the last, from the first to the largest.
_BATCH_SIZES = (16, 64, 256, 1024, 4096)
_FIRST_BATCH, _MAX_BATCH = _BATCH_SIZES[0], _BATCH_SIZES[-1]


_KEY_MATCH = (
    _T.c.network_type == sa.bindparam("nt"),
    _T.c.physical_network == sa.bindparam("pn"),
)
_VALUES: dict[str, sa.BindParameter[Any]] = {
    "network_type": sa.bindparam("nt"),
    "physical_network": sa.bindparam("pn"),
    "segmentation_id": sa.bindparam("sid"),
}
# Statements built once and reused: building a statement costs more than
# running it on SQLite, and a reused one keeps its compiled-SQL cache key.
_CLAIM: dict[str, sa.Insert] = {
    "sqlite": sqlite.insert(_T).on_conflict_do_nothing().values(_VALUES).returning(_T.c.segmentation_id),
    "postgresql": postgresql.insert(_T)
    .on_conflict_do_nothing()
    .values(_VALUES)
    .returning(_T.c.segmentation_id),
    "mysql": sa.insert(_T).prefix_with("IGNORE").values(_VALUES).returning(_T.c.segmentation_id),
}
_CLAIM["mariadb"] = _CLAIM["mysql"]
_RELEASE = sa.delete(_T).where(*_KEY_MATCH, _T.c.segmentation_id == sa.bindparam("sid"))


def _gap_read(batch: int) -> sa.Select[int]:
    return (
        sa.select(_T.c.segmentation_id)
        .where(
            *_KEY_MATCH,
            _T.c.segmentation_id >= sa.bindparam("low"),
            _T.c.segmentation_id <= sa.bindparam("high"),
        )
        .order_by(_T.c.segmentation_id)
        .limit(batch)
    )


_GAP_READS = {size: _gap_read(size) for size in _BATCH_SIZES}


def _claim_stmt(session: Session) -> sa.Insert:
    dialect = session.get_bind().dialect.name
    try:
        return _CLAIM[dialect]
    except KeyError:
        raise NotImplementedError(f"no duplicate-safe INSERT for {dialect}") from None


def claim(session: Session, network_type: str, physical_network: str, segmentation_id: int) -> bool:
    """Insert the allocation row; False if it already exists (one statement).

    ValueError for a key the table cannot hold whole: MariaDB's INSERT IGNORE
    would cut it silently (and report a clash with another cut key), where
    PostgreSQL fails and SQLite stores it as given.
    """
    for value, name, limit in (
        (network_type, "network_type", TYPE_LEN),
        (physical_network, "physical_network", PHYSNET_LEN),
    ):
        if len(value) > limit:
            raise ValueError(f"{name} {value[:80]!r} is longer than {limit} characters")
    # RETURNING rather than rowcount: psycopg reports -1 for this statement,
    # and the three databases all return nothing for an ignored row.
    params = {"nt": network_type, "pn": physical_network, "sid": segmentation_id}
    return session.connection().execute(_claim_stmt(session), params).first() is not None


def release(session: Session, network_type: str, physical_network: str, segmentation_id: int) -> bool:
    """Delete the allocation row; False if it was not allocated."""
    params = {"nt": network_type, "pn": physical_network, "sid": segmentation_id}
    return bool(session.connection().execute(_RELEASE, params).rowcount)


def next_gap(session: Session, network_type: str, physical_network: str, after: int, high: int) -> int | None:
    """The smallest free ID in ``[after, high]`` (as the database shows it now), or None.

    Reads the allocated IDs from ``after`` upwards in key order, a few at a
    time (16, then 64, 256 … up to 4096 per statement), and stops at the
    first hole: the cost follows the run of allocated IDs at ``after``, never
    the size of the range or the number of IDs allocated beyond the hole.
    Each statement is a plain range read of the primary key, so no planner
    can turn it into a join over the whole table (PostgreSQL does exactly
    that with a self-join before its statistics exist). The answer is only
    a candidate: the claim that follows decides.
    """
    expected = after
    batch = _FIRST_BATCH
    conn = session.connection()
    while expected <= high:
        params = {"nt": network_type, "pn": physical_network, "low": expected, "high": high}
        taken = conn.execute(_GAP_READS[batch], params).scalars().all()
        for value in taken:
            if int(value) != expected:
                return expected
            expected += 1
        if len(taken) < batch:
            break
        batch = min(batch * 4, _MAX_BATCH)
    return expected if expected <= high else None


def _claim_in_range(
    session: Session, network_type: str, physical_network: str, low: int, high: int
) -> int | None:
    """Claim the first free ID at or after ``low`` within ``[low, high]``."""
    candidate: int | None = low
    for _ in range(_MAX_LOST_RACES):
        if candidate is None:
            return None
        if claim(session, network_type, physical_network, candidate):
            return candidate
        candidate = next_gap(session, network_type, physical_network, candidate, high)
    return None


def allocate(
    session: Session,
    network_type: str,
    pools: Sequence[Candidates],
    rng: random.Random | None = None,
) -> tuple[str, int] | None:
    """Claim a free ID from the first pool that has one.

    Within a pool the search starts at a uniformly random ID of its ranges
    and wraps around once. Returns ``(physical_network, segmentation_id)``
    or ``None`` when every pool is full.
    """
    chooser: random.Random = rng or random.Random()
    for pool in pools:
        ranges = merge_ranges(pool.ranges)
        total = sum(high - low + 1 for low, high in ranges)
        if total <= 0:
            continue
        offset = chooser.randrange(total)
        start_index = 0
        for index, (low, high) in enumerate(ranges):
            size = high - low + 1
            if offset < size:
                start_index = index
                break
            offset -= size
        start_low, start_high = ranges[start_index]
        start = start_low + offset
        # The start range from the random point, the other ranges in order,
        # then the part of the start range before the random point.
        order = [(start, start_high)]
        order += [ranges[(start_index + i) % len(ranges)] for i in range(1, len(ranges))]
        if start > start_low:
            order.append((start_low, start - 1))
        for low, high in order:
            found = _claim_in_range(session, network_type, pool.physical_network, low, high)
            if found is not None:
                return pool.physical_network, found
    return None


def allocated_in(
    session: Session,
    network_type: str,
    physical_network: str | None = None,
    low: int | None = None,
    high: int | None = None,
) -> list[tuple[str, int]]:
    """Allocated ``(physnet, id)`` pairs of a type, optionally within bounds."""
    stmt = sa.select(_T.c.physical_network, _T.c.segmentation_id).where(_T.c.network_type == network_type)
    if physical_network is not None:
        stmt = stmt.where(_T.c.physical_network == physical_network)
    if low is not None:
        stmt = stmt.where(_T.c.segmentation_id >= low)
    if high is not None:
        stmt = stmt.where(_T.c.segmentation_id <= high)
    stmt = stmt.order_by(_T.c.physical_network, _T.c.segmentation_id)
    return [(str(p), int(s)) for p, s in session.execute(stmt)]


def free_subranges(allocated: Iterable[int], low: int, high: int) -> list[list[int]]:
    """Free sub-ranges ``[[a, b], …]`` of ``[low, high]`` given the sorted allocated IDs in it."""
    result: list[list[int]] = []
    cursor = low
    for value in allocated:
        if value < cursor:
            continue
        if value > high:
            break
        if value > cursor:
            result.append([cursor, value - 1])
        cursor = value + 1
    if cursor <= high:
        result.append([cursor, high])
    return result
