"""The facade: ``Ml2Plugin``, what an embedding controller calls.

Thin on purpose: construction wires configuration, database and drivers;
each resource method delegates to its service in ``ml2core.services``.
Every public method raises only ``ml2core.exceptions`` errors.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import sqlalchemy.exc as sa_exc
from oslo_config import cfg
from sqlalchemy.engine import Engine

from ml2core import config as ml2_config
from ml2core.agents import AgentService
from ml2core.binding.dynamic import DynamicSegments
from ml2core.binding.engine import BindingEngine
from ml2core.constants import AFTER_CREATE, AFTER_UPDATE, AGENT
from ml2core.context import Context
from ml2core.core import Core
from ml2core.db import migration
from ml2core.db.engine import Database, make_engine
from ml2core.db.errors import wrap
from ml2core.events import Callback, EventBus
from ml2core.exceptions import DatabaseError, InvalidInput, Ml2CoreError, NotAuthorized
from ml2core.managers.extension_manager import ExtensionManager
from ml2core.managers.mechanism_manager import MechanismManager
from ml2core.managers.type_manager import TypeManager
from ml2core.services.host_api import HostApi
from ml2core.services.networks import NetworkService
from ml2core.services.port_views import PortViews
from ml2core.services.ports import PortService
from ml2core.services.segment_ranges import SegmentRangeService
from ml2core.services.subnets import SubnetService
from ml2core.validation import MAX_NESTING, UNSTORABLE_REASON, too_deep, unstorable

LOG = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["Ml2Plugin"]


#: Arguments that are request bodies: a bad value inside is named by its key.
_BODIES = ("body", "state")


def _check_storable(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """InvalidInput naming the field if an argument cannot be stored the same on every database.

    That is a string with a NUL or a lone surrogate, or dicts and lists
    nested deeper than MAX_NESTING (MariaDB refuses JSON 32 deep; Python
    itself fails near 1,000).
    """
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return  # a wrong call; the method itself says so
    for name, value in bound.arguments.items():
        if name in ("self", "ctx"):
            continue
        deep = too_deep(name, value, is_body=name in _BODIES)
        if deep is not None:
            raise InvalidInput(field=deep, reason=f"dicts and lists nest deeper than {MAX_NESTING} levels")
        path = unstorable(value, name, keys_are_fields=name in _BODIES)
        if path is not None:
            raise InvalidInput(field=path, reason=UNSTORABLE_REASON)


def facade(fn: Callable[P, R]) -> Callable[P, R]:
    """Let only ml2core exceptions out of a public method."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            _check_storable(signature, args, kwargs)
            return fn(*args, **kwargs)
        except Ml2CoreError:
            raise
        except sa_exc.SQLAlchemyError as exc:
            raise wrap(exc, fn.__name__) from exc
        except (TypeError, ValueError) as exc:
            # Typically a wrong argument type the validation did not foresee.
            LOG.debug("bad input to %s", fn.__name__, exc_info=True)
            raise InvalidInput(field="arguments", reason=f"{fn.__name__}: {exc}"[:300]) from exc
        except Exception as exc:
            LOG.exception("internal error in %s", fn.__name__)
            raise Ml2CoreError(f"internal error in {fn.__name__}: {type(exc).__name__}: {exc}") from exc

    return wrapper


def _check_ctx(ctx: object) -> Context:
    if not isinstance(ctx, Context):
        raise InvalidInput(field="context", reason="must be an ml2core.Context")
    return ctx


