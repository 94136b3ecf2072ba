"""Network segment ranges (Neutron's API), with ``available`` as free sub-ranges.

Ranges from configuration appear as ``default: true, shared: true``; they
are not stored, so their ID is derived from their content, and they are
read-only. Stored ranges belong to a project (tried first for its networks)
or are shared.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core import policy
from ml2core.api.type_driver import TypeDriver
from ml2core.context import Context
from ml2core.core import Core, row_exists, row_gone
from ml2core.db.models import Network, NetworkSegment, NetworkSegmentRange
from ml2core.exceptions import InvalidInput, SegmentRangeInUse, SegmentRangeNotFound, SegmentRangeOverlaps
from ml2core.query import Attr, apply_filters
from ml2core.segments.allocator import allocated_in, free_subranges
from ml2core.segments.ranges_db import lock_stored_range
from ml2core.validation import boolean, check_keys, integer, new_id, string, unwrap

LOG = logging.getLogger(__name__)

_NAMESPACE = uuid.UUID("6f1c2b8e-4a43-4b8f-9c53-2f1c0f3c9a11")
CREATE_KEYS = {
    "name",
    "network_type",
    "physical_network",
    "minimum",
    "maximum",
    "shared",
    "project_id",
    "tenant_id",
}
UPDATE_KEYS = {"name", "minimum", "maximum"}
ATTRS: dict[str, Attr] = {
    "id": Attr(NetworkSegmentRange.id),
    "name": Attr(NetworkSegmentRange.name),
    "network_type": Attr(NetworkSegmentRange.network_type),
    "physical_network": Attr(NetworkSegmentRange.physical_network),
    "shared": Attr(NetworkSegmentRange.shared, bool),
    "project_id": Attr(NetworkSegmentRange.project_id),
}


def default_range_id(network_type: str, physnet: str, minimum: int, maximum: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{network_type}/{physnet}/{minimum}/{maximum}"))


def used_in(session: Session, network_type: str, physnet: str, low: int, high: int) -> dict[int, str]:
    """``{segmentation_id: project_id}`` of the networks using IDs of ``[low, high]``."""
    column = NetworkSegment.physical_network
    physnet_match = column.is_(None) if not physnet else column == physnet
    rows = session.execute(
        sa.select(NetworkSegment.segmentation_id, Network.project_id)
        .join(Network, Network.id == NetworkSegment.network_id)
        .where(
            NetworkSegment.network_type == network_type,
            physnet_match,
            NetworkSegment.segmentation_id >= low,
            NetworkSegment.segmentation_id <= high,
        )
        .order_by(NetworkSegment.segmentation_id)
    )
    return {int(s): str(p) for s, p in rows if s is not None}


class SegmentRangeService:
    def __init__(self, core: Core) -> None:
        self.core = core

    def _view(self, session: Session, item: dict[str, Any]) -> dict[str, Any]:
        network_type, physnet = item["network_type"], item["physical_network"] or ""
        low, high = item["minimum"], item["maximum"]
        item["used"] = used_in(session, network_type, physnet, low, high)
        # From the allocated set, not from ``used``: an ID is available only
        # if the allocator would hand it out.
        taken = [seg_id for _, seg_id in allocated_in(session, network_type, physnet, low, high)]
        item["available"] = free_subranges(taken, low, high)
        return item

    def _defaults(self) -> list[dict[str, Any]]:
        result = []
        seen: set[str] = set()
        for network_type, driver in self.core.types.drivers.items():
            for physnet, ranges in driver.configured_ranges().items():
                for r in ranges:
                    range_id = default_range_id(network_type, physnet, r.minimum, r.maximum)
                    if range_id in seen:  # the same entry configured twice is one range
                        continue
                    seen.add(range_id)
                    result.append(
                        {
                            "id": range_id,
                            "name": "",
                            "network_type": network_type,
                            "physical_network": physnet or None,
                            "minimum": r.minimum,
                            "maximum": r.maximum,
                            "shared": True,
                            "project_id": None,
                            "default": True,
                        }
                    )
        return result

    @staticmethod
    def _stored(row: NetworkSegmentRange) -> dict[str, Any]:
        return {
            "id": row.id,
            "name": row.name,
            "network_type": row.network_type,
            "physical_network": row.physical_network or None,
            "minimum": row.minimum,
            "maximum": row.maximum,
            "shared": row.shared,
            "project_id": row.project_id,
            "default": False,
        }

    def default_overlap(self, network_type: str, physnet: str, minimum: int, maximum: int) -> list[str]:
        """The configured (default) ranges that ``[minimum, maximum]`` overlaps, as ``min-max``."""
        return [
            f"{d['minimum']}-{d['maximum']}"
            for d in self._defaults()
            if d["network_type"] == network_type
            and (d["physical_network"] or "") == physnet
            and d["minimum"] <= maximum
            and d["maximum"] >= minimum
        ]

    def _warn_default_overlap(self, network_type: str, physnet: str, minimum: int, maximum: int) -> None:
        overlap = self.default_overlap(network_type, physnet, minimum, maximum)
        if overlap:
            # Accepted, as in Neutron: its IDs stay allocatable to every project from the default range.
            LOG.warning(
                "network segment range %s %s %d-%d overlaps the configured range(s) %s: the IDs in both "
                "remain available to every project through the configured range",
                network_type,
                physnet or "-",
                minimum,
                maximum,
                ", ".join(overlap),
            )

    def _driver(self, network_type: object) -> TypeDriver:
        driver = self.core.types.driver(network_type, "network_type")
        if driver.segmentation_id_bounds() is None:
            raise InvalidInput(
                field="network_type", reason=f"network type {network_type} has no segmentation IDs"
            )
        return driver

    def create(self, ctx: Context, body: object) -> dict[str, Any]:
        policy.require_admin(ctx, "create network segment ranges")
        data = unwrap(body, "network_segment_range")
        check_keys(data, CREATE_KEYS, "POST")
        driver = self._driver(data.get("network_type"))
        bounds = driver.segmentation_id_bounds()
        assert bounds is not None
        physnet = data.get("physical_network")
        if driver.uses_physical_networks():
            physnet = string(physnet, "physical_network", max_len=64, allow_empty=False)
            if physnet not in driver.physical_networks():
                raise InvalidInput(
                    field="physical_network",
                    reason=f"physical network {physnet} is not configured for {driver.get_type()}",
                )
        elif physnet is not None:
            raise InvalidInput(field="physical_network", reason=f"not allowed for {driver.get_type()} ranges")
        minimum = integer(data.get("minimum"), "minimum", minimum=bounds[0], maximum=bounds[1])
        maximum = integer(data.get("maximum"), "maximum", minimum=bounds[0], maximum=bounds[1])
        if maximum < minimum:
            raise InvalidInput(field="maximum", reason=f"{maximum} is below minimum {minimum}")
        shared = boolean(data.get("shared", True), "shared")
        project_id = data.get("project_id", data.get("tenant_id"))
        if shared and project_id is not None:
            raise InvalidInput(field="project_id", reason="a shared range belongs to no project")
        if not shared:
            project_id = string(project_id, "project_id", allow_empty=False)
        name = string(data.get("name", ""), "name")
        range_id = new_id()

        def run(c: Context) -> dict[str, Any]:
            session = c.session
            assert session is not None
            _check_overlap(session, driver.get_type(), physnet or "", minimum, maximum)
            self._warn_default_overlap(driver.get_type(), physnet or "", minimum, maximum)
            row = NetworkSegmentRange(
                id=range_id,
                name=name,
                network_type=driver.get_type(),
                physical_network=physnet or "",
                minimum=minimum,
                maximum=maximum,
                shared=shared,
                project_id=project_id,
            )
            session.add(row)
            session.flush()
            return self._view(session, self._stored(row))

        return self.core.write(
            "create_network_segment_range", ctx, run, done=row_exists(NetworkSegmentRange, range_id)
        )

    def get_all(self, ctx: Context, filters: object = None, fields: object = None) -> list[dict[str, Any]]:
        policy.require_admin(ctx, "list network segment ranges")

        def run(c: Context) -> list[dict[str, Any]]:
            session = c.session
            assert session is not None
            stored_filters = dict(filters) if isinstance(filters, dict) else filters
            want_default: set[bool] = {True, False}
            if isinstance(stored_filters, dict) and "default" in stored_filters:
                values = stored_filters.pop("default")
                accepted = values if isinstance(values, list | tuple | set) else [values]
                want_default = {boolean(v, "filters[default]") for v in accepted}
            rows: list[dict[str, Any]] = []
            if False in want_default:
                stmt = apply_filters(sa.select(NetworkSegmentRange), ATTRS, stored_filters, is_admin=True)
                stmt = stmt.order_by(NetworkSegmentRange.created_at, NetworkSegmentRange.id)
                rows = [self._stored(r) for r in session.execute(stmt).scalars()]
            defaults = [d for d in self._defaults() if True in want_default and _matches(d, stored_filters)]
            return [self._view(session, item) for item in defaults + rows]

        from ml2core.query import select_fields

        return [select_fields(i, fields) for i in self.core.read("get_network_segment_ranges", ctx, run)]

    def get(self, ctx: Context, range_id: object, fields: object = None) -> dict[str, Any]:
        policy.require_admin(ctx, "read network segment ranges")
        from ml2core.query import select_fields

        def run(c: Context) -> dict[str, Any]:
            session = c.session
            assert session is not None
            return self._view(session, self._find(session, range_id))

        return select_fields(self.core.read("get_network_segment_range", ctx, run), fields)

    def _find(self, session: Session, range_id: object) -> dict[str, Any]:
        if not isinstance(range_id, str) or len(range_id) > 64:
            raise SegmentRangeNotFound(range_id=str(range_id)[:64], field="id")
        for item in self._defaults():
            if item["id"] == range_id:
                return item
        row = session.get(NetworkSegmentRange, range_id)
        if row is None:
            raise SegmentRangeNotFound(range_id=range_id, field="id")
        return self._stored(row)

    def update(self, ctx: Context, range_id: str, body: object) -> dict[str, Any]:
        policy.require_admin(ctx, "update network segment ranges")
        data = unwrap(body, "network_segment_range")
        check_keys(data, UPDATE_KEYS, "PUT")

        def run(c: Context) -> dict[str, Any]:
            session = c.session
            assert session is not None
            item = self._find(session, range_id)
            if item["default"]:
                raise InvalidInput(field="id", reason="ranges from configuration are read-only")
            row = lock_stored_range(session, range_id)
            if row is None:
                raise SegmentRangeNotFound(range_id=range_id, field="id")
            bounds = self._driver(row.network_type).segmentation_id_bounds()
            assert bounds is not None
            minimum = integer(
                data.get("minimum", row.minimum), "minimum", minimum=bounds[0], maximum=bounds[1]
            )
            maximum = integer(
                data.get("maximum", row.maximum), "maximum", minimum=bounds[0], maximum=bounds[1]
            )
            if maximum < minimum:
                raise InvalidInput(field="maximum", reason=f"{maximum} is below minimum {minimum}")
            used = used_in(session, row.network_type, row.physical_network, row.minimum, row.maximum)
            stranded = sorted(i for i in used if not minimum <= i <= maximum)
            if stranded:
                raise SegmentRangeInUse(
                    range_id=range_id, reason=f"IDs {stranded[:10]} are in use outside the new bounds"
                )
            _check_overlap(session, row.network_type, row.physical_network, minimum, maximum, exclude=row.id)
            if "name" in data:
                row.name = string(data["name"], "name")
            row.minimum, row.maximum = minimum, maximum
            session.flush()
            return self._view(session, self._stored(row))

        return self.core.write("update_network_segment_range", ctx, run)

    def delete(self, ctx: Context, range_id: str) -> None:
        policy.require_admin(ctx, "delete network segment ranges")

        def run(c: Context) -> None:
            session = c.session
            assert session is not None
            item = self._find(session, range_id)
            if item["default"]:
                raise InvalidInput(field="id", reason="ranges from configuration are read-only")
            row = lock_stored_range(session, range_id)
            if row is None:
                raise SegmentRangeNotFound(range_id=range_id, field="id")
            used = used_in(session, row.network_type, row.physical_network, row.minimum, row.maximum)
            if used:
                count = "1 ID of it is" if len(used) == 1 else f"{len(used)} IDs of it are"
                raise SegmentRangeInUse(range_id=range_id, reason=f"{count} in use")
            session.execute(sa.delete(NetworkSegmentRange).where(NetworkSegmentRange.id == range_id))

        self.core.write(
            "delete_network_segment_range", ctx, run, done=row_gone(NetworkSegmentRange, range_id)
        )


def _check_overlap(
    session: Session, network_type: str, physnet: str, minimum: int, maximum: int, exclude: str | None = None
) -> None:
    """SegmentRangeOverlaps if a stored range of the same type and physnet overlaps (as Neutron).

    Ranges from configuration are not compared, as in Neutron (see
    ``_warn_default_overlap``). Two controllers creating overlapping
    ranges at the same instant can both pass, as in Neutron.
    """
    stmt = sa.select(NetworkSegmentRange.id).where(
        NetworkSegmentRange.network_type == network_type,
        NetworkSegmentRange.physical_network == physnet,
        NetworkSegmentRange.minimum <= maximum,
        NetworkSegmentRange.maximum >= minimum,
    )
    if exclude is not None:
        stmt = stmt.where(NetworkSegmentRange.id != exclude)
    ids = sorted(session.execute(stmt).scalars())
    if ids:
        raise SegmentRangeOverlaps(range_id=", ".join(ids), field="minimum")


def _matches(item: dict[str, Any], filters: object) -> bool:
    if not isinstance(filters, dict):
        return True
    for key, values in filters.items():
        accepted = values if isinstance(values, list | tuple | set) else [values]
        if key == "shared":
            if not any(boolean(v, "filters[shared]") == item[key] for v in accepted):
                return False
        elif key in item and item[key] not in accepted:
            return False
    return True
