"""Ports as dicts, their binding levels, and the contexts drivers get for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core import constants
from ml2core.agents import agents_on_host
from ml2core.binding.port_context import PortContextImpl
from ml2core.context import Context
from ml2core.contexts import NetworkContextImpl
from ml2core.core import Core
from ml2core.db.models import Network, NetworkSegment, Port, PortBindingLevel
from ml2core.services import segments as seg_db
from ml2core.services.networks import NetworkService


def port_dict(row: Port) -> dict[str, Any]:
    """The admin view of a port."""
    binding = row.binding
    return {
        "id": row.id,
        "name": row.name,
        "project_id": row.project_id,
        "tenant_id": row.project_id,
        "network_id": row.network_id,
        "mac_address": row.mac_address,
        "fixed_ips": [{"subnet_id": a.subnet_id, "ip_address": a.ip_address} for a in row.fixed_ips],
        "device_id": row.device_id,
        "device_owner": row.device_owner,
        "status": row.status,
        "admin_state_up": row.admin_state_up,
        "binding:host_id": binding.host if binding else "",
        "binding:vnic_type": binding.vnic_type if binding else constants.VNIC_NORMAL,
        "binding:profile": dict(binding.profile or {}) if binding else {},
        "binding:vif_type": binding.vif_type if binding else constants.VIF_TYPE_UNBOUND,
        "binding:vif_details": dict(binding.vif_details or {}) if binding else {},
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def levels_of(session: Session, port_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Committed binding levels per port, top first, with their segments."""
    result: dict[str, list[dict[str, Any]]] = {p: [] for p in port_ids}
    if not port_ids:
        return result
    rows = session.execute(
        sa.select(PortBindingLevel, NetworkSegment)
        .outerjoin(NetworkSegment, NetworkSegment.id == PortBindingLevel.segment_id)
        .where(PortBindingLevel.port_id.in_(port_ids))
        .order_by(PortBindingLevel.port_id, PortBindingLevel.level)
    ).all()
    for level, segment in rows:
        result[level.port_id].append(
            {
                "level": level.level,
                "bound_driver": level.driver,
                "bound_segment": seg_db.segment_dict(segment) if segment is not None else None,
            }
        )
    return result


class PortViews:
    """Helpers the port service and the binding engine share."""

    def __init__(self, core: Core, networks: NetworkService) -> None:
        self.core = core
        self.networks = networks

    def port_dict(self, ctx: Context, row: Port) -> dict[str, Any]:
        item = port_dict(row)
        self.core.extensions.extend("port", ctx, item)
        return item

    def network_view(self, ctx: Context, network_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        session = ctx.session
        assert session is not None
        net = session.get(Network, network_id)
        assert net is not None
        return self.networks.to_views(ctx, [net])[0]

    def host_agents(self, host: str, agent_type: str) -> list[dict[str, Any]]:
        down = self.core.settings.agent_down_time
        return self.core.read(
            "host_agents", Context.admin(), lambda c: agents_on_host(_session(c), host, agent_type, down)
        )

    def agents_getter(self, ctx: Context) -> Callable[[str, str], list[dict[str, Any]]]:
        down = self.core.settings.agent_down_time
        session = ctx.session
        if session is None:
            return self.host_agents
        return lambda host, agent_type: agents_on_host(session, host, agent_type, down)

    def context(
        self,
        ctx: Context,
        current: dict[str, Any],
        network: tuple[dict[str, Any], list[dict[str, Any]]],
        *,
        original: dict[str, Any] | None = None,
        levels: list[dict[str, Any]] | None = None,
        original_levels: list[dict[str, Any]] | None = None,
    ) -> PortContextImpl:
        net_ctx = NetworkContextImpl(ctx, network[0], network[1])
        return PortContextImpl(
            ctx,
            current,
            net_ctx,
            original=original,
            levels=levels,
            original_levels=original_levels,
            agents_getter=self.agents_getter(ctx),
        )


def _session(ctx: Context) -> Session:
    assert ctx.session is not None
    return ctx.session
