"""Sparse IP allocation: one row per allocated address, never a row per free one.

Like segment IDs: a random start inside the subnet's pools, a claim with an
INSERT that cannot create a duplicate, and on a lost race a search forward
over the allocated rows (in windows, never over the range) inside the same
transaction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import netaddr
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ml2core.db.models import IpAllocation
from ml2core.ipam.subnets import Pool, key

_T: sa.Table = IpAllocation.__table__  # type: ignore[assignment]
_WINDOW = 256


def _insert_ignore(session: Session) -> sa.Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(_T).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(_T).on_conflict_do_nothing()
    return sa.insert(_T).prefix_with("IGNORE")


def claim(session: Session, subnet_id: str, network_id: str, port_id: str, ip: netaddr.IPAddress) -> bool:
    """Record ``ip`` as the port's; False if it is already allocated. One INSERT."""
    stmt = (
        _insert_ignore(session)
        .values(
            subnet_id=subnet_id,
            ip_key=key(ip),
            ip_address=str(ip),
            port_id=port_id,
            network_id=network_id,
        )
        .returning(_T.c.ip_key)
    )
    return session.execute(stmt).first() is not None


def _first_free(session: Session, subnet_id: str, low: int, high: int, version: int) -> int | None:
    """The lowest unallocated address of ``[low, high]``, reading allocated rows in windows."""
    cursor = low
    while cursor <= high:
        taken = [
            int(k, 16)
            for k in session.execute(
                sa.select(_T.c.ip_key)
                .where(_T.c.subnet_id == subnet_id, _T.c.ip_key >= key(cursor), _T.c.ip_key <= key(high))
                .order_by(_T.c.ip_key)
                .limit(_WINDOW)
            ).scalars()
        ]
        for value in taken:
            if value != cursor:
                return cursor
            cursor += 1
        if len(taken) < _WINDOW:
            return cursor if cursor <= high else None
    return None


def allocate(
    session: Session,
    subnet_id: str,
    network_id: str,
    port_id: str,
    pools: Sequence[Pool],
    version: int,
    rng: random.Random | None = None,
) -> netaddr.IPAddress | None:
    """Claim a free address of ``pools`` for the port, or None when they are full."""
    if not pools:
        return None
    chooser: random.Random = rng or random.Random()
    spans = [(int(p.first), int(p.last)) for p in pools]
    total = sum(b - a + 1 for a, b in spans)
    offset = chooser.randrange(total)
    index = 0
    for index, (a, b) in enumerate(spans):  # noqa: B007 - index is used after the loop
        if offset <= b - a:
            break
        offset -= b - a + 1
    start = spans[index][0] + offset
    order = [(start, spans[index][1])]
    order += [spans[(index + i) % len(spans)] for i in range(1, len(spans))]
    if start > spans[index][0]:
        order.append((spans[index][0], start - 1))
    for low, high in order:
        cursor: int | None = low
        while cursor is not None and cursor <= high:
            ip = netaddr.IPAddress(cursor, version)
            if claim(session, subnet_id, network_id, port_id, ip):
                return ip
            cursor = _first_free(session, subnet_id, cursor, high, version)
    return None
