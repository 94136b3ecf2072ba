"""Candidate pools of segment IDs: pure range arithmetic, no database.

Split from :mod:`ml2core.segments.allocator` so that ``ml2core.api`` (what a
driver package imports) does not load SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Stored for "no physical network" / "no ID": NULLs never collide in a unique key.
NO_PHYSNET = ""
NO_ID = 0


@dataclass(frozen=True)
class Candidates:
    """Inclusive ID ranges of one physical network, tried as one pool."""

    physical_network: str
    ranges: tuple[tuple[int, int], ...]


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping, non-adjacent union of inclusive ranges."""
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple((a, b) for a, b in merged)


def subtract_ranges(
    ranges: Iterable[tuple[int, int]], holes: Iterable[tuple[int, int]]
) -> tuple[tuple[int, int], ...]:
    """The IDs of ``ranges`` outside every one of ``holes``, as merged inclusive ranges."""
    result: list[tuple[int, int]] = []
    cut = merge_ranges(holes)
    for low, high in merge_ranges(ranges):
        cursor = low
        for hole_low, hole_high in cut:
            if hole_high < cursor or hole_low > high:
                continue
            if hole_low > cursor:
                result.append((cursor, hole_low - 1))
            cursor = max(cursor, hole_high + 1)
            if cursor > high:
                break
        if cursor <= high:
            result.append((cursor, high))
    return tuple(result)
