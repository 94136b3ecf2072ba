"""Segment rows: reading them as dicts, creating and releasing them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core.context import Context
from ml2core.db.models import NetworkSegment
from ml2core.managers.type_manager import TypeManager
from ml2core.validation import new_id


def segment_dict(row: NetworkSegment) -> dict[str, Any]:
    return {
        "id": row.id,
        "network_id": row.network_id,
        "network_type": row.network_type,
        "physical_network": row.physical_network,
        "segmentation_id": row.segmentation_id,
        "is_dynamic": row.is_dynamic,
        "segment_index": row.segment_index,
    }


def segments_of(
    session: Session, network_ids: list[str], *, dynamic: bool | None = False
) -> dict[str, list[dict[str, Any]]]:
    """Segments per network, in segment order (static only by default)."""
    result: dict[str, list[dict[str, Any]]] = {n: [] for n in network_ids}
    if not network_ids:
        return result
    stmt = sa.select(NetworkSegment).where(NetworkSegment.network_id.in_(network_ids))
    if dynamic is not None:
        stmt = stmt.where(NetworkSegment.is_dynamic == dynamic)
    stmt = stmt.order_by(NetworkSegment.network_id, NetworkSegment.segment_index, NetworkSegment.id)
    for row in session.execute(stmt).scalars():
        result[row.network_id].append(segment_dict(row))
    return result


def add_segment(
    session: Session,
    network_id: str,
    segment: dict[str, Any],
    index: int,
    *,
    dynamic_key: str | None = None,
) -> dict[str, Any]:
    row = NetworkSegment(
        id=new_id(),
        network_id=network_id,
        network_type=segment["network_type"],
        physical_network=segment.get("physical_network") or None,
        segmentation_id=segment.get("segmentation_id"),
        is_dynamic=dynamic_key is not None,
        segment_index=index,
        dynamic_key=dynamic_key,
    )
    session.add(row)
    session.flush()
    return segment_dict(row)


def release_network_segments(ctx: Context, types: TypeManager, network_id: str) -> list[dict[str, Any]]:
    """Release the IDs of every segment of a network (dynamic ones included) and delete the rows."""
    session = ctx.session
    assert session is not None
    rows = list(
        session.execute(sa.select(NetworkSegment).where(NetworkSegment.network_id == network_id)).scalars()
    )
    released = []
    for row in rows:
        seg = segment_dict(row)
        types.release_segment(ctx, seg)
        released.append(seg)
    session.execute(sa.delete(NetworkSegment).where(NetworkSegment.network_id == network_id))
    return released
