"""Dynamic segments, owned by the framework.

A driver asks for one while binding (hierarchical binding: a VLAN on the
host's physnet below a VXLAN segment); the framework keeps it while a
committed binding level uses it and releases it otherwise, whichever driver
allocated it, on every path: unbind, move, delete, a discarded attempt.
Ports of one network share one dynamic segment per (type, physnet): the
``dynamic_key`` unique key makes that hold across controllers without a lock.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core.context import Context
from ml2core.core import Core
from ml2core.db.models import Network, NetworkSegment, PortBindingLevel
from ml2core.exceptions import InvalidInput, Ml2CoreError, NetworkNotFound
from ml2core.services import segments as seg_db
from ml2core.validation import integer, string

LOG = logging.getLogger(__name__)
DYNAMIC_INDEX_BASE = 1000


def dynamic_key(network_id: str, network_type: str, physical_network: str | None) -> str:
    return f"{network_id}/{network_type}/{physical_network or ''}"


def _parse(segment: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(segment, Mapping):
        raise InvalidInput(field="segment", reason="must be a dict")
    network_type = string(segment.get("network_type"), "segment.network_type", max_len=32, allow_empty=False)
    physnet = segment.get("physical_network")
    if physnet is not None:
        physnet = string(physnet, "segment.physical_network", max_len=64, allow_empty=False)
    seg_id = segment.get("segmentation_id")
    if seg_id is not None:
        seg_id = integer(seg_id, "segment.segmentation_id")
    return {"network_type": network_type, "physical_network": physnet, "segmentation_id": seg_id}


def _lock(session: Session, stmt: sa.Select[Any]) -> sa.Select[Any]:
    return stmt.with_for_update() if session.get_bind().dialect.name != "sqlite" else stmt


class DynamicSegments:
    """Allocation and reference-counted release of dynamic segments."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def allocate(self, network_id: str, segment: Mapping[str, Any]) -> dict[str, Any]:
        """The network's dynamic segment of that type/physnet, allocated if missing (own transaction).

        Without a physnet (a partial request of a physnet type), any dynamic
        segment of the type on the network is the one, as in Neutron; a new
        one is keyed by the physnet it got, so a later request naming that
        physnet finds it.
        """
        wanted = _parse(segment)
        network_type = wanted["network_type"]
        driver = self.core.types.driver(network_type, "segment.network_type")
        try:
            driver.validate_provider_segment(wanted)
        except InvalidInput as exc:
            # Type drivers name provider attributes; the caller gave a segment's plain keys.
            if not (exc.field or "").startswith("provider:"):
                raise
            field = "segment." + (exc.field or "").removeprefix("provider:")
            raise InvalidInput(field=field, reason=exc.kwargs.get("reason", str(exc))) from exc

        def by_key(session: Session, key: str) -> NetworkSegment | None:
            return session.execute(
                sa.select(NetworkSegment).where(NetworkSegment.dynamic_key == key)
            ).scalar_one_or_none()

        def run(c: Context) -> dict[str, Any]:
            session = c.session
            assert session is not None
            if wanted["physical_network"] is not None:
                existing = by_key(session, dynamic_key(network_id, network_type, wanted["physical_network"]))
            else:
                existing = session.execute(
                    sa.select(NetworkSegment)
                    .where(
                        NetworkSegment.network_id == network_id,
                        NetworkSegment.network_type == network_type,
                        NetworkSegment.is_dynamic.is_(True),
                    )
                    .order_by(NetworkSegment.segment_index, NetworkSegment.id)
                    .limit(1)
                ).scalar_one_or_none()
            if existing is not None:
                return seg_db.segment_dict(existing)
            key = ""
            try:
                with session.begin_nested():
                    reserved = driver.reserve_provider_segment(c, wanted)
                    key = dynamic_key(network_id, network_type, reserved.get("physical_network"))
                    count = session.execute(
                        sa.select(sa.func.count()).where(NetworkSegment.network_id == network_id)
                    ).scalar_one()
                    return seg_db.add_segment(
                        session, network_id, reserved, DYNAMIC_INDEX_BASE + int(count), dynamic_key=key
                    )
            except sa.exc.IntegrityError:
                # Another controller created it first: its row is the one to share.
                row = by_key(session, key) if key else None
                if row is not None:
                    return seg_db.segment_dict(row)
                if session.get(Network, network_id) is None:
                    # The network was deleted meanwhile (the foreign key failed).
                    raise NetworkNotFound(network_id=network_id, field="network_id") from None
                raise

        return self.core.write("allocate_dynamic_segment", Context.admin(), run)

    def release_if_unused(self, ctx: Context, segment_ids: list[str]) -> list[str]:
        """Inside ``ctx``'s transaction: free the dynamic segments no binding level references."""
        session = ctx.session
        assert session is not None
        released = []
        for segment_id in sorted(set(segment_ids)):
            row = session.execute(
                _lock(session, sa.select(NetworkSegment).where(NetworkSegment.id == segment_id))
            ).scalar_one_or_none()
            if row is None or not row.is_dynamic:
                continue
            refs = session.execute(
                sa.select(sa.func.count())
                .select_from(PortBindingLevel)
                .where(PortBindingLevel.segment_id == segment_id)
            ).scalar_one()
            if refs:
                continue
            self.core.types.release_segment(ctx, seg_db.segment_dict(row))
            session.delete(row)
            session.flush()
            released.append(segment_id)
        return released

    def release(self, segment_ids: list[str]) -> list[str]:
        """Free unreferenced dynamic segments in a transaction of their own (errors logged)."""
        if not segment_ids:
            return []
        try:
            return self.core.write(
                "release_dynamic_segment", Context.admin(), lambda c: self.release_if_unused(c, segment_ids)
            )
        except Ml2CoreError:
            LOG.exception("could not release dynamic segments %s", segment_ids)
            return []

    def release_orphans(self) -> list[str]:
        """Free every dynamic segment no committed binding level uses (errors logged).

        A binding attempt allocates its dynamic segments in transactions of
        their own before its result commits; a controller killed in between
        leaves them unused. A starting plugin calls this. An attempt of a
        live controller that loses its segment here finds it gone when it
        commits and binds again.
        """
        used = sa.select(PortBindingLevel.segment_id).where(PortBindingLevel.segment_id.is_not(None))
        unused = sa.select(NetworkSegment.id).where(
            NetworkSegment.is_dynamic.is_(True), NetworkSegment.id.not_in(used)
        )

        def find(c: Context) -> list[str]:
            assert c.session is not None
            return list(c.session.execute(unused).scalars())

        try:
            ids = self.core.read("release_orphan_dynamic_segments", Context.admin(), find)
        except Ml2CoreError:
            LOG.exception("could not look for unused dynamic segments")
            return []
        return self.release(ids)

    def referenced_by_port(self, session: Session, port_id: str) -> list[str]:
        """IDs of the dynamic segments the port's binding levels use."""
        return list(
            session.execute(
                sa.select(NetworkSegment.id)
                .join(PortBindingLevel, PortBindingLevel.segment_id == NetworkSegment.id)
                .where(PortBindingLevel.port_id == port_id, NetworkSegment.is_dynamic.is_(True))
            ).scalars()
        )


class AttemptSegments:
    """The dynamic-segment calls of one binding attempt (``PortContext`` delegates here)."""

    def __init__(self, dynamic: DynamicSegments, network_id: str) -> None:
        self.dynamic = dynamic
        self.network_id = network_id
        self.allocated: list[str] = []
        self.released: list[str] = []

    def allocate(self, _context: Any, segment: Mapping[str, Any]) -> dict[str, Any]:
        result = self.dynamic.allocate(self.network_id, segment)
        if result["id"] not in self.allocated:
            self.allocated.append(result["id"])
        return result

    def release(self, segment_id: str) -> None:
        if not isinstance(segment_id, str):
            raise InvalidInput(field="segment_id", reason="must be a segment id string")
        self.released.append(segment_id)
        self.dynamic.release([segment_id])
