"""Segment ID allocation for type drivers.

The in-tree and vendor type drivers reach the core's sparse allocator only
through these functions. Each runs inside the transaction of the caller's
``context`` (``context.session`` must be set) and never blocks on anything
but the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ml2core.segments import pools
from ml2core.segments.pools import Candidates

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ml2core.api.type_driver import TypeDriver
    from ml2core.context import Context

__all__ = [
    "NO_ID",
    "NO_PHYSNET",
    "Candidates",
    "allocate_from",
    "candidate_pools",
    "claim_segment",
    "release_segment_id",
]

#: Stored for "no physical network" / "no ID": NULLs never collide in a unique key.
NO_PHYSNET = pools.NO_PHYSNET
NO_ID = pools.NO_ID

# The allocator (SQLAlchemy) is imported at the first call, not when a
# driver package imports ml2core.api.


def _session(context: Context) -> Session:
    session = context.session
    if session is None:
        raise RuntimeError("segment allocation needs a context inside a transaction")
    return session


def claim_segment(context: Context, network_type: str, physical_network: str, segmentation_id: int) -> bool:
    """Claim exactly this ID (``''`` / ``0`` for none); False if it is taken. One INSERT."""
    from ml2core.segments import allocator

    return allocator.claim(_session(context), network_type, physical_network, segmentation_id)


def release_segment_id(
    context: Context, network_type: str, physical_network: str, segmentation_id: int
) -> bool:
    """Free an ID; False if it was not allocated. One DELETE."""
    from ml2core.segments import allocator

    return allocator.release(_session(context), network_type, physical_network, segmentation_id)


def candidate_pools(
    context: Context,
    driver: TypeDriver,
    *,
    project_id: str | None = None,
    physical_network: str | None = None,
) -> list[Candidates]:
    """The pools a project network of ``driver``'s type is allocated from, in order.

    The project's own network segment ranges first, then the shared ones
    (configured ranges, physnets in configured order, with shared ranges
    created through the API), less the IDs of other projects' ranges.
    ``physical_network`` restricts the pools.
    """
    from ml2core.segments.ranges_db import candidate_pools_for

    return candidate_pools_for(
        _session(context), driver, project_id=project_id, physical_network=physical_network
    )


def allocate_from(context: Context, network_type: str, pools: list[Candidates]) -> tuple[str, int] | None:
    """Claim a free ID from the first pool that has one: ``(physnet, id)`` or ``None``."""
    from ml2core.segments import allocator

    return allocator.allocate(_session(context), network_type, pools)
