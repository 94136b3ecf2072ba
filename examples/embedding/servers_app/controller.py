"""The controller: its API calls, ml2core's facade, its own table, and ml2core's events."""

from __future__ import annotations

import contextlib
import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any, ParamSpec

import sqlalchemy as sa
from oslo_config import cfg
from sqlalchemy.orm import sessionmaker

from ml2core import Context, Ml2Plugin, constants, exceptions
from servers_app.api import Response, error_response
from servers_app.migrations import upgrade
from servers_app.models import Server

__all__ = ["ServerController", "ServerNotFound"]

LOG = logging.getLogger(__name__)
P = ParamSpec("P")
#: ``device_owner`` of the ports this controller makes (Nova uses ``compute:<zone>``).
DEVICE_OWNER = "compute:example"


class ServerNotFound(exceptions.NotFound):
    """The controller's own "not found", so that one mapping serves both."""

    template = "Server {server_id} could not be found."


def api(success: int) -> Callable[[Callable[P, Any]], Callable[P, Response]]:
    """Turn a method's result into ``Response(success, result)``, and ml2core errors into theirs."""

    def decorate(method: Callable[P, Any]) -> Callable[P, Response]:
        @functools.wraps(method)
        def call(*args: P.args, **kwargs: P.kwargs) -> Response:
            try:
                return Response(success, method(*args, **kwargs))
            except exceptions.Ml2CoreError as exc:
                return error_response(exc)

        return call

    return decorate


