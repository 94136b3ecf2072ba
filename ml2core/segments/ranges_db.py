"""Where project networks take their IDs from: configured and stored ranges."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core.db.models import NetworkSegmentRange
from ml2core.segments.allocator import Candidates

if TYPE_CHECKING:
    from ml2core.api.type_driver import TypeDriver


def stored_ranges(session: Session, network_type: str) -> list[NetworkSegmentRange]:
    """Ranges created through the API for a type, oldest first."""
    return list(
        session.execute(
            sa.select(NetworkSegmentRange)
            .where(NetworkSegmentRange.network_type == network_type)
            .order_by(NetworkSegmentRange.created_at, NetworkSegmentRange.id)
        ).scalars()
    )


def candidate_pools_for(
    session: Session,
    driver: TypeDriver,
    *,
    project_id: str | None,
    physical_network: str | None,
) -> list[Candidates]:
    """Pools in allocation order: the project's own ranges, then shared ones.

    Within each group, physnets come in configured order, then any others
    that only stored ranges name.
    """
    config = driver.configured_ranges()
    rows = stored_ranges(session, driver.get_type())
    physnets = list(config)
    physnets += sorted({r.physical_network for r in rows} - set(physnets))
    own: dict[str, list[tuple[int, int]]] = {p: [] for p in physnets}
    shared: dict[str, list[tuple[int, int]]] = {
        p: [(r.minimum, r.maximum) for r in config.get(p, [])] for p in physnets
    }
    for row in rows:
        if row.shared:
            shared[row.physical_network].append((row.minimum, row.maximum))
        elif project_id is not None and row.project_id == project_id:
            own[row.physical_network].append((row.minimum, row.maximum))
    pools: list[Candidates] = []
    for group in (own, shared):
        for physnet in physnets:
            if physical_network is not None and physnet != physical_network:
                continue
            if group[physnet]:
                pools.append(Candidates(physnet, tuple(group[physnet])))
    return pools
