"""Ports: MACs, fixed IPs, binding attributes; create, read, update, delete."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ml2core import constants, policy
from ml2core.binding.engine import Snapshot
from ml2core.context import Context
from ml2core.core import Core, row_exists, row_gone, same_view
from ml2core.db.models import Network, Port, PortBinding, PortBindingLevel
from ml2core.exceptions import InvalidInput, MacAddressInUse, MechanismDriverError, PortNotFound
from ml2core.ipam import macs, port_ips
from ml2core.query import Attr, listing, select_fields
from ml2core.services.port_views import PortViews, levels_of
from ml2core.validation import boolean, check_keys, new_id, string, unwrap

if TYPE_CHECKING:
    from ml2core.binding.dynamic import DynamicSegments
    from ml2core.binding.engine import BindingEngine, Outcome

LOG = logging.getLogger(__name__)
BINDING_KEYS = ("binding:host_id", "binding:vnic_type", "binding:profile")
CREATE_KEYS = {
    "name",
    "network_id",
    "project_id",
    "tenant_id",
    "mac_address",
    "fixed_ips",
    "device_id",
    "device_owner",
    "admin_state_up",
    *BINDING_KEYS,
}
UPDATE_KEYS = {
    "name",
    "mac_address",
    "fixed_ips",
    "device_id",
    "device_owner",
    "admin_state_up",
    *BINDING_KEYS,
}
MAX_PROFILE_BYTES = 4096
#: A network as a dict (admin view) and its static segments.
NetworkView = tuple[dict[str, Any], list[dict[str, Any]]]
_MAC_TRIES = 16


def _binding_where(column: Any) -> Callable[[list[Any]], sa.ColumnElement[bool]]:
    def where(values: list[Any]) -> sa.ColumnElement[bool]:
        return Port.id.in_(sa.select(PortBinding.port_id).where(column.in_(values)))

    return where


ATTRS: dict[str, Attr] = {
    "id": Attr(Port.id),
    "name": Attr(Port.name),
    "network_id": Attr(Port.network_id),
    "project_id": Attr(Port.project_id),
    "tenant_id": Attr(Port.project_id),
    "mac_address": Attr(Port.mac_address),
    "device_id": Attr(Port.device_id),
    "device_owner": Attr(Port.device_owner),
    "status": Attr(Port.status),
    "admin_state_up": Attr(Port.admin_state_up, bool),
    "binding:host_id": Attr(None, admin_only=True, where=_binding_where(PortBinding.host)),
    "binding:vnic_type": Attr(None, where=_binding_where(PortBinding.vnic_type)),
    "binding:vif_type": Attr(None, admin_only=True, where=_binding_where(PortBinding.vif_type)),
}


def visible_ports(ctx: Context, stmt: sa.Select[Any]) -> sa.Select[Any]:
    if ctx.is_admin:
        return stmt
    owned_networks = sa.select(Network.id).where(Network.project_id == ctx.project_id)
    return stmt.where(sa.or_(Port.project_id == ctx.project_id, Port.network_id.in_(owned_networks)))


def parse_binding(data: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if "binding:host_id" in data:
        result["host"] = string(data["binding:host_id"] or "", "binding:host_id")
    if "binding:vnic_type" in data:
        vnic = data["binding:vnic_type"]
        if vnic not in constants.VNIC_TYPES:
            raise InvalidInput(
                field="binding:vnic_type", reason=f"must be one of {', '.join(constants.VNIC_TYPES)}"
            )
        result["vnic_type"] = vnic
    if "binding:profile" in data:
        profile = data["binding:profile"] or {}
        if not isinstance(profile, Mapping):
            raise InvalidInput(field="binding:profile", reason="must be a dict")
        try:
            # No NaN or infinity: JSON has none, and PostgreSQL and MariaDB refuse them.
            encoded = json.dumps(profile, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidInput(
                field="binding:profile", reason="must be JSON-serializable (finite numbers only)"
            ) from None
        if len(encoded) > MAX_PROFILE_BYTES:
            raise InvalidInput(field="binding:profile", reason=f"larger than {MAX_PROFILE_BYTES} bytes")
        result["profile"] = json.loads(encoded)
    return result


class PortService:
    def __init__(self, core: Core, views: PortViews) -> None:
        self.core = core
        self.views = views
        self.engine: BindingEngine
        self.dynamic: DynamicSegments

    # -- reading -------------------------------------------------------------------
    def load(self, ctx: Context, port_id: object) -> Port:
        session = ctx.session
        assert session is not None
        if not isinstance(port_id, str) or len(port_id) > 64:
            raise PortNotFound(port_id=str(port_id)[:64], field="port_id")
        row = (
            session.execute(visible_ports(ctx, sa.select(Port).where(Port.id == port_id)))
            .unique()
            .scalar_one_or_none()
        )
        if row is None:
            raise PortNotFound(port_id=port_id, field="port_id")
        assert isinstance(row, Port)
        return row

    def get(self, ctx: Context, port_id: str, fields: object = None) -> dict[str, Any]:
        item = self.core.read("get_port", ctx, lambda c: self.views.port_dict(c, self.load(c, port_id)))
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
                sa.select(Port),
                ATTRS,
                Port.id,
                lambda s: visible_ports(c, s),
                lambda m: PortNotFound(port_id=m, field="marker"),
                is_admin=c.is_admin,
                filters=filters,
                sorts=sorts,
                limit=limit,
                marker=marker,
            )
            return [self.views.port_dict(c, r) for r in session.execute(stmt).unique().scalars()]

        items = self.core.read("get_ports", ctx, run)
        return [select_fields(policy.strip_admin_view(ctx, i), fields) for i in items]

    # -- creating ------------------------------------------------------------------
    def create(self, ctx: Context, body: object) -> dict[str, Any]:
        data = unwrap(body, "port")
        check_keys(data, CREATE_KEYS | self.core.extensions.attributes("port"), "POST")
        policy.check_admin_attributes(ctx, data)
        if not isinstance(data.get("network_id"), str):
            raise InvalidInput(field="network_id", reason="is required")
        name = string(data.get("name", ""), "name")
        device_id = string(data.get("device_id", ""), "device_id")
        device_owner = string(data.get("device_owner", ""), "device_owner")
        admin_state_up = boolean(data.get("admin_state_up", True), "admin_state_up")
        given_mac = macs.normalize(data["mac_address"]) if data.get("mac_address") is not None else None
        requests = port_ips.parse(data["fixed_ips"]) if "fixed_ips" in data else None
        binding = parse_binding(data)
        port_id = new_id()

        def run(c: Context) -> tuple[dict[str, Any], NetworkView]:
            session = c.session
            assert session is not None
            network = self.views.networks.load(c, data["network_id"], for_share=True)
            policy.check_port(
                c,
                "create",
                data,
                requests,
                owner=None,
                network_owner=network.project_id,
                shared=network.shared,
            )
            project_id = policy.project_for_create(c, data)
            row = self._insert(
                c,
                port_id,
                network.id,
                project_id,
                given_mac,
                name=name,
                device_id=device_id,
                device_owner=device_owner,
                admin_state_up=admin_state_up,
                binding=binding,
            )
            allocator = port_ips.Allocator(session, network.id, port_id, row.mac_address, device_owner)
            if requests is None:
                allocator.assign_default()
            else:
                allocator.assign(requests)
            session.flush()
            session.expire(row, ["fixed_ips"])
            result = self.views.port_dict(c, row)
            self.core.extensions.process("create", "port", c, data, result)
            view = self.views.network_view(c, network.id)
            self.core.mechanisms.precommit("create_port_precommit", self.views.context(c, result, view))
            return result, view

        result, network = self.core.write("create_port", ctx, run, done=row_exists(Port, port_id))
        plain = ctx.with_session(None)
        errors = self.core.mechanisms.postcommit(
            "create_port_postcommit", self.views.context(plain, result, network)
        )
        if errors:
            self.delete(Context.admin(), port_id)
            raise MechanismDriverError(method="create_port_postcommit", errors=errors, committed=False)
        self.core.publish(constants.PORT, constants.AFTER_CREATE, ctx, port_id, None, result)
        if result["binding:host_id"]:
            bound = self.engine.bind(port_id, snapshot=Snapshot(result, network[0], network[1], revision=0))
            result = bound if bound is not None else self._reload(plain, port_id, result)
        return policy.strip_admin_view(ctx, result)

    def _reload(self, ctx: Context, port_id: str, committed: dict[str, Any]) -> dict[str, Any]:
        """The port as stored now; ``committed`` (what this call wrote) if another call deleted it meanwhile.

        The caller's change did commit, so it is not an error (as Neutron
        answers a port deleted while it was being bound).
        """
        try:
            return self.core.read("get_port", ctx, lambda c: self.views.port_dict(c, self.load(c, port_id)))
        except PortNotFound:
            LOG.info("port %s was deleted while it was being bound", port_id)
            return committed

    def _insert(
        self, ctx: Context, port_id: str, network_id: str, project_id: str, mac: str | None, **attrs: Any
    ) -> Port:
        session = ctx.session
        assert session is not None
        binding = attrs.pop("binding")
        for _ in range(_MAC_TRIES):
            candidate = mac or macs.generate(self.core.settings.base_mac)
            taken = session.execute(
                sa.select(Port.id).where(Port.network_id == network_id, Port.mac_address == candidate)
            ).first()
            if taken is None:
                row = Port(
                    id=port_id,
                    network_id=network_id,
                    project_id=project_id,
                    mac_address=candidate,
                    status=constants.PORT_STATUS_DOWN,
                    **attrs,
                )
                row.binding = PortBinding(
                    host=binding.get("host", ""),
                    vnic_type=binding.get("vnic_type", constants.VNIC_NORMAL),
                    profile=binding.get("profile", {}),
                    vif_type=constants.VIF_TYPE_UNBOUND,
                    vif_details={},
                    revision=0,
                )
                try:
                    with session.begin_nested():
                        session.add(row)
                        session.flush()
                    return row
                except sa.exc.IntegrityError:
                    # The savepoint dropped the row. A concurrent port took this MAC,
                    # or the clash is another key (the port's own ID: an earlier
                    # attempt committed after all), which is no MAC in use.
                    clash = session.execute(
                        sa.select(Port.id).where(Port.network_id == network_id, Port.mac_address == candidate)
                    ).first()
                    if clash is None:
                        raise
            if mac is not None:
                break
        raise MacAddressInUse(network_id=network_id, mac=mac or "(generated)", field="mac_address")

    # -- updating ------------------------------------------------------------------
    def update(self, ctx: Context, port_id: str, body: object) -> dict[str, Any]:
        data = unwrap(body, "port")
        check_keys(data, UPDATE_KEYS | self.core.extensions.attributes("port"), "PUT")
        simple: dict[str, Any] = {}
        for key in ("name", "device_id", "device_owner"):
            if key in data:
                simple[key] = string(data[key], key)
        if "admin_state_up" in data:
            simple["admin_state_up"] = boolean(data["admin_state_up"], "admin_state_up")
        new_mac = macs.normalize(data["mac_address"]) if "mac_address" in data else None
        requests = port_ips.parse(data["fixed_ips"]) if "fixed_ips" in data else None
        binding = parse_binding(data)

        def run(
            c: Context,
        ) -> tuple[dict[str, Any], dict[str, Any], list[Any], list[Any], bool, NetworkView, int]:
            session = c.session
            assert session is not None
            row = self.load(c, port_id)
            network = session.get(Network, row.network_id)
            assert network is not None and row.binding is not None
            # After the load: a port the caller cannot see is NotFound, whatever it asked (Neutron).
            policy.check_admin_attributes(c, data)
            policy.check_port(
                c,
                "update",
                data,
                requests,
                owner=row.project_id,
                network_owner=network.project_id,
                shared=network.shared,
            )
            original = self.views.port_dict(c, row)
            original_levels = levels_of(session, [port_id])[port_id]
            for key, value in simple.items():
                setattr(row, key, value)
            if new_mac is not None and new_mac != row.mac_address:
                if row.binding.vif_type not in (
                    constants.VIF_TYPE_UNBOUND,
                    constants.VIF_TYPE_BINDING_FAILED,
                ):
                    raise InvalidInput(field="mac_address", reason="cannot change the MAC of a bound port")
                if session.execute(
                    sa.select(Port.id).where(Port.network_id == row.network_id, Port.mac_address == new_mac)
                ).first():
                    raise MacAddressInUse(network_id=row.network_id, mac=new_mac, field="mac_address")
                row.mac_address = new_mac
            mac_changed = new_mac is not None and new_mac != original["mac_address"]
            if requests is not None or mac_changed:
                allocator = port_ips.Allocator(
                    session, row.network_id, port_id, row.mac_address, row.device_owner
                )
                if requests is not None:
                    port_ips.replace(session, allocator, requests)
                if mac_changed:
                    session.flush()
                    port_ips.follow_mac(session, allocator)
                session.expire(row, ["fixed_ips"])
            rebind = self._apply_binding(c, row, binding, original_levels)
            session.flush()
            current = self.views.port_dict(c, row)
            levels = [] if rebind else original_levels
            self.core.extensions.process("update", "port", c, data, current)
            view = self.views.network_view(c, row.network_id)
            pctx = self.views.context(
                c,
                current,
                view,
                original=original,
                levels=levels,
                original_levels=original_levels,
            )
            self.core.mechanisms.precommit("update_port_precommit", pctx)
            return original, current, levels, original_levels, rebind, view, row.binding.revision

        def landed(c: Context, attempt: tuple[Any, ...]) -> bool:
            session = c.session
            assert session is not None
            row = session.get(Port, port_id)
            if row is None or row.binding is None or row.binding.revision != attempt[-1]:
                return False
            return same_view(self.views.port_dict(c, row), attempt[1])

        original, current, levels, original_levels, rebind, network, revision = self.core.write(
            "update_port", ctx, run, done=landed
        )
        plain = ctx.with_session(None)
        errors = self.core.mechanisms.postcommit(
            "update_port_postcommit",
            self.views.context(
                plain, current, network, original=original, levels=levels, original_levels=original_levels
            ),
        )
        self.core.publish(constants.PORT, constants.AFTER_UPDATE, ctx, port_id, original, current)
        if original["status"] != current["status"]:
            self.core.publish(constants.PORT, constants.STATUS_CHANGED, ctx, port_id, original, current)
        result: dict[str, Any] | None = current
        if current["binding:host_id"] and (
            rebind or current["binding:vif_type"] == constants.VIF_TYPE_BINDING_FAILED
        ):
            # The committed state is the first attempt's starting point.
            snapshot = Snapshot(current, network[0], network[1], revision=revision)
            result = self.engine.bind(port_id, force=True, snapshot=snapshot)
        if errors:
            raise MechanismDriverError(method="update_port_postcommit", errors=errors, committed=True)
        if result is None:
            result = self._reload(plain, port_id, current)
        return policy.strip_admin_view(ctx, result)

    def _apply_binding(self, ctx: Context, row: Port, binding: dict[str, Any], levels: list[Any]) -> bool:
        """Apply host / vnic type / profile changes; a change unbinds. True if unbound."""
        session = ctx.session
        assert session is not None and row.binding is not None
        b = row.binding
        changed = any(
            key in binding and binding[key] != getattr(b, key) for key in ("host", "vnic_type", "profile")
        )
        if not changed:
            return False
        dynamic = self.dynamic.referenced_by_port(session, row.id)
        for key in ("host", "vnic_type", "profile"):
            if key in binding:
                setattr(b, key, binding[key])
        b.vif_type = constants.VIF_TYPE_UNBOUND
        b.vif_details = {}
        b.revision += 1
        row.status = constants.PORT_STATUS_DOWN
        session.execute(sa.delete(PortBindingLevel).where(PortBindingLevel.port_id == row.id))
        session.flush()
        self.dynamic.release_if_unused(ctx, dynamic)
        return True

    # -- deleting ------------------------------------------------------------------
    def delete(self, ctx: Context, port_id: str) -> None:
        def run(c: Context) -> list[Callable[[], None]]:
            row = self.load(c, port_id)
            network = c.session.get(Network, row.network_id) if c.session is not None else None
            assert network is not None
            policy.check_owner(c, row.project_id, "delete port", network_owner=network.project_id)
            return self._delete_row(c, row)

        for callback in self.core.write("delete_port", ctx, run, done=row_gone(Port, port_id)):
            callback()

    def _delete_row(self, ctx: Context, row: Port) -> list[Callable[[], None]]:
        session = ctx.session
        assert session is not None
        current = self.views.port_dict(ctx, row)
        levels = levels_of(session, [row.id])[row.id]
        network = self.views.network_view(ctx, row.network_id)
        dynamic = self.dynamic.referenced_by_port(session, row.id)
        self.core.mechanisms.precommit(
            "delete_port_precommit", self.views.context(ctx, current, network, levels=levels)
        )
        session.delete(row)
        session.flush()
        self.dynamic.release_if_unused(ctx, dynamic)
        plain = ctx.with_session(None)

        def after() -> None:
            self.core.mechanisms.postcommit(
                "delete_port_postcommit", self.views.context(plain, current, network, levels=levels)
            )
            self.core.publish(constants.PORT, constants.AFTER_DELETE, plain, current["id"], None, current)

        return [after]

    def delete_all_in_network(self, ctx: Context, network_id: str) -> list[Callable[[], None]]:
        session = ctx.session
        assert session is not None
        after: list[Callable[[], None]] = []
        for row in session.execute(sa.select(Port).where(Port.network_id == network_id)).unique().scalars():
            after += self._delete_row(ctx, row)
        return after

    # -- binding -------------------------------------------------------------------
    def precommit_binding(
        self,
        ctx: Context,
        original: dict[str, Any],
        current: dict[str, Any],
        levels: list[dict[str, Any]],
        network: tuple[dict[str, Any], list[dict[str, Any]]],
    ) -> None:
        pctx = self.views.context(ctx, current, network, original=original, levels=levels, original_levels=[])
        self.core.mechanisms.precommit("update_port_precommit", pctx)

    def after_binding(
        self,
        committed: tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]],
        outcome: Outcome,
        network: tuple[dict[str, Any], list[dict[str, Any]]],
    ) -> None:
        original, current, levels = committed
        plain = Context.admin()
        self.core.mechanisms.postcommit(
            "update_port_postcommit",
            self.views.context(plain, current, network, original=original, levels=levels, original_levels=[]),
        )
        event = constants.BOUND if outcome.bound else constants.BINDING_FAILED
        self.core.publish(constants.PORT, event, plain, current["id"], original, current)
        if original["status"] != current["status"]:
            self.core.publish(
                constants.PORT, constants.STATUS_CHANGED, plain, current["id"], original, current
            )