class ServerController:
    """Servers with one port each, on networks managed by an embedded ``Ml2Plugin``.

    One database: the controller's own engine and ``servers`` table, and
    ml2core's tables beside them. ml2core owns its transactions (it never
    joins one of the controller's), so a server and its port are not
    created atomically: the controller writes its row first, compensates
    when the port fails, and learns what happens to the port afterwards
    (bound, binding failed, up on its host, deleted) from ml2core's events.
    """

    def __init__(self, db_url: str, conf: cfg.ConfigOpts | None = None) -> None:
        self.engine = sa.create_engine(db_url)
        upgrade(self.engine)  # our history, in alembic_version
        # Starting the plugin applies ml2core's own migrations (ml2core_alembic_version).
        self.plugin = Ml2Plugin(conf, engine=self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.plugin.subscribe(constants.PORT, constants.BOUND, self._port_bound)
        self.plugin.subscribe(constants.PORT, constants.BINDING_FAILED, self._port_binding_failed)
        self.plugin.subscribe(constants.PORT, constants.STATUS_CHANGED, self._port_status_changed)
        self.plugin.subscribe(constants.PORT, constants.AFTER_DELETE, self._port_deleted)

    def close(self) -> None:
        """Stop the plugin (it leaves our engine alone), then dispose of the engine."""
        self.plugin.close()
        self.engine.dispose()

    # -- networks and subnets: straight through to ml2core ------------------------------------
    @api(201)
    def create_network(self, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
        return self.plugin.create_network(ctx, body)

    @api(200)
    def get_network(self, ctx: Context, network_id: str) -> dict[str, Any]:
        return self.plugin.get_network(ctx, network_id)

    @api(204)
    def delete_network(self, ctx: Context, network_id: str) -> None:
        self.plugin.delete_network(ctx, network_id)

    @api(201)
    def create_subnet(self, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
        return self.plugin.create_subnet(ctx, body)

    # -- servers: our table plus an ml2core port -----------------------------------------------
    @api(201)
    def create_server(self, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
        """``{"name", "network_id", "host"}``: a server row, then its port, bound on ``host``."""
        if ctx.project_id is None:
            raise exceptions.InvalidInput(field="project_id", reason="servers belong to a project")
        network_id, host = str(body.get("network_id", "")), str(body.get("host", ""))
        self.plugin.get_network(ctx, network_id)  # NotFound unless the caller sees it
        server = Server(
            id=str(uuid.uuid4()),
            project_id=ctx.project_id,
            name=str(body.get("name", "")),
            host=host,
            network_id=network_id,
            status="BUILD",
        )
        with self._sessions.begin() as session:
            session.add(server)
        # The row is committed before the port exists, so the events the port
        # raises while it binds (inside create_port) find their server.
        try:
            # binding:host_id is admin-only (in Neutron too: Nova binds with an
            # admin token); the caller's access was checked above.
            port = self.plugin.create_port(
                Context.admin(),
                {
                    "network_id": network_id,
                    "project_id": ctx.project_id,
                    "name": f"server-{server.name}",
                    "device_id": server.id,
                    "device_owner": DEVICE_OWNER,
                    "binding:host_id": host,
                },
            )
        except exceptions.Ml2CoreError:
            with self._sessions.begin() as session:
                session.execute(sa.delete(Server).where(Server.id == server.id))
            raise
        with self._sessions.begin() as session:
            session.execute(sa.update(Server).where(Server.id == server.id).values(port_id=port["id"]))
        return self._view(ctx, server.id)

    @api(200)
    def get_server(self, ctx: Context, server_id: str) -> dict[str, Any]:
        return self._view(ctx, server_id)

    @api(200)
    def list_servers(self, ctx: Context) -> list[dict[str, Any]]:
        with self._sessions() as session:
            stmt = sa.select(Server.id).order_by(Server.name)
            if not ctx.is_admin:
                stmt = stmt.where(Server.project_id == ctx.project_id)
            ids = list(session.scalars(stmt))
        return [self._view(ctx, server_id) for server_id in ids]

    @api(204)
    def delete_server(self, ctx: Context, server_id: str) -> None:
        """Delete the port (already gone is fine), then the row."""
        row = self._row(ctx, server_id)
        if row.port_id is not None:
            with contextlib.suppress(exceptions.PortNotFound):
                self.plugin.delete_port(Context.admin(), row.port_id)
        with self._sessions.begin() as session:
            session.execute(sa.delete(Server).where(Server.id == server_id))

    def _row(self, ctx: Context, server_id: str) -> Server:
        with self._sessions() as session:
            row = session.get(Server, server_id)
        if row is None or not (ctx.is_admin or row.project_id == ctx.project_id):
            raise ServerNotFound(server_id=server_id)
        return row

    def _view(self, ctx: Context, server_id: str) -> dict[str, Any]:
        row = self._row(ctx, server_id)
        fixed_ips: list[dict[str, Any]] = []
        if row.port_id is not None:
            fixed_ips = self.plugin.get_port(Context.admin(), row.port_id)["fixed_ips"]
        return {
            "id": row.id,
            "name": row.name,
            "project_id": row.project_id,
            "host": row.host,
            "network_id": row.network_id,
            "port_id": row.port_id,
            "status": row.status,
            "vif_type": row.vif_type,
            "addresses": [ip["ip_address"] for ip in fixed_ips],
        }

    # -- ml2core's events: after commit, in the caller's thread; errors are only logged ---------
    def _update_by_port(self, port: dict[str, Any] | None, **values: Any) -> None:
        if not port or port.get("device_owner") != DEVICE_OWNER:
            return
        with self._sessions.begin() as session:
            session.execute(sa.update(Server).where(Server.id == port.get("device_id")).values(**values))

    def _port_bound(self, resource: str, event: str, trigger: Any, payload: Any) -> None:
        port = payload.latest_state
        self._update_by_port(port, vif_type=port["binding:vif_type"])

    def _port_binding_failed(self, resource: str, event: str, trigger: Any, payload: Any) -> None:
        self._update_by_port(payload.latest_state, status="ERROR", vif_type=None)

    def _port_status_changed(self, resource: str, event: str, trigger: Any, payload: Any) -> None:
        port = payload.latest_state
        if port and port.get("status") == constants.PORT_STATUS_ACTIVE:
            self._update_by_port(port, status="ACTIVE")

    def _port_deleted(self, resource: str, event: str, trigger: Any, payload: Any) -> None:
        # Deleted behind our back (or by delete_server, which removes the row next).
        self._update_by_port(payload.latest_state, port_id=None, status="ERROR")
