"""The sparse allocator against a plain Python model, driven by random operation sequences.

Each step is one ``Database.writer()`` transaction on a SQLite file, as a
type driver's call would be. The ranges are small (IDs 1..24 on two
physnets) so that exhaustion, wrap-around and range changes over allocated
IDs all happen within a few steps. After every step the database must hold
exactly the model's allocations.
"""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ml2core.db.engine import Database, make_engine
from ml2core.segments import allocator
from ml2core.segments.pools import Candidates

TYPE = "vlan"
PHYSNETS = ("physnet1", "physnet2")  # pools are tried in this order
LOW, HIGH = 1, 24

Key = tuple[str, int]
Ranges = dict[str, list[tuple[int, int]]]

id_values = st.integers(LOW, HIGH + 4)  # a little outside, as provider IDs may be
one_range = st.tuples(st.integers(LOW, HIGH), st.integers(0, 6)).map(lambda t: (t[0], min(HIGH, t[0] + t[1])))
physnet_ranges = st.lists(one_range, max_size=3)
all_ranges = st.fixed_dictionaries(dict.fromkeys(PHYSNETS, physnet_ranges))


def ids_of(ranges: list[tuple[int, int]]) -> set[int]:
    return {i for low, high in ranges for i in range(low, high + 1)}


class AllocatorMachine(RuleBasedStateMachine):
    database: Database  # set by the test

    def __init__(self) -> None:
        super().__init__()
        with self.database.writer() as session:
            session.execute(sa.text("DELETE FROM ml2core_segment_allocations"))
        self.model: set[Key] = set()
        self.ranges: Ranges = {p: [(LOW, 4)] for p in PHYSNETS}

    # -- helpers ---------------------------------------------------------------------
    def pools(self) -> list[Candidates]:
        return [Candidates(p, tuple(self.ranges[p])) for p in PHYSNETS]

    def free_in(self, physnet: str) -> set[int]:
        return {i for i in ids_of(self.ranges[physnet]) if (physnet, i) not in self.model}

    def stored(self) -> list[Key]:
        with self.database.reader() as session:
            rows = session.execute(
                sa.text(
                    "SELECT physical_network, segmentation_id FROM ml2core_segment_allocations "
                    "WHERE network_type = :t"
                ),
                {"t": TYPE},
            ).all()
        return [(str(p), int(s)) for p, s in rows]

    # -- operations ------------------------------------------------------------------
    @rule(ranges=all_ranges)
    def change_ranges(self, ranges: Ranges) -> None:
        """An operator edits the ranges and restarts: nothing is written."""
        self.ranges = ranges

    @rule(physnet=st.sampled_from(PHYSNETS), seg_id=id_values)
    def reserve(self, physnet: str, seg_id: int) -> None:
        """A provider network asks for exactly this ID (inside the ranges or not)."""
        with self.database.writer() as session:
            claimed = allocator.claim(session, TYPE, physnet, seg_id)
        assert claimed == ((physnet, seg_id) not in self.model)
        self.model.add((physnet, seg_id))

    @rule(seed=st.integers(0, 2**32 - 1))
    def allocate(self, seed: int) -> None:
        """A project network takes any free ID of the first pool that has one."""
        with self.database.writer() as session:
            got = allocator.allocate(session, TYPE, self.pools(), random.Random(seed))
        expected_physnet = next((p for p in PHYSNETS if self.free_in(p)), None)
        if expected_physnet is None:
            assert got is None, f"allocated {got} although the model says every range is full"
            return
        assert got is not None, (
            f"exhausted although {expected_physnet} has {sorted(self.free_in(expected_physnet))}"
        )
        physnet, seg_id = got
        assert physnet == expected_physnet, "pools were not tried in order"
        assert seg_id in ids_of(self.ranges[physnet]), (
            f"{seg_id} is outside the ranges {self.ranges[physnet]}"
        )
        assert (physnet, seg_id) not in self.model, f"{got} handed out twice"
        self.model.add(got)

    @rule(seed=st.integers(0, 2**32 - 1))
    def allocate_then_roll_back(self, seed: int) -> None:
        """A network create that fails after its allocation keeps nothing."""
        with pytest.raises(RuntimeError), self.database.writer() as session:
            allocator.allocate(session, TYPE, self.pools(), random.Random(seed))
            raise RuntimeError("a later step of the operation failed")

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        physnet, seg_id = data.draw(st.sampled_from(sorted(self.model)))
        with self.database.writer() as session:
            assert allocator.release(session, TYPE, physnet, seg_id) is True
        self.model.discard((physnet, seg_id))

    @rule(physnet=st.sampled_from(PHYSNETS), seg_id=id_values)
    def release_any(self, physnet: str, seg_id: int) -> None:
        """Releasing a free ID is not an error; it reports that nothing was released."""
        with self.database.writer() as session:
            released = allocator.release(session, TYPE, physnet, seg_id)
        assert released == ((physnet, seg_id) in self.model)
        self.model.discard((physnet, seg_id))

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def release_and_reserve_again(self, data: st.DataObject) -> None:
        """A released ID is reusable at once."""
        physnet, seg_id = data.draw(st.sampled_from(sorted(self.model)))
        with self.database.writer() as session:
            allocator.release(session, TYPE, physnet, seg_id)
        with self.database.writer() as session:
            assert allocator.claim(session, TYPE, physnet, seg_id) is True

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), seed=st.integers(0, 2**32 - 1))
    def release_then_allocate_finds_it(self, data: st.DataObject, seed: int) -> None:
        """With one free ID in the ranges, allocation finds exactly that one."""
        inside = sorted(k for k in self.model if k[1] in ids_of(self.ranges[k[0]]))
        if not inside or any(self.free_in(p) for p in PHYSNETS):
            return
        physnet, seg_id = data.draw(st.sampled_from(inside))
        with self.database.writer() as session:
            allocator.release(session, TYPE, physnet, seg_id)
        self.model.discard((physnet, seg_id))
        with self.database.writer() as session:
            got = allocator.allocate(session, TYPE, self.pools(), random.Random(seed))
        assert got == (physnet, seg_id)
        self.model.add((physnet, seg_id))

    # -- what must hold after every step ---------------------------------------------
    @invariant()
    def database_holds_exactly_the_model(self) -> None:
        rows = self.stored()
        assert len(rows) == len(set(rows)), "duplicate allocation rows"
        assert set(rows) == self.model


def test_allocator_matches_its_model(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        AllocatorMachine.database = Database(engine)
        run_state_machine_as_test(AllocatorMachine)
    finally:
        engine.dispose()
