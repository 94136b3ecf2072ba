"""The gap search reads allocated IDs from its start and stops at the first gap.

Its cost must not grow with the number of allocated IDs beyond the gap, and
must not depend on the database's statistics about the allocation table.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ml2core.db.engine import Database, make_engine
from ml2core.segments import allocator
from ml2core.segments.pools import Candidates

pytestmark = pytest.mark.slow
ALLOCATED = 100_000


@pytest.fixture
def sparse_db(db_url: str) -> Iterator[Database]:
    engine = make_engine(db_url)
    db = Database(engine)
    rows = [{"i": 2 * i + 1} for i in range(ALLOCATED)]  # 1, 3, 5, …
    with db.writer() as session:
        session.execute(
            sa.text(
                "INSERT INTO ml2core_segment_allocations (network_type, physical_network, segmentation_id) "
                "VALUES ('vxlan', '', :i)"
            ),
            rows,
        )
    yield db
    engine.dispose()


def best_time(db: Database, after: int) -> float:
    best = float("inf")
    for _ in range(5):
        with db.reader() as session:
            start = time.perf_counter()
            assert allocator.next_gap(session, "vxlan", "", after, 2**24 - 1) == after + 1
            best = min(best, time.perf_counter() - start)
    return best


def test_gap_search_cost_does_not_grow_with_the_ids_after_the_gap(sparse_db: Database) -> None:
    near_end = best_time(sparse_db, 2 * ALLOCATED - 1)
    at_start = best_time(sparse_db, 1)
    assert at_start < 5 * near_end + 0.01, (at_start, near_end)


@pytest.fixture
def dense_db(db_url: str) -> Iterator[Database]:
    """20,000 consecutive IDs allocated in a table the database has no statistics for yet."""
    engine = make_engine(db_url)
    db = Database(engine)
    with db.writer() as session:
        session.execute(
            sa.text(
                "INSERT INTO ml2core_segment_allocations (network_type, physical_network, segmentation_id) "
                "VALUES ('vxlan', '', :i)"
            ),
            [{"i": i} for i in range(1, 20_001)],
        )
    yield db
    engine.dispose()


def test_allocation_behind_a_long_run_stays_fast_without_statistics(dense_db: Database) -> None:
    # PostgreSQL plans a self-join over the whole table for a fresh table;
    # the search must not depend on the planner knowing better.
    pool = [Candidates("", ((1, 20_001),))]
    start = time.perf_counter()
    for seed in range(3):
        with dense_db.writer() as session:
            assert allocator.allocate(session, "vxlan", pool, random.Random(seed)) == ("", 20_001)
            allocator.release(session, "vxlan", "", 20_001)
    assert time.perf_counter() - start < 3.0
