"""What host agents ask for: their ports (with tunnel data), status reports, and explanations."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from ml2core import constants, policy
from ml2core.agents import AgentService, agent_dict
from ml2core.context import Context
from ml2core.core import Core
from ml2core.db.models import Agent, Network, Port, PortBinding, utcnow
from ml2core.exceptions import InvalidInput, PortNotFound
from ml2core.services.port_views import levels_of, port_dict
from ml2core.services.ports import PortService
from ml2core.validation import string

LOG = logging.getLogger(__name__)
UDP_PORTS = {constants.TYPE_VXLAN: 4789, constants.TYPE_GENEVE: 6081, constants.TYPE_GRE: 0}
BOUND = sa.not_(PortBinding.vif_type.in_([constants.VIF_TYPE_UNBOUND, constants.VIF_TYPE_BINDING_FAILED]))


def _segment_view(segment: dict[str, Any] | None) -> dict[str, Any] | None:
    if segment is None:
        return None
    return {k: segment.get(k) for k in ("id", "network_type", "physical_network", "segmentation_id")}


class HostApi:
    def __init__(self, core: Core, ports: PortService, agents: AgentService) -> None:
        self.core = core
        self.ports = ports
        self.agents = agents

    def _agent_type_of(self, driver_name: str) -> str | None:
        driver = self.core.mechanisms.by_name(driver_name)
        value = getattr(driver, "agent_type", None)
        return value if isinstance(value, str) else None

    def get_host_ports(self, ctx: Context, host: object, agent_type: object = None) -> list[dict[str, Any]]:
        policy.require_admin(ctx, "read the ports of a host")
        host_name: str = string(host, "host", allow_empty=False)
        if agent_type is not None:
            agent_type = string(agent_type, "agent_type", allow_empty=False)
        vxlan = self.core.types.drivers.get(constants.TYPE_VXLAN)
        vxlan_group = getattr(vxlan, "vxlan_group", None)

        def run(c: Context) -> list[dict[str, Any]]:
            session = c.session
            assert session is not None
            rows = list(
                session.execute(
                    sa.select(Port)
                    .join(PortBinding)
                    .where(PortBinding.host == host_name, BOUND)
                    .order_by(Port.id)
                )
                .unique()
                .scalars()
            )
            levels = levels_of(session, [r.id for r in rows])
            chosen = []
            for row in rows:
                port_levels = levels[row.id]
                if not port_levels or port_levels[-1]["bound_segment"] is None:
                    continue
                if (
                    agent_type is not None
                    and self._agent_type_of(port_levels[-1]["bound_driver"]) != agent_type
                ):
                    continue
                chosen.append((row, port_levels[-1]["bound_segment"]))
            network_ids = sorted({row.network_id for row, _ in chosen})
            nets = {
                n.id: n
                for n in session.execute(sa.select(Network).where(Network.id.in_(network_ids))).scalars()
            }
            tunnels = self._tunnel_data(c, host_name, network_ids)
            result = []
            for row, segment in chosen:
                item: dict[str, Any] = {
                    "port": port_dict(row),
                    "network": {
                        "id": row.network_id,
                        "name": nets[row.network_id].name,
                        "mtu": nets[row.network_id].mtu,
                        "admin_state_up": nets[row.network_id].admin_state_up,
                        "project_id": nets[row.network_id].project_id,
                    },
                    "segment": _segment_view(segment),
                    "tunnel_endpoints": [],
                    "remote_ports": [],
                }
                network_type = segment["network_type"]
                if network_type in constants.TUNNEL_NETWORK_TYPES:
                    endpoints, remote = tunnels.get(row.network_id, ({}, []))
                    item["tunnel_endpoints"] = [
                        {**e, "tunnel_type": network_type} for e in endpoints.get(network_type, [])
                    ]
                    item["remote_ports"] = [p for p in remote if p["network_type"] == network_type]
                    if network_type == constants.TYPE_VXLAN and vxlan_group:
                        item["segment"]["vxlan_group"] = vxlan_group
                result.append(item)
            return result

        return self.core.read("get_host_ports", ctx, run)

    def _tunnel_data(
        self, ctx: Context, host: str, network_ids: list[str]
    ) -> dict[str, tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]]:
        """Per network: endpoints of the other hosts per tunnel type, and their ports."""
        session = ctx.session
        assert session is not None
        if not network_ids:
            return {}
        rows = list(
            session.execute(
                sa.select(Port)
                .join(PortBinding)
                .where(Port.network_id.in_(network_ids), PortBinding.host != host, BOUND)
            )
            .unique()
            .scalars()
        )
        levels = levels_of(session, [r.id for r in rows])
        hosts = sorted({r.binding.host for r in rows if r.binding is not None})
        agents = (
            session.execute(sa.select(Agent).where(Agent.host.in_(hosts))).scalars().all() if hosts else []
        )
        now = utcnow()
        tunnel_ip: dict[tuple[str, str], str] = {}
        for agent in agents:
            view = agent_dict(agent, self.core.settings.agent_down_time, now)
            conf = view["configurations"]
            ip = conf.get("tunneling_ip")
            if not ip:
                continue
            for ttype in conf.get("tunnel_types", []) or []:
                tunnel_ip.setdefault((agent.host, ttype), str(ip))
        result: dict[str, tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]] = {}
        seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for row in rows:
            port_levels = levels[row.id]
            if not port_levels or port_levels[-1]["bound_segment"] is None or row.binding is None:
                continue
            ttype = port_levels[-1]["bound_segment"]["network_type"]
            ip = tunnel_ip.get((row.binding.host, ttype))
            if ip is None:
                continue
            endpoints, remote = result.setdefault(row.network_id, ({}, []))
            if (row.binding.host, ttype) not in seen[row.network_id]:
                seen[row.network_id].add((row.binding.host, ttype))
                endpoints.setdefault(ttype, []).append(
                    {"ip_address": ip, "host": row.binding.host, "udp_port": UDP_PORTS.get(ttype, 0)}
                )
            for alloc in row.fixed_ips:
                remote.append(
                    {
                        "mac_address": row.mac_address,
                        "ip_address": alloc.ip_address,
                        "tunnel_ip": ip,
                        "network_type": ttype,
                    }
                )
            if not row.fixed_ips:
                remote.append(
                    {
                        "mac_address": row.mac_address,
                        "ip_address": None,
                        "tunnel_ip": ip,
                        "network_type": ttype,
                    }
                )
        for endpoints, _remote in result.values():
            for items in endpoints.values():
                items.sort(key=lambda e: (e["host"], e["ip_address"]))
        return result

    def update_port_status(self, ctx: Context, port_id: object, status: object, host: object) -> None:
        policy.require_admin(ctx, "update a port's status")
        if status not in constants.PORT_STATUSES:
            raise InvalidInput(field="status", reason=f"must be one of {', '.join(constants.PORT_STATUSES)}")
        host = string(host, "host")
        if not isinstance(port_id, str):
            raise PortNotFound(port_id=str(port_id)[:64], field="port_id")

        def run(c: Context) -> tuple[dict[str, Any], dict[str, Any], list[Any]] | None:
            session = c.session
            assert session is not None
            row = self.ports.load(c, port_id)
            if row.binding is None or (host and row.binding.host != host) or row.status == status:
                return None
            original = self.ports.views.port_dict(c, row)
            row.status = str(status)
            session.flush()
            current = self.ports.views.port_dict(c, row)
            levels = levels_of(session, [port_id])[port_id]
            network = self.ports.views.network_view(c, row.network_id)
            pctx = self.ports.views.context(
                c, current, network, original=original, levels=levels, original_levels=levels
            )
            self.core.mechanisms.precommit("update_port_precommit", pctx)
            return original, current, levels

        changed = self.core.write("update_port_status", ctx, run)
        if changed is None:
            return
        original, current, levels = changed
        plain = ctx.with_session(None)
        network = self.core.read(
            "update_port_status", plain, lambda c: self.ports.views.network_view(c, current["network_id"])
        )
        self.core.mechanisms.postcommit(
            "update_port_postcommit",
            self.ports.views.context(
                plain, current, network, original=original, levels=levels, original_levels=levels
            ),
        )
        self.core.publish(constants.PORT, constants.STATUS_CHANGED, ctx, port_id, original, current)

    def explain_binding(self, ctx: Context, port_id: object) -> dict[str, Any]:
        policy.require_admin(ctx, "read binding details")

        def run(c: Context) -> dict[str, Any]:
            row = self.ports.load(c, port_id)
            binding = row.binding
            explanation = dict(binding.explanation or {}) if binding is not None else {}
            return {
                "port_id": row.id,
                "host": binding.host if binding else "",
                "vif_type": binding.vif_type if binding else constants.VIF_TYPE_UNBOUND,
                "attempted_at": explanation.get("attempted_at"),
                "attempted_host": explanation.get("host"),
                "levels": explanation.get("levels", []),
                **({"error": explanation["error"]} if "error" in explanation else {}),
            }

        return self.core.read("explain_binding", ctx, run)

    def rebind_on_host(self, host: str, *, failed: bool) -> None:
        """Bind the ports of ``host`` whose binding never completed (errors logged).

        Those are ports still ``unbound`` although they have a host (a
        controller died between committing the port and its binding) and,
        with ``failed``, every ``binding_failed`` port.
        """
        states = [constants.VIF_TYPE_UNBOUND]
        if failed:
            states.append(constants.VIF_TYPE_BINDING_FAILED)
        ids = self.core.read(
            "rebind_host",
            Context.admin(),
            lambda c: list(
                (c.session or _no_session())
                .execute(
                    sa.select(PortBinding.port_id).where(
                        PortBinding.host == host, PortBinding.vif_type.in_(states)
                    )
                )
                .scalars()
            ),
        )
        for port_id in ids:
            try:
                self.ports.engine.bind(port_id, force=True)
            except Exception:
                LOG.exception("binding port %s again on host %s failed", port_id, host)


def _no_session() -> Any:
    raise RuntimeError("no session")
