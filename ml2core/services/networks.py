"""Networks and their segments: create, read, update, delete."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core import constants, policy
from ml2core.context import Context
from ml2core.contexts import NetworkContextImpl
from ml2core.core import Core, row_exists, row_gone, same_view
from ml2core.db.models import Network, NetworkSegment, Port, Subnet
from ml2core.exceptions import (
    InUse,
    InvalidInput,
    MechanismDriverError,
    NetworkInUse,
    NetworkNotFound,
)
from ml2core.query import Attr, listing, select_fields
from ml2core.services import segments as seg_db
from ml2core.validation import boolean, check_keys, integer, new_id, string, unwrap

PROVIDER_KEYS = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")
_PLAIN = {
    "network_type": PROVIDER_KEYS[0],
    "physical_network": PROVIDER_KEYS[1],
    "segmentation_id": PROVIDER_KEYS[2],
}
CREATE_KEYS = {
    "name",
    "admin_state_up",
    "shared",
    "project_id",
    "tenant_id",
    "mtu",
    "segments",
    *PROVIDER_KEYS,
}
UPDATE_KEYS = {"name", "admin_state_up", "shared", "mtu", *PROVIDER_KEYS, "segments"}
MIN_MTU = 68


def _segment_filter(key: str) -> Any:
    column = getattr(NetworkSegment, key)

    def where(values: list[Any]) -> sa.ColumnElement[bool]:
        sub = sa.select(NetworkSegment.network_id).where(
            NetworkSegment.is_dynamic.is_(False), column.in_(values)
        )
        return Network.id.in_(sub)

    return where


ATTRS: dict[str, Attr] = {
    "id": Attr(Network.id),
    "name": Attr(Network.name),
    "project_id": Attr(Network.project_id),
    "tenant_id": Attr(Network.project_id),
    "admin_state_up": Attr(Network.admin_state_up, bool),
    "shared": Attr(Network.shared, bool),
    "status": Attr(Network.status),
    "mtu": Attr(Network.mtu, int),
    "provider:network_type": Attr(None, admin_only=True, where=_segment_filter("network_type")),
    "provider:physical_network": Attr(None, admin_only=True, where=_segment_filter("physical_network")),
    "provider:segmentation_id": Attr(None, int, admin_only=True, where=_segment_filter("segmentation_id")),
}


def parse_provider_segment(raw: Mapping[str, Any], field_prefix: str = "") -> dict[str, Any]:
    """Normalize one provider segment (``provider:*`` or plain keys) to plain keys."""
    seg: dict[str, Any] = {}
    for key, value in raw.items():
        public = _PLAIN.get(key, key)
        if public not in PROVIDER_KEYS:
            raise InvalidInput(field=f"{field_prefix}{key}", reason="unknown segment attribute")
        seg[public] = value
    field = f"{field_prefix}provider:network_type"
    network_type = seg.get(PROVIDER_KEYS[0])
    string(network_type, field, max_len=32, allow_empty=False)
    physnet = seg.get(PROVIDER_KEYS[1])
    if physnet is not None:
        string(physnet, f"{field_prefix}provider:physical_network", max_len=64, allow_empty=False)
    seg_id = seg.get(PROVIDER_KEYS[2])
    if seg_id is not None:
        seg_id = integer(seg_id, f"{field_prefix}provider:segmentation_id")
    return {"network_type": network_type, "physical_network": physnet, "segmentation_id": seg_id}


def provider_view(segments: list[dict[str, Any]]) -> dict[str, Any]:
    """``provider:*`` for one segment, ``segments`` for several (admin view)."""
    if len(segments) == 1:
        s = segments[0]
        return {
            "provider:network_type": s["network_type"],
            "provider:physical_network": s["physical_network"],
            "provider:segmentation_id": s["segmentation_id"],
        }
    if not segments:
        return dict.fromkeys(PROVIDER_KEYS)
    return {
        "segments": [
            {
                "provider:network_type": s["network_type"],
                "provider:physical_network": s["physical_network"],
                "provider:segmentation_id": s["segmentation_id"],
            }
            for s in segments
        ]
    }


def network_dict(net: Network, segments: list[dict[str, Any]], subnet_ids: list[str]) -> dict[str, Any]:
    return {
        "id": net.id,
        "name": net.name,
        "project_id": net.project_id,
        "tenant_id": net.project_id,
        "admin_state_up": net.admin_state_up,
        "shared": net.shared,
        "status": net.status,
        "mtu": net.mtu,
        "subnets": subnet_ids,
        **provider_view(segments),
        "created_at": net.created_at.isoformat(),
        "updated_at": net.updated_at.isoformat(),
    }


def visible_networks(ctx: Context, stmt: sa.Select[Any]) -> sa.Select[Any]:
    if ctx.is_admin:
        return stmt
    return stmt.where(sa.or_(Network.project_id == ctx.project_id, Network.shared.is_(True)))


class NetworkService:
    def __init__(self, core: Core) -> None:
        self.core = core
        #: Called inside the delete transaction to remove what goes with a
        #: network (network-owned ports, subnets); each returns postcommit calls.
        self.content_deleters: list[Callable[[Context, str], list[Callable[[], None]]]] = []

    # -- reading -------------------------------------------------------------------
    def load(
        self, ctx: Context, network_id: object, *, for_update: bool = False, for_share: bool = False
    ) -> Network:
        """The network row if ``ctx`` can see it, else NetworkNotFound.

        ``for_update`` locks the row against every other lock; ``for_share``
        only against ``for_update`` (a port or address being added waits
        for a concurrent delete of the network and then finds it gone,
        instead of failing on the foreign key).
        """
        session = ctx.session
        assert session is not None
        if not isinstance(network_id, str) or len(network_id) > 64:
            raise NetworkNotFound(network_id=str(network_id)[:64], field="network_id")
        stmt = visible_networks(ctx, sa.select(Network).where(Network.id == network_id))
        if session.get_bind().dialect.name != "sqlite":
            if for_update:
                stmt = stmt.with_for_update()
            elif for_share:
                stmt = stmt.with_for_update(read=True, key_share=True)
        net = session.execute(stmt).scalar_one_or_none()
        if net is None:
            raise NetworkNotFound(network_id=network_id, field="network_id")
        assert isinstance(net, Network)
        return net

    def to_dicts(self, ctx: Context, nets: list[Network]) -> list[dict[str, Any]]:
        return [item for item, _segments in self.to_views(ctx, nets)]

    def to_views(
        self, ctx: Context, nets: list[Network]
    ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Each network as a dict (admin view) with its static segments."""
        session = ctx.session
        assert session is not None
        ids = [n.id for n in nets]
        segs = seg_db.segments_of(session, ids)
        subnets: dict[str, list[str]] = {n: [] for n in ids}
        if ids:
            for sid, nid in session.execute(
                sa.select(Subnet.id, Subnet.network_id).where(Subnet.network_id.in_(ids)).order_by(Subnet.id)
            ):
                subnets[nid].append(sid)
        result = []
        for net in nets:
            item = network_dict(net, segs[net.id], subnets[net.id])
            self.core.extensions.extend("network", ctx, item)
            result.append((item, segs[net.id]))
        return result

    def get(self, ctx: Context, network_id: str, fields: object = None) -> dict[str, Any]:
        def run(c: Context) -> dict[str, Any]:
            return self.to_dicts(c, [self.load(c, network_id)])[0]

        item = self.core.read("get_network", ctx, run)
        return select_fields(policy.strip_admin_view(ctx, item), fields)

    def get_all(
        self,
        ctx: Context,
        filters: object = None,
        fields: object = None,
        sorts: object = None,
        limit: object = None,
        marker: object = None,
    ) -> list[dict[str, Any]]:
        def run(c: Context) -> list[dict[str, Any]]:
            session = c.session
            assert session is not None
            stmt = listing(
                session,
                sa.select(Network),
                ATTRS,
                Network.id,
                lambda s: visible_networks(c, s),
                lambda m: NetworkNotFound(network_id=m, field="marker"),
                is_admin=c.is_admin,
                filters=filters,
                sorts=sorts,
                limit=limit,
                marker=marker,
            )
            return self.to_dicts(c, list(session.execute(stmt).scalars()))

        items = self.core.read("get_networks", ctx, run)
        return [select_fields(policy.strip_admin_view(ctx, i), fields) for i in items]

    # -- creating ------------------------------------------------------------------
    def _requested_segments(self, data: dict[str, Any]) -> list[dict[str, Any]] | None:
        provider = {k: data[k] for k in PROVIDER_KEYS if k in data}
        if "segments" in data:
            if any(v is not None for v in provider.values()):
                raise InvalidInput(field="segments", reason="segments and provider values cannot both be set")
            raw = data["segments"]
            if not isinstance(raw, list) or not raw:
                raise InvalidInput(field="segments", reason="must be a non-empty list of segment dicts")
            if len(raw) > 64:
                raise InvalidInput(field="segments", reason="more than 64 segments")
            segments = []
            for i, item in enumerate(raw):
                if not isinstance(item, Mapping):
                    raise InvalidInput(field=f"segments[{i}]", reason="must be a dict")
                segments.append(parse_provider_segment(item, f"segments[{i}]."))
            full = [(s["network_type"], s["physical_network"], s["segmentation_id"]) for s in segments]
            if len(set(full)) != len(full):
                raise InvalidInput(field="segments", reason="duplicate segment entry in request")
            return segments
        if not provider or all(v is None for v in provider.values()):
            return None
        return [parse_provider_segment(provider)]

    def create(self, ctx: Context, body: object) -> dict[str, Any]:
        data = unwrap(body, "network")
        check_keys(data, CREATE_KEYS | self.core.extensions.attributes("network"), "POST")
        policy.check_admin_attributes(ctx, data)
        project_id = policy.project_for_create(ctx, data)
        name = string(data.get("name", ""), "name")
        admin_state_up = boolean(data.get("admin_state_up", True), "admin_state_up")
        shared = boolean(data.get("shared", False), "shared")
        mtu = data.get("mtu")
        if mtu is not None:
            mtu = integer(mtu, "mtu", minimum=MIN_MTU, maximum=2**31 - 1)
        requested = self._requested_segments(data)
        types = self.core.types
        for seg in requested or []:
            types.validate_provider_segment(seg)
        network_id = new_id()

        def run(c: Context) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            session = c.session
            assert session is not None
            net = Network(
                id=network_id,
                project_id=project_id,
                name=name,
                admin_state_up=admin_state_up,
                shared=shared,
                status=constants.NET_STATUS_ACTIVE,
                mtu=0,
            )
            session.add(net)
            session.flush()
            filters = {"project_id": project_id}
            if requested is None:
                reserved = [types.allocate_tenant_segment(c, filters)]
            else:
                reserved = [types.reserve_provider_segment(c, s, filters) for s in requested]
            segments = [seg_db.add_segment(session, network_id, s, i) for i, s in enumerate(reserved)]
            net.mtu = self._mtu(segments, mtu)
            session.flush()
            result = network_dict(net, segments, [])
            self.core.extensions.process("create", "network", c, data, result)
            self.core.mechanisms.precommit(
                "create_network_precommit", NetworkContextImpl(c, result, segments)
            )
            return result, segments

        result, segments = self.core.write("create_network", ctx, run, done=row_exists(Network, network_id))
        errors = self.core.mechanisms.postcommit(
            "create_network_postcommit", NetworkContextImpl(ctx.with_session(None), result, segments)
        )
        if errors:
            self._delete(Context.admin(), network_id)
            raise MechanismDriverError(method="create_network_postcommit", errors=errors, committed=False)
        self.core.publish(constants.NETWORK, constants.AFTER_CREATE, ctx, network_id, None, result)
        return policy.strip_admin_view(ctx, result)

    def _mtu(self, segments: list[dict[str, Any]], requested: int | None) -> int:
        maximum = self.core.types.max_mtu(segments, int(self.core.conf.global_physnet_mtu))
        if requested is not None:
            if maximum and requested > maximum:
                raise InvalidInput(field="mtu", reason=f"requested MTU is too big, maximum is {maximum}")
            return requested
        return maximum

    # -- updating ------------------------------------------------------------------
    def update(self, ctx: Context, network_id: str, body: object) -> dict[str, Any]:
        data = unwrap(body, "network")
        check_keys(data, UPDATE_KEYS | self.core.extensions.attributes("network"), "PUT")
        policy.check_admin_attributes(ctx, data)
        changes: dict[str, Any] = {}
        if "name" in data:
            changes["name"] = string(data["name"], "name")
        if "admin_state_up" in data:
            changes["admin_state_up"] = boolean(data["admin_state_up"], "admin_state_up")
        if "shared" in data:
            changes["shared"] = boolean(data["shared"], "shared")
        if "mtu" in data:
            changes["mtu"] = integer(data["mtu"], "mtu", minimum=MIN_MTU, maximum=2**31 - 1)

        def run(c: Context) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
            session = c.session
            assert session is not None
            net = self.load(c, network_id, for_update=True)
            policy.check_owner(c, net.project_id, "update network")
            original = self.to_dicts(c, [net])[0]
            segments = seg_db.segments_of(session, [net.id])[net.id]
            self._check_provider_unchanged(data, original)
            if changes.get("shared") is False and net.shared:
                others = session.execute(
                    sa.select(sa.func.count())
                    .select_from(Port)
                    .where(Port.network_id == net.id, Port.project_id != net.project_id)
                ).scalar_one()
                if others:
                    raise InUse(
                        field="shared",
                        reason=f"network {net.id} has ports of other projects; it must stay shared",
                    )
            if "mtu" in changes:
                changes["mtu"] = self._mtu(segments, changes["mtu"])
            for key, value in changes.items():
                setattr(net, key, value)
            session.flush()
            result = self.to_dicts(c, [net])[0]
            self.core.extensions.process("update", "network", c, data, result)
            self.core.mechanisms.precommit(
                "update_network_precommit", NetworkContextImpl(c, result, segments, original)
            )
            return original, result, segments

        def landed(c: Context, attempt: tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]) -> bool:
            net = self.load(c, network_id)
            return same_view(self.to_dicts(c, [net])[0], attempt[1])

        original, result, segments = self.core.write("update_network", ctx, run, done=landed)
        errors = self.core.mechanisms.postcommit(
            "update_network_postcommit",
            NetworkContextImpl(ctx.with_session(None), result, segments, original),
        )
        self.core.publish(constants.NETWORK, constants.AFTER_UPDATE, ctx, network_id, original, result)
        if errors:
            raise MechanismDriverError(method="update_network_postcommit", errors=errors, committed=True)
        return policy.strip_admin_view(ctx, result)

    @staticmethod
    def _check_provider_unchanged(data: dict[str, Any], original: dict[str, Any]) -> None:
        for key in (*PROVIDER_KEYS, "segments"):
            if key in data and data[key] != original.get(key):
                raise InvalidInput(
                    field=key, reason="provider attributes of an existing network cannot be changed"
                )

    # -- deleting ------------------------------------------------------------------
    def delete(self, ctx: Context, network_id: str) -> None:
        self._delete(ctx, network_id)

    def _delete(self, ctx: Context, network_id: str) -> None:
        def run(c: Context) -> tuple[dict[str, Any], list[dict[str, Any]], list[Any]]:
            session = c.session
            assert session is not None
            net = self.load(c, network_id, for_update=True)
            policy.check_owner(c, net.project_id, "delete network")
            current = self.to_dicts(c, [net])[0]
            segments = seg_db.segments_of(session, [net.id])[net.id]
            _check_no_user_ports(session, net.id)
            after: list[Callable[[], None]] = []
            for deleter in self.content_deleters:
                after += deleter(c, net.id)
            self.core.mechanisms.precommit(
                "delete_network_precommit", NetworkContextImpl(c, current, segments)
            )
            seg_db.release_network_segments(c, self.core.types, net.id)
            session.delete(net)
            session.flush()
            return current, segments, after

        current, segments, after = self.core.write(
            "delete_network", ctx, run, done=row_gone(Network, network_id)
        )
        plain = ctx.with_session(None)
        for callback in after:
            callback()
        self.core.mechanisms.postcommit(
            "delete_network_postcommit", NetworkContextImpl(plain, current, segments)
        )
        self.core.publish(constants.NETWORK, constants.AFTER_DELETE, ctx, network_id, None, current)


def _check_no_user_ports(session: Session, network_id: str) -> None:
    count = session.execute(
        sa.select(sa.func.count())
        .select_from(Port)
        .where(
            Port.network_id == network_id,
            sa.not_(Port.device_owner.startswith(constants.DEVICE_OWNER_NETWORK_PREFIX, autoescape=True)),
        )
    ).scalar_one()
    if count:
        raise NetworkInUse(
            network_id=network_id, reason="There are one or more ports still in use on the network."
        )
