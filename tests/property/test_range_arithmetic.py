"""Range arithmetic of the allocator, checked against Python sets on small ID spaces."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from ml2core.segments.allocator import free_subranges
from ml2core.segments.pools import merge_ranges, subtract_ranges

one_range = st.tuples(st.integers(1, 60), st.integers(0, 15)).map(lambda t: (t[0], t[0] + t[1]))
range_lists = st.lists(one_range, max_size=6)


def ids(ranges: tuple[tuple[int, int], ...] | list[tuple[int, int]] | list[list[int]]) -> set[int]:
    return {i for low, high in ranges for i in range(low, high + 1)}


def well_formed(ranges: tuple[tuple[int, int], ...] | list[list[int]]) -> bool:
    """Sorted, each non-empty, neither overlapping nor touching the next."""
    pairs = [tuple(r) for r in ranges]
    return all(low <= high for low, high in pairs) and all(
        a[1] + 1 < b[0] for a, b in itertools.pairwise(pairs)
    )


@given(range_lists)
def test_merge_keeps_exactly_the_ids(ranges: list[tuple[int, int]]) -> None:
    merged = merge_ranges(ranges)
    assert ids(merged) == ids(ranges)
    assert well_formed(merged)


@given(range_lists, range_lists)
def test_subtract_keeps_exactly_the_ids_outside_the_holes(
    ranges: list[tuple[int, int]], holes: list[tuple[int, int]]
) -> None:
    rest = subtract_ranges(ranges, holes)
    assert ids(rest) == ids(ranges) - ids(holes)
    assert well_formed(rest)


@given(st.sets(st.integers(0, 90)), one_range)
def test_free_subranges_are_the_free_ids_in_order(allocated: set[int], bounds: tuple[int, int]) -> None:
    low, high = bounds
    free = free_subranges(sorted(allocated), low, high)
    assert ids(free) == set(range(low, high + 1)) - allocated
    assert well_formed(free)
