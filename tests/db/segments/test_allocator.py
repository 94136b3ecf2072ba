"""The sparse allocator itself, on each database: claim, release, gap search, pools.

Each call runs inside a ``Database.writer()`` transaction, as the type
drivers' calls do.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ml2core.db.engine import Database, make_engine
from ml2core.segments import allocator, pools
from ml2core.segments.pools import Candidates
from tests.db.segments.conftest import DbView

VX = "vxlan"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    engine = make_engine(db_url)
    yield Database(engine)
    engine.dispose()


def claim(db: Database, seg_id: int, physnet: str = "", network_type: str = VX) -> bool:
    with db.writer() as session:
        return allocator.claim(session, network_type, physnet, seg_id)


def allocate(db: Database, *pools: Candidates, rng: random.Random | None = None) -> tuple[str, int] | None:
    with db.writer() as session:
        return allocator.allocate(session, VX, list(pools), rng)


def pool(*ranges: tuple[int, int], physnet: str = "") -> Candidates:
    return Candidates(physnet, tuple(ranges))


def test_claim_of_a_free_id_succeeds(db: Database, view: DbView) -> None:
    assert claim(db, 7) is True
    assert view.allocations() == {(VX, "", 7)}


def test_claim_of_a_taken_id_fails_without_error(db: Database, view: DbView) -> None:
    claim(db, 7)
    assert claim(db, 7) is False
    assert view.allocations() == {(VX, "", 7)}


def test_same_id_on_another_physnet_or_type_is_a_different_key(db: Database, view: DbView) -> None:
    assert claim(db, 7, "physnet1", "vlan") is True
    assert claim(db, 7, "physnet2", "vlan") is True
    assert claim(db, 7) is True
    assert len(view.allocations()) == 3


def test_no_id_key_uses_zero_so_it_collides(db: Database) -> None:
    # NULLs never collide in a unique key: "no ID" is stored as 0 and must.
    assert claim(db, pools.NO_ID, "physnet1", "flat") is True
    assert claim(db, pools.NO_ID, "physnet1", "flat") is False


def test_release_deletes_the_row(db: Database, view: DbView) -> None:
    claim(db, 7)
    with db.writer() as session:
        assert allocator.release(session, VX, "", 7) is True
    assert view.allocations() == set()


def test_release_of_a_free_id_reports_false(db: Database) -> None:
    with db.writer() as session:
        assert allocator.release(session, VX, "", 7) is False


def test_released_id_can_be_claimed_again(db: Database) -> None:
    claim(db, 7)
    with db.writer() as session:
        allocator.release(session, VX, "", 7)
    assert claim(db, 7) is True


def test_largest_32_bit_id_is_stored_intact(db: Database, view: DbView) -> None:
    assert claim(db, 2**32 - 1, "", "gre") is True
    assert view.allocations("gre") == {("gre", "", 4294967295)}


def test_next_gap_skips_an_allocated_run(db: Database) -> None:
    for seg_id in (5, 6, 7, 9):
        claim(db, seg_id)
    with db.reader() as session:
        assert allocator.next_gap(session, VX, "", 5, 20) == 8


def test_next_gap_is_none_when_the_rest_of_the_range_is_taken(db: Database) -> None:
    for seg_id in (5, 6, 7):
        claim(db, seg_id)
    with db.reader() as session:
        assert allocator.next_gap(session, VX, "", 5, 7) is None


def test_next_gap_returns_the_start_when_it_was_released_meanwhile(db: Database) -> None:
    # A claim lost 5 to another controller, which released it before the
    # gap query ran: the range is not full, 5 is free again.
    with db.reader() as session:
        assert allocator.next_gap(session, VX, "", 5, 7) == 5


def test_next_gap_ignores_other_physnets(db: Database) -> None:
    claim(db, 5, "physnet1", "vlan")
    claim(db, 6, "physnet2", "vlan")
    with db.reader() as session:
        assert allocator.next_gap(session, "vlan", "physnet1", 5, 10) == 6


def test_allocate_finds_the_single_free_id(db: Database) -> None:
    for seg_id in range(1, 21):
        if seg_id != 13:
            claim(db, seg_id)
    for seed in range(5):
        assert allocate(db, pool((1, 20)), rng=random.Random(seed)) == ("", 13)
        with db.writer() as session:
            allocator.release(session, VX, "", 13)


def test_allocate_wraps_around_from_a_random_start(db: Database) -> None:
    # Only 1 is free; every random start above it must wrap around to find it.
    for seg_id in range(2, 11):
        claim(db, seg_id)
    assert allocate(db, pool((1, 10)), rng=random.Random(3)) == ("", 1)


def test_allocate_returns_none_when_the_pool_is_full(db: Database) -> None:
    for seg_id in range(1, 6):
        claim(db, seg_id)
    assert allocate(db, pool((1, 5))) is None


def test_allocate_uses_every_range_of_a_pool(db: Database, view: DbView) -> None:
    results = {allocate(db, pool((1, 2), (10, 11), (20, 20))) for _ in range(5)}
    assert results == {("", 1), ("", 2), ("", 10), ("", 11), ("", 20)}
    assert allocate(db, pool((1, 2), (10, 11), (20, 20))) is None


def test_allocate_merges_overlapping_ranges(db: Database) -> None:
    results = [allocate(db, pool((1, 3), (2, 4), (4, 4))) for _ in range(4)]
    assert sorted(r[1] for r in results if r) == [1, 2, 3, 4]
    assert allocate(db, pool((1, 3), (2, 4))) is None


def test_allocate_tries_pools_in_order(db: Database) -> None:
    first = pool((1, 2), physnet="physnet1")
    second = pool((1, 2), physnet="physnet2")
    physnets = [allocate(db, first, second) for _ in range(4)]
    assert [p[0] for p in physnets if p] == ["physnet1", "physnet1", "physnet2", "physnet2"]
    assert allocate(db, first, second) is None


def test_allocate_skips_empty_pools(db: Database) -> None:
    assert allocate(db, pool(physnet="physnet1"), pool((5, 5), physnet="physnet2")) == ("physnet2", 5)


def test_allocate_never_returns_an_id_outside_its_ranges(db: Database) -> None:
    claim(db, 3)  # outside the range: must not change anything
    results = {allocate(db, pool((10, 14))) for _ in range(5)}
    assert {r[1] for r in results if r} == {10, 11, 12, 13, 14}


def test_allocate_starts_at_random_points(db: Database) -> None:
    firsts = set()
    for seed in range(20):
        result = allocate(db, pool((1, 1000)), rng=random.Random(seed))
        assert result is not None
        firsts.add(result[1])
        with db.writer() as session:
            allocator.release(session, VX, "", result[1])
    assert len(firsts) > 10


def test_allocate_in_a_huge_range_is_sparse(db: Database, view: DbView) -> None:
    for _ in range(3):
        assert allocate(db, pool((1, 2**32 - 1))) is not None
    assert view.count("ml2core_segment_allocations") == 3


def test_rolled_back_transaction_keeps_nothing(db: Database, view: DbView) -> None:
    with pytest.raises(RuntimeError), db.writer() as session:
        allocator.claim(session, VX, "", 7)
        raise RuntimeError("the operation failed after the claim")
    assert view.allocations() == set()


def test_allocated_in_lists_only_the_bounds(db: Database) -> None:
    for seg_id in (1, 5, 9):
        claim(db, seg_id)
    with db.reader() as session:
        assert allocator.allocated_in(session, VX, "", 2, 9) == [("", 5), ("", 9)]


def test_allocation_table_has_the_unique_key(db: Database) -> None:
    # The key the whole design rests on: (network_type, physical_network, segmentation_id).
    inspector = sa.inspect(db.raw_engine)
    pk = inspector.get_pk_constraint("ml2core_segment_allocations")["constrained_columns"]
    assert sorted(pk) == ["network_type", "physical_network", "segmentation_id"]


def test_claim_refuses_a_type_name_the_table_would_cut(db: Database, view: DbView) -> None:
    # MariaDB's INSERT IGNORE would store the first 32 characters and call the
    # next long name with the same start a duplicate.
    with pytest.raises(ValueError, match="longer than 32"), db.writer() as session:
        allocator.claim(session, "a_vendor_network_type_longer_than_32", "", 7)
    assert view.allocations() == set()


def test_claim_refuses_a_physnet_the_table_would_cut(db: Database) -> None:
    with pytest.raises(ValueError, match="longer than 64"), db.writer() as session:
        allocator.claim(session, "flat", "p" * 65, pools.NO_ID)
