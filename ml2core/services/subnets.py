"""Subnets: IPv4 and IPv6, gateways, allocation pools."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import netaddr
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core import constants, policy
from ml2core.context import Context
from ml2core.contexts import NetworkContextImpl, SubnetContextImpl
from ml2core.core import Core, row_exists, row_gone, same_view
from ml2core.db.models import IpAllocation, IpAllocationPool, Network, Port, Subnet
from ml2core.exceptions import InvalidInput, MechanismDriverError, SubnetInUse, SubnetNotFound
from ml2core.ipam import subnets as ipam
from ml2core.query import Attr, listing, select_fields
from ml2core.services import segments as seg_db
from ml2core.services.networks import NetworkService
from ml2core.validation import boolean, check_keys, integer, new_id, string, unwrap

CREATE_KEYS = {
    "name",
    "network_id",
    "project_id",
    "tenant_id",
    "cidr",
    "ip_version",
    "gateway_ip",
    "allocation_pools",
    "enable_dhcp",
    "ipv6_address_mode",
    "ipv6_ra_mode",
}
UPDATE_KEYS = {"name", "gateway_ip", "allocation_pools", "enable_dhcp"}

ATTRS: dict[str, Attr] = {
    "id": Attr(Subnet.id),
    "name": Attr(Subnet.name),
    "network_id": Attr(Subnet.network_id),
    "project_id": Attr(Subnet.project_id),
    "tenant_id": Attr(Subnet.project_id),
    "cidr": Attr(Subnet.cidr),
    "ip_version": Attr(Subnet.ip_version, int),
    "gateway_ip": Attr(Subnet.gateway_ip, sortable=False),
    "enable_dhcp": Attr(Subnet.enable_dhcp, bool),
    "ipv6_address_mode": Attr(Subnet.ipv6_address_mode, sortable=False),
}


def subnet_dict(row: Subnet) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "project_id": row.project_id,
        "tenant_id": row.project_id,
        "network_id": row.network_id,
        "cidr": row.cidr,
        "ip_version": row.ip_version,
        "gateway_ip": row.gateway_ip,
        "allocation_pools": [{"start": p.first_ip, "end": p.last_ip} for p in row.pools],
        "enable_dhcp": row.enable_dhcp,
        "ipv6_address_mode": row.ipv6_address_mode,
        "ipv6_ra_mode": row.ipv6_ra_mode,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def pools_of(row: Subnet) -> list[ipam.Pool]:
    return [ipam.Pool(netaddr.IPAddress(p.first_ip), netaddr.IPAddress(p.last_ip)) for p in row.pools]


def visible_subnets(ctx: Context, stmt: sa.Select[Any]) -> sa.Select[Any]:
    if ctx.is_admin:
        return stmt
    # Neutron's get_subnet: its owner, anyone on a shared network, and the network's owner.
    networks = sa.select(Network.id).where(
        sa.or_(Network.shared.is_(True), Network.project_id == ctx.project_id)
    )
    return stmt.where(sa.or_(Subnet.project_id == ctx.project_id, Subnet.network_id.in_(networks)))


def _set_pools(row: Subnet, pools: list[ipam.Pool]) -> None:
    row.pools = [
        IpAllocationPool(
            id=new_id(),
            first_ip=str(p.first),
            last_ip=str(p.last),
            first_key=ipam.key(p.first),
            last_key=ipam.key(p.last),
        )
        for p in pools
    ]


class SubnetService:
    def __init__(self, core: Core, networks: NetworkService) -> None:
        self.core = core
        self.networks = networks

    def load(self, ctx: Context, subnet_id: object) -> Subnet:
        session = ctx.session
        assert session is not None
        if not isinstance(subnet_id, str) or len(subnet_id) > 64:
            raise SubnetNotFound(subnet_id=str(subnet_id)[:64], field="subnet_id")
        row = session.execute(
            visible_subnets(ctx, sa.select(Subnet).where(Subnet.id == subnet_id))
        ).scalar_one_or_none()
        if row is None:
            raise SubnetNotFound(subnet_id=subnet_id, field="subnet_id")
        assert isinstance(row, Subnet)
        return row

    def _lock_network(self, ctx: Context, row: Subnet) -> Network:
        """The subnet's network, locked: the subnet's owner may not see it (an admin made the
        subnet for it on another project's network), so it is read as an admin."""
        return self.networks.load(Context.admin().with_session(ctx.session), row.network_id, for_update=True)

    def _network_context(self, ctx: Context, network_id: str) -> NetworkContextImpl:
        session = ctx.session
        assert session is not None
        net = session.get(Network, network_id)
        assert net is not None
        current = self.networks.to_dicts(ctx.with_session(session), [net])[0]
        return NetworkContextImpl(ctx, current, seg_db.segments_of(session, [network_id])[network_id])

    def _dict(self, ctx: Context, row: Subnet) -> dict[str, Any]:
        item = subnet_dict(row)
        self.core.extensions.extend("subnet", ctx, item)
        return item

    def get(self, ctx: Context, subnet_id: str, fields: object = None) -> dict[str, Any]:
        item = self.core.read("get_subnet", ctx, lambda c: self._dict(c, self.load(c, subnet_id)))
        return select_fields(item, fields)

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
                sa.select(Subnet),
                ATTRS,
                Subnet.id,
                lambda s: visible_subnets(c, s),
                lambda m: SubnetNotFound(subnet_id=m, field="marker"),
                is_admin=c.is_admin,
                filters=filters,
                sorts=sorts,
                limit=limit,
                marker=marker,
            )
            return [self._dict(c, r) for r in session.execute(stmt).scalars()]

        return [select_fields(i, fields) for i in self.core.read("get_subnets", ctx, run)]

    def create(self, ctx: Context, body: object) -> dict[str, Any]:
        data = unwrap(body, "subnet")
        check_keys(data, CREATE_KEYS | self.core.extensions.attributes("subnet"), "POST")
        if "network_id" not in data:
            raise InvalidInput(field="network_id", reason="is required")
        if "cidr" not in data:
            raise InvalidInput(field="cidr", reason="is required (subnet pools are not supported)")
        version = data.get("ip_version")
        if version is not None:
            version = integer(version, "ip_version")
            if version not in (4, 6):
                raise InvalidInput(field="ip_version", reason="must be 4 or 6")
        net, version = ipam.parse_cidr(data["cidr"], version)
        gw = ipam.gateway(net, data.get("gateway_ip", ipam._UNSET))
        if "allocation_pools" in data and data["allocation_pools"] is not None:
            pools = ipam.parse_pools(data["allocation_pools"], net, gw)
        else:
            pools = ipam.default_pools(net, gw)
        mode = ipam.ipv6_mode(data.get("ipv6_address_mode"), "ipv6_address_mode", version, net)
        ra_mode = ipam.ipv6_mode(data.get("ipv6_ra_mode"), "ipv6_ra_mode", version, net)
        name = string(data.get("name", ""), "name")
        enable_dhcp = boolean(data.get("enable_dhcp", True), "enable_dhcp")
        if enable_dhcp:
            ipam.check_dhcp(net)
        subnet_id = new_id()

        def run(c: Context) -> tuple[dict[str, Any], NetworkContextImpl]:
            session = c.session
            assert session is not None
            network = self.networks.load(c, data["network_id"], for_update=True)
            policy.check_owner(c, network.project_id, "create a subnet on this network", field="network_id")
            project_id = (
                policy.project_for_create(c, data)
                if ("project_id" in data or "tenant_id" in data)
                else network.project_id
            )
            _check_overlap(session, network.id, net)
            row = Subnet(
                id=subnet_id,
                network_id=network.id,
                project_id=project_id,
                name=name,
                cidr=str(net.cidr),
                ip_version=version,
                gateway_ip=str(gw) if gw is not None else None,
                enable_dhcp=enable_dhcp,
                ipv6_address_mode=mode,
                ipv6_ra_mode=ra_mode,
            )
            _set_pools(row, pools)
            session.add(row)
            session.flush()
            result = subnet_dict(row)
            self.core.extensions.process("create", "subnet", c, data, result)
            net_ctx = self._network_context(c, network.id)
            self.core.mechanisms.precommit("create_subnet_precommit", SubnetContextImpl(c, result, net_ctx))
            return result, net_ctx

        result, net_ctx = self.core.write("create_subnet", ctx, run, done=row_exists(Subnet, subnet_id))
        plain = ctx.with_session(None)
        errors = self.core.mechanisms.postcommit(
            "create_subnet_postcommit", SubnetContextImpl(plain, result, net_ctx)
        )
        if errors:
            self.delete(Context.admin(), subnet_id)
            raise MechanismDriverError(method="create_subnet_postcommit", errors=errors, committed=False)
        self.core.publish(constants.SUBNET, constants.AFTER_CREATE, ctx, subnet_id, None, result)
        return result

    def update(self, ctx: Context, subnet_id: str, body: object) -> dict[str, Any]:
        data = unwrap(body, "subnet")
        check_keys(data, UPDATE_KEYS | self.core.extensions.attributes("subnet"), "PUT")

        def run(c: Context) -> tuple[dict[str, Any], dict[str, Any], NetworkContextImpl]:
            session = c.session
            assert session is not None
            row = self.load(c, subnet_id)
            network = self._lock_network(c, row)
            policy.check_owner(c, row.project_id, "update subnet", network_owner=network.project_id)
            original = subnet_dict(row)
            net = netaddr.IPNetwork(row.cidr)
            if "name" in data:
                row.name = string(data["name"], "name")
            if "enable_dhcp" in data:
                enable = boolean(data["enable_dhcp"], "enable_dhcp")
                if enable and not row.enable_dhcp:
                    ipam.check_dhcp(net)
                row.enable_dhcp = enable
            gw = netaddr.IPAddress(row.gateway_ip) if row.gateway_ip else None
            if "gateway_ip" in data:
                gw = ipam.gateway(net, data["gateway_ip"])
                row.gateway_ip = str(gw) if gw is not None else None
            if "allocation_pools" in data:
                _set_pools(row, ipam.parse_pools(data["allocation_pools"], net, gw))
            elif gw is not None and any(gw in p for p in pools_of(row)):
                raise InvalidInput(
                    field="gateway_ip", reason=f"gateway ip {gw} conflicts with an allocation pool"
                )
            session.flush()
            result = self._dict(c, row)
            self.core.extensions.process("update", "subnet", c, data, result)
            net_ctx = self._network_context(c, row.network_id)
            self.core.mechanisms.precommit(
                "update_subnet_precommit", SubnetContextImpl(c, result, net_ctx, original)
            )
            return original, result, net_ctx

        def landed(c: Context, attempt: tuple[dict[str, Any], dict[str, Any], NetworkContextImpl]) -> bool:
            return same_view(self._dict(c, self.load(c, subnet_id)), attempt[1])

        original, result, net_ctx = self.core.write("update_subnet", ctx, run, done=landed)
        errors = self.core.mechanisms.postcommit(
            "update_subnet_postcommit", SubnetContextImpl(ctx.with_session(None), result, net_ctx, original)
        )
        self.core.publish(constants.SUBNET, constants.AFTER_UPDATE, ctx, subnet_id, original, result)
        if errors:
            raise MechanismDriverError(method="update_subnet_postcommit", errors=errors, committed=True)
        return result

    def delete(self, ctx: Context, subnet_id: str) -> None:
        def run(c: Context) -> list[Callable[[], None]]:
            session = c.session
            assert session is not None
            row = self.load(c, subnet_id)
            network = self._lock_network(c, row)
            policy.check_owner(c, row.project_id, "delete subnet", network_owner=network.project_id)
            used = session.execute(
                sa.select(sa.func.count())
                .select_from(IpAllocation)
                .join(Port, Port.id == IpAllocation.port_id)
                .where(
                    IpAllocation.subnet_id == row.id,
                    sa.not_(
                        Port.device_owner.startswith(constants.DEVICE_OWNER_NETWORK_PREFIX, autoescape=True)
                    ),
                )
            ).scalar_one()
            if used:
                raise SubnetInUse(
                    subnet_id=row.id, reason="one or more ports have an IP allocation from this subnet"
                )
            return self._delete_row(c, row)

        for callback in self.core.write("delete_subnet", ctx, run, done=row_gone(Subnet, subnet_id)):
            callback()

    def _delete_row(self, ctx: Context, row: Subnet) -> list[Callable[[], None]]:
        """Delete inside ``ctx``'s transaction; return the postcommit calls."""
        session = ctx.session
        assert session is not None
        current = subnet_dict(row)
        net_ctx = self._network_context(ctx, row.network_id)
        self.core.mechanisms.precommit("delete_subnet_precommit", SubnetContextImpl(ctx, current, net_ctx))
        session.execute(sa.delete(IpAllocation).where(IpAllocation.subnet_id == row.id))
        session.delete(row)
        session.flush()
        plain = ctx.with_session(None)

        def after() -> None:
            self.core.mechanisms.postcommit(
                "delete_subnet_postcommit", SubnetContextImpl(plain, current, net_ctx)
            )
            self.core.publish(constants.SUBNET, constants.AFTER_DELETE, plain, current["id"], None, current)

        return [after]

    def delete_all_in_network(self, ctx: Context, network_id: str) -> list[Callable[[], None]]:
        session = ctx.session
        assert session is not None
        after: list[Callable[[], None]] = []
        for row in session.execute(sa.select(Subnet).where(Subnet.network_id == network_id)).scalars():
            after += self._delete_row(ctx, row)
        return after


def _check_overlap(session: Session, network_id: str, net: netaddr.IPNetwork) -> None:
    for other_id, cidr in session.execute(
        sa.select(Subnet.id, Subnet.cidr).where(Subnet.network_id == network_id)
    ):
        other = netaddr.IPNetwork(cidr)
        if other.version == net.version and (net.first <= other.last and other.first <= net.last):
            raise InvalidInput(
                field="cidr",
                reason=f"requested subnet with cidr {net.cidr} for network {network_id} overlaps with "
                f"subnet {other_id} ({other.cidr})",
            )