class Ml2Plugin:
    """An ML2 plugin on one database.

    ``conf`` is an ``oslo_config.cfg.ConfigOpts`` (parsed or not; ``None``
    means a fresh private one); ml2core registers its options on it.
    ``db_url`` or ``engine`` override ``[database] connection``. An
    ``engine`` the caller passes stays the caller's: ``close()`` does not
    dispose of it, and ml2core never joins a transaction of the caller's.

    Construction checks the configuration (``ConfigError``, before the
    database is touched; a bad ``[database] connection`` too), loads the
    drivers (``DriverNotFound``, ``DriverLoadError``), checks the schema
    (newer expand revisions are tolerated with one log line, a newer
    contract revision is ``DatabaseError``), applies pending expand
    migrations under a database lock unless ``[database] auto_migrate`` is
    false, then initializes the mechanism and extension drivers. It may
    block on the database; lost connections are retried as in any call.

    One plugin may be shared by many threads; each process makes its own.
    """

    def __init__(
        self,
        conf: cfg.ConfigOpts | None = None,
        *,
        db_url: str | None = None,
        engine: Engine | None = None,
    ) -> None:
        self._closed = False
        self._owns_engine = False
        self._engine: Engine | None = None
        try:
            self._setup(conf, db_url, engine)
        except Ml2CoreError:
            self.close()
            raise
        except sa_exc.SQLAlchemyError as exc:
            self.close()
            raise wrap(exc, "plugin start-up") from exc
        except Exception as exc:
            # As for every facade call: nothing but ml2core's exceptions escapes.
            self.close()
            LOG.exception("internal error in plugin start-up")
            raise Ml2CoreError(f"internal error in plugin start-up: {type(exc).__name__}: {exc}") from exc

    def _setup(self, conf: cfg.ConfigOpts | None, db_url: str | None, engine: Engine | None) -> None:
        if conf is not None and not isinstance(conf, cfg.ConfigOpts):
            raise InvalidInput(field="conf", reason="must be an oslo_config.cfg.ConfigOpts or None")
        if db_url is not None and not isinstance(db_url, str):
            raise InvalidInput(field="db_url", reason="must be a SQLAlchemy URL string")
        if engine is not None and not isinstance(engine, Engine):
            raise InvalidInput(field="engine", reason="must be a sqlalchemy.engine.Engine")
        if db_url is not None and engine is not None:
            raise InvalidInput(field="db_url", reason="give db_url or engine, not both")
        self.conf = conf if conf is not None else cfg.ConfigOpts()
        ml2_config.register_opts(self.conf)
        settings = ml2_config.validate(self.conf)
        types = TypeManager(self.conf, settings)
        mechanisms = MechanismManager(self.conf, settings)
        extensions = ExtensionManager(self.conf, settings)
        types.initialize()
        if engine is None:
            database = self.conf.database
            engine = make_engine(
                str(database.connection) if db_url is None else db_url,
                lock_timeout=float(database.lock_timeout),
                statement_timeout=float(database.statement_timeout),
            )
            self._owns_engine = True
        self._engine = engine
        db = Database(engine)
        # A connection lost while starting is retried like one lost in a call.
        db.run(lambda: self._check_schema(db), operation="plugin start-up", max_retries=settings.max_retries)
        mechanisms.initialize()
        extensions.initialize()
        self._core = Core(
            conf=self.conf,
            settings=settings,
            db=db,
            types=types,
            mechanisms=mechanisms,
            extensions=extensions,
            events=EventBus(),
            trigger=self,
        )
        self._networks = NetworkService(self._core)
        self._subnets = SubnetService(self._core, self._networks)
        self._ports = PortService(self._core, PortViews(self._core, self._networks))
        self._dynamic = DynamicSegments(self._core)
        self._ports.dynamic = self._dynamic
        self._ports.engine = BindingEngine(self._core, self._dynamic, self._ports)
        self._networks.content_deleters = [
            self._ports.delete_all_in_network,
            self._subnets.delete_all_in_network,
        ]
        self._agents = AgentService(self._core)
        self._host = HostApi(self._core, self._ports, self._agents)
        self._ranges = SegmentRangeService(self._core)
        # A controller killed while binding may have left dynamic segments no
        # binding uses; reclaim them (nothing to do, one query, usually).
        self._dynamic.release_orphans()

    def _check_schema(self, db: Database) -> None:
        """Refuse a schema this version must not run on; apply pending expand migrations if allowed."""
        revisions = migration.inspect(db.engine)
        migration.check(revisions, operation="plugin start-up")
        tolerated = revisions.tolerance()
        if tolerated is not None:
            LOG.warning("%s", tolerated)
        if not revisions.pending():
            return
        if not self.conf.database.auto_migrate:
            raise DatabaseError(
                operation="plugin start-up",
                reason="the schema is not at the expand head and [database] auto_migrate is "
                "false; run 'ml2core db upgrade'",
            )
        migration.upgrade(db.engine)

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        """Release what the plugin created (its engine's connections, not a caller's engine)."""
        if self._closed:
            return
        self._closed = True
        if self._owns_engine and self._engine is not None:
            self._engine.dispose()

    def __enter__(self) -> Ml2Plugin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine the plugin works on."""
        assert self._engine is not None
        return self._engine

    @property
    def extension_aliases(self) -> list[str]:
        """Aliases of the loaded extension drivers."""
        return self._core.extensions.aliases

    @facade
    def subscribe(self, resource: str, event: str, callback: Callback) -> None:
        """Call ``callback(resource, event, trigger, payload)`` after each such committed event.

        Resources ``network``, ``subnet``, ``port``, ``agent``; events
        ``after_create``, ``after_update``, ``after_delete`` and, for ports,
        ``bound``, ``binding_failed``, ``status_changed``. Raises InvalidInput
        for an unknown resource or event.
        """
        self._core.events.subscribe(resource, event, callback)

    # -- networks ------------------------------------------------------------------
    @facade
    def create_network(self, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
        """Create a network (with its segments) in one transaction; return it.

        Provider attributes (admin only) reserve the given segments; without
        them a project segment is allocated from ``project_network_types`` in
        order (``NoNetworkAvailable`` when all are exhausted). Raises
        InvalidInput, NotAuthorized, the types' ``InUse`` errors,
        MechanismDriverError (nothing kept), DatabaseError.
        """
        return self._networks.create(_check_ctx(ctx), body)

    @facade
    def get_network(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict[str, Any]:
        """One network; NetworkNotFound if it does not exist or ``ctx`` cannot see it."""
        return self._networks.get(_check_ctx(ctx), id, fields)

    @facade
    def get_networks(
        self,
        ctx: Context,
        filters: dict[str, Any] | None = None,
        fields: list[str] | None = None,
        sorts: list[tuple[str, Any]] | None = None,
        limit: int | None = None,
        marker: str | None = None,
    ) -> list[dict[str, Any]]:
        """Networks visible to ``ctx``, filtered, sorted and paged in SQL."""
        return self._networks.get_all(_check_ctx(ctx), filters, fields, sorts, limit, marker)

    @facade
    def update_network(self, ctx: Context, id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Change a network's name, admin state, sharing or MTU; provider attributes are fixed."""
        return self._networks.update(_check_ctx(ctx), id, body)

    @facade
    def delete_network(self, ctx: Context, id: str) -> None:
        """Delete a network, its subnets, network-owned ports and segments (IDs released).

        NetworkInUse while other ports remain.
        """
        self._networks.delete(_check_ctx(ctx), id)

    # -- subnets -------------------------------------------------------------------
    @facade
    def create_subnet(self, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
        """Create a subnet (IPv4 or IPv6) on a network the caller owns.

        Validates the CIDR, gateway, allocation pools and IPv6 modes; a CIDR
        overlapping another subnet of the network is InvalidInput.
        ``enable_dhcp`` is stored only: ml2core serves no DHCP.
        """
        return self._subnets.create(_check_ctx(ctx), body)

    @facade
    def get_subnet(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict[str, Any]:
        """One subnet; SubnetNotFound if it does not exist or ``ctx`` cannot see it."""
        return self._subnets.get(_check_ctx(ctx), id, fields)

    @facade
    def get_subnets(
        self,
        ctx: Context,
        filters: dict[str, Any] | None = None,
        fields: list[str] | None = None,
        sorts: list[tuple[str, Any]] | None = None,
        limit: int | None = None,
        marker: str | None = None,
    ) -> list[dict[str, Any]]:
        """Subnets visible to ``ctx`` (own, and those of shared networks)."""
        return self._subnets.get_all(_check_ctx(ctx), filters, fields, sorts, limit, marker)

    @facade
    def update_subnet(self, ctx: Context, id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Change a subnet's name, gateway, allocation pools or ``enable_dhcp``."""
        return self._subnets.update(_check_ctx(ctx), id, body)

    @facade
    def delete_subnet(self, ctx: Context, id: str) -> None:
        """Delete a subnet; SubnetInUse while ports other than network-owned ones use it."""
        self._subnets.delete(_check_ctx(ctx), id)

    # -- ports ---------------------------------------------------------------------
    @facade
    def create_port(self, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
        """Create a port (MAC, fixed IPs, status DOWN); bind it if ``binding:host_id`` is set.

        Binding runs after the port is committed, outside any transaction; a
        port no driver binds gets ``binding:vif_type = binding_failed`` (see
        :meth:`explain_binding`). Raises InvalidInput, NotAuthorized,
        NetworkNotFound, IpAddressInUse, MacAddressInUse,
        IpAddressGenerationFailure, MechanismDriverError, DatabaseError.
        """
        return self._ports.create(_check_ctx(ctx), body)

    @facade
    def get_port(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict[str, Any]:
        """One port; PortNotFound if it does not exist or ``ctx`` cannot see it."""
        return self._ports.get(_check_ctx(ctx), id, fields)

    @facade
    def get_ports(
        self,
        ctx: Context,
        filters: dict[str, Any] | None = None,
        fields: list[str] | None = None,
        sorts: list[tuple[str, Any]] | None = None,
        limit: int | None = None,
        marker: str | None = None,
    ) -> list[dict[str, Any]]:
        """Ports visible to ``ctx`` (own, and those on networks it owns)."""
        return self._ports.get_all(_check_ctx(ctx), filters, fields, sorts, limit, marker)

    @facade
    def update_port(self, ctx: Context, id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Update a port; a change of host, vnic type or profile unbinds and binds again (status DOWN)."""
        return self._ports.update(_check_ctx(ctx), id, body)

    @facade
    def delete_port(self, ctx: Context, id: str) -> None:
        """Delete a port: addresses, binding levels and unused dynamic segments go with it."""
        self._ports.delete(_check_ctx(ctx), id)

    # -- agents and hosts ----------------------------------------------------------
    @facade
    def report_agent_state(self, ctx: Context, state: dict[str, Any]) -> dict[str, Any]:
        """Create or refresh an agent (admin); return it.

        When the report makes the agent new or alive again, every
        ``binding_failed`` port on its host is bound again before this
        returns; every report also binds the host's ports whose binding never
        completed (a controller died mid-binding). A failure there is logged,
        not raised.
        """
        ctx = _check_ctx(ctx)
        agent, original, came_alive = self._agents.report(ctx, state)
        event = AFTER_CREATE if original is None else AFTER_UPDATE
        self._core.publish(AGENT, event, ctx, agent["id"], original, agent)
        self._host.rebind_on_host(agent["host"], failed=came_alive)
        return agent

    @facade
    def get_agents(self, ctx: Context, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Agents (admin), each with ``alive`` computed from ``[DEFAULT] agent_down_time``."""
        return self._agents.get_all(_check_ctx(ctx), filters)

    @facade
    def get_host_ports(self, ctx: Context, host: str, agent_type: str | None = None) -> list[dict[str, Any]]:
        """The ports bound to ``host`` with what its dataplane needs (admin).

        One dict per port: ``port``, ``network``, ``segment`` (the bottom
        bound segment) and, for tunnel segments, ``tunnel_endpoints`` and
        ``remote_ports`` of the other hosts on that network.
        """
        return self._host.get_host_ports(_check_ctx(ctx), host, agent_type)

    @facade
    def update_port_status(self, ctx: Context, port_id: str, status: str, host: str) -> None:
        """Record a port's status as its host's agent reports it (admin).

        Ignored if the port is no longer bound to ``host``. Runs the
        ``update_port_*`` hooks and publishes ``status_changed``.
        """
        self._host.update_port_status(_check_ctx(ctx), port_id, status, host)

    @facade
    def explain_binding(self, ctx: Context, port_id: str) -> dict[str, Any]:
        """The last binding attempt of a port, level by level, driver by driver (admin).

        ``{"port_id", "host", "vif_type", "attempted_at", "levels": [{"level",
        "segments_to_bind", "drivers": [{"driver", "outcome", "reason"}]}]}``;
        ``outcome`` is ``bound``, ``continued``, ``declined`` or ``error``.
        Bound and continued decisions also carry ``segment_id`` (and
        ``next_segment_ids`` for continued ones). PortNotFound, NotAuthorized.
        """
        return self._host.explain_binding(_check_ctx(ctx), port_id)

    # -- dynamic segments ----------------------------------------------------------
    @facade
    def allocate_dynamic_segment(
        self, ctx: Context, network_id: str, segment: dict[str, Any]
    ) -> dict[str, Any]:
        """The network's dynamic segment of this type and physnet, allocated if needed (admin).

        Idempotent per (network, type, physnet), across controllers. A
        segment no binding level uses is released by the framework.
        """
        ctx = _check_ctx(ctx)
        if not ctx.is_admin:
            raise NotAuthorized(action="allocate dynamic segments", reason="admin only")
        self._core.read("allocate_dynamic_segment", ctx, lambda c: self._networks.load(c, network_id))
        return self._dynamic.allocate(network_id, segment)

    @facade
    def release_dynamic_segment(self, ctx: Context, segment_id: str) -> bool:
        """Free a dynamic segment if no binding level uses it (admin); True if freed."""
        ctx = _check_ctx(ctx)
        if not ctx.is_admin:
            raise NotAuthorized(action="release dynamic segments", reason="admin only")
        if not isinstance(segment_id, str):
            raise InvalidInput(field="segment_id", reason="must be a segment id string")
        return bool(self._dynamic.release([segment_id]))

    # -- network segment ranges ----------------------------------------------------
    @facade
    def create_network_segment_range(self, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
        """Create a shared or per-project range of segmentation IDs (admin)."""
        return self._ranges.create(_check_ctx(ctx), body)

    @facade
    def get_network_segment_range(
        self, ctx: Context, id: str, fields: list[str] | None = None
    ) -> dict[str, Any]:
        """One range with ``used`` and ``available`` (free sub-ranges) (admin)."""
        return self._ranges.get(_check_ctx(ctx), id, fields)

    @facade
    def get_network_segment_ranges(
        self, ctx: Context, filters: dict[str, Any] | None = None, fields: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Configured (``default``) and stored ranges (admin)."""
        return self._ranges.get_all(_check_ctx(ctx), filters, fields)

    @facade
    def update_network_segment_range(self, ctx: Context, id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Rename or resize a stored range; never so that an allocated ID falls out (admin)."""
        return self._ranges.update(_check_ctx(ctx), id, body)

    @facade
    def delete_network_segment_range(self, ctx: Context, id: str) -> None:
        """Delete a stored range that has no ID in use (admin)."""
        self._ranges.delete(_check_ctx(ctx), id)
