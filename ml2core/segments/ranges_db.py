"""Where project networks take their IDs from: configured and stored ranges."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core.db.models import NetworkSegmentRange
from ml2core.segments.pools import Candidates, subtract_ranges

if TYPE_CHECKING:
    from ml2core.api.type_driver import TypeDriver


_R = NetworkSegmentRange.__table__.c
# Built once: the statement runs in every project network allocation.
_STORED = (
    sa.select(_R.physical_network, _R.shared, _R.project_id, _R.minimum, _R.maximum)
    .where(_R.network_type == sa.bindparam("nt"))
    .order_by(_R.created_at, _R.id)
)
_STORED_LOCKED = _STORED.with_for_update(read=True)


def stored_ranges(session: Session, network_type: str) -> list[sa.Row[Any]]:
    """Ranges created through the API for a type, oldest first (physnet, shared, project, bounds).

    Read under a shared row lock (until the caller's transaction ends): an
    update or delete of a range locks its row exclusively before it checks
    which IDs are in use, so it waits for an allocation from that range to
    commit and then sees it. SQLite needs none: its writers are serialized.
    """
    stmt = _STORED if session.get_bind().dialect.name == "sqlite" else _STORED_LOCKED
    return list(session.connection().execute(stmt, {"nt": network_type}))


def lock_stored_range(session: Session, range_id: str) -> NetworkSegmentRange | None:
    """The stored range ``range_id``, locked against allocations from it until commit."""
    stmt = sa.select(NetworkSegmentRange).where(NetworkSegmentRange.id == range_id)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()


def candidate_pools_for(
    session: Session,
    driver: TypeDriver,
    *,
    project_id: str | None,
    physical_network: str | None,
) -> list[Candidates]:
    """Pools in allocation order: the project's own ranges, then shared ones.

    Within each group, physnets come in configured order, then any others
    that only stored ranges name. As in Neutron, the IDs of another
    project's ranges are taken out of the shared ones: a project range is
    that project's alone, even where it overlaps a shared range.
    """
    config = driver.configured_ranges()
    rows = stored_ranges(session, driver.get_type())
    physnets = list(config)
    physnets += sorted({r.physical_network for r in rows} - set(physnets))
    own: dict[str, list[tuple[int, int]]] = {p: [] for p in physnets}
    others: dict[str, list[tuple[int, int]]] = {p: [] for p in physnets}
    shared: dict[str, list[tuple[int, int]]] = {
        p: [(r.minimum, r.maximum) for r in config.get(p, [])] for p in physnets
    }
    for row in rows:
        if row.shared:
            shared[row.physical_network].append((row.minimum, row.maximum))
        elif project_id is not None and row.project_id == project_id:
            own[row.physical_network].append((row.minimum, row.maximum))
        else:
            others[row.physical_network].append((row.minimum, row.maximum))
    pools: list[Candidates] = []
    for group in (own, shared):
        for physnet in physnets:
            if physical_network is not None and physnet != physical_network:
                continue
            ranges = group[physnet]
            if group is shared:
                ranges = list(subtract_ranges(ranges, others[physnet]))
            if ranges:
                pools.append(Candidates(physnet, tuple(ranges)))
    return pools
