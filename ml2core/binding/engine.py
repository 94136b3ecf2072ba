"""The port-binding engine.

Binding runs outside any transaction: level by level over
``segments_to_bind``, each mechanism driver in configured order either binds
(``set_binding``), continues (``continue_binding``: it bound this level and
hands the next its segments) or declines. A lower level that finds no driver
sends the search back up (backtracking); ``MAX_BINDING_LEVELS`` stops loops.
The result commits only if the binding did not change meanwhile (its
``revision``); otherwise the engine binds again, up to ``[ml2] max_bind_tries``.
Every decision is recorded for ``explain_binding``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ml2core import constants
from ml2core.binding.dynamic import AttemptSegments, DynamicSegments
from ml2core.binding.port_context import PortContextImpl
from ml2core.context import Context
from ml2core.contexts import NetworkContextImpl
from ml2core.core import Core
from ml2core.db.models import NetworkSegment, Port, PortBinding, PortBindingLevel, utcnow
from ml2core.exceptions import MechanismDriverError

LOG = logging.getLogger(__name__)
#: What a committed binding result gives back: the port before and after, its levels.
Committed = tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]
UNBOUND = (constants.VIF_TYPE_UNBOUND, constants.VIF_TYPE_BINDING_FAILED)
#: The reason recorded for a driver that neither bound nor said why.
NO_REASON_GIVEN = "declined without giving a reason"


@dataclass
class Snapshot:
    """What an attempt starts from, read in one transaction."""

    port: dict[str, Any]
    network: dict[str, Any]
    segments: list[dict[str, Any]]
    revision: int


@dataclass
class Level:
    driver: str
    segment: dict[str, Any]


@dataclass
class Outcome:
    levels: list[Level] = field(default_factory=list)
    vif_type: str = constants.VIF_TYPE_BINDING_FAILED
    vif_details: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    explanation: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def bound(self) -> bool:
        return self.vif_type not in UNBOUND


def level_dicts(levels: list[Level]) -> list[dict[str, Any]]:
    return [
        {"level": i, "bound_driver": lv.driver, "bound_segment": lv.segment} for i, lv in enumerate(levels)
    ]


class BindingEngine:
    def __init__(self, core: Core, dynamic: DynamicSegments, ports: Any) -> None:
        self.core = core
        self.dynamic = dynamic
        self.ports = ports

    # -- one attempt, outside any transaction ------------------------------------
    def _attempt(self, snap: Snapshot, attempt_segments: AttemptSegments) -> Outcome:
        outcome = Outcome()
        admin = Context.admin()
        cache: dict[tuple[str, str], list[dict[str, Any]]] = {}

        def agents(host: str, agent_type: str) -> list[dict[str, Any]]:
            if (host, agent_type) not in cache:
                cache[(host, agent_type)] = self.ports.views.host_agents(host, agent_type)
            return cache[(host, agent_type)]

        net_ctx = NetworkContextImpl(admin, snap.network, snap.segments)
        pctx = PortContextImpl(admin, snap.port, net_ctx, agents_getter=agents, dynamic=attempt_segments)
        levels: list[Level] = []
        self._bind_level(pctx, 0, snap.segments, levels, outcome, has_ips=bool(snap.port["fixed_ips"]))
        return outcome

    def _bind_level(
        self,
        pctx: PortContextImpl,
        level: int,
        segments: list[dict[str, Any]],
        levels: list[Level],
        outcome: Outcome,
        *,
        has_ips: bool,
    ) -> bool:
        entry: dict[str, Any] = {
            "level": level,
            "segments_to_bind": [
                {k: s.get(k) for k in ("id", "network_type", "physical_network", "segmentation_id")}
                for s in segments
            ],
            "drivers": [],
        }
        outcome.explanation.append(entry)
        if level >= constants.MAX_BINDING_LEVELS:
            entry["drivers"].append(
                {
                    "driver": "-",
                    "outcome": "error",
                    "reason": f"exceeded the maximum of {constants.MAX_BINDING_LEVELS} binding levels",
                }
            )
            return False
        if not segments:
            entry["drivers"].append(
                {"driver": "-", "outcome": "declined", "reason": "the network has no segment to bind"}
            )
            return False
        if not self.core.mechanisms.drivers:
            entry["drivers"].append(
                {
                    "driver": "-",
                    "outcome": "declined",
                    "reason": "no mechanism drivers are configured: [ml2] mechanism_drivers",
                }
            )
            return False
        ids = {s.get("id") for s in segments}
        for driver in self.core.mechanisms.drivers:
            decision: dict[str, Any] = {"driver": driver.name, "outcome": "declined", "reason": ""}
            entry["drivers"].append(decision)
            if any(lv.driver == driver.name and lv.segment.get("id") in ids for lv in levels):
                decision["reason"] = "it bound one of these segments at a higher level"
                continue
            if not has_ips and driver.connectivity != constants.CONNECTIVITY_L2:
                decision["reason"] = (
                    "the port has no fixed IPs and the driver's connectivity is "
                    f"{driver.connectivity}, not l2"
                )
                continue
            pctx.prepare_to_bind(segments, level_dicts(levels))
            try:
                driver.bind_port(pctx)
            except Exception as exc:
                LOG.warning("mechanism driver %s failed in bind_port: %s", driver.name, exc, exc_info=True)
                decision["outcome"] = "error"
                decision["reason"] = f"{type(exc).__name__}: {exc}"
                continue
            finally:
                pctx.finish_turn()
            state = pctx.state
            if state.segment_id is None:
                decision["reason"] = "; ".join(state.reasons) or NO_REASON_GIVEN
                continue
            segment = next(s for s in segments if s.get("id") == state.segment_id)
            levels.append(Level(driver.name, dict(segment)))
            decision["segment_id"] = segment.get("id")
            if state.next_segments is None:
                decision["outcome"] = "bound"
                decision["reason"] = f"bound segment {segment.get('id')} with vif_type {state.vif_type}"
                outcome.levels = list(levels)
                outcome.vif_type = str(state.vif_type)
                outcome.vif_details = dict(state.vif_details)
                outcome.status = state.status
                return True
            decision["outcome"] = "continued"
            decision["next_segment_ids"] = [s.get("id") for s in state.next_segments]
            decision["reason"] = (
                f"bound segment {segment.get('id')} and continued with "
                f"{[s.get('id') for s in state.next_segments]}"
            )
            if self._bind_level(pctx, level + 1, state.next_segments, levels, outcome, has_ips=has_ips):
                return True
            levels.pop()
            decision["reason"] += "; no driver bound the next level, so this level was backtracked"
        return False

    # -- the loop ----------------------------------------------------------------
    def bind(
        self, port_id: str, *, force: bool = False, snapshot: Snapshot | None = None
    ) -> dict[str, Any] | None:
        """Bind the port if it has a host and is not bound; return it as committed (or None).

        ``force`` also retries a port whose last attempt failed; ``snapshot``
        spares the first read when the caller just committed the port.
        Outside any transaction; may block on drivers and the database.
        """
        for _ in range(self.core.settings.max_bind_tries):
            snap = snapshot or self.core.read(
                "bind_port", Context.admin(), functools.partial(self._snapshot, port_id=port_id, force=force)
            )
            snapshot = None
            if snap is None:
                return None
            attempt_segments = AttemptSegments(self.dynamic, snap.port["network_id"])
            outcome = self._attempt(snap, attempt_segments)
            committed: Committed | None
            try:
                committed = self.core.write(
                    "commit_port_binding",
                    Context.admin(),
                    functools.partial(self._commit, port_id=port_id, snap=snap, outcome=outcome),
                    done=functools.partial(_landed, port_id=port_id, snap=snap, outcome=outcome),
                )
            except MechanismDriverError as exc:
                # A driver refused the result in update_port_precommit: the
                # port stays unbound as binding_failed, with the reason kept.
                self.dynamic.release(attempt_segments.allocated)
                LOG.warning("port %s: binding result refused: %s", port_id, exc)
                outcome = Outcome(
                    explanation=outcome.explanation, error=f"the binding result was refused: {exc}"
                )
                attempt_segments = AttemptSegments(self.dynamic, snap.port["network_id"])
                committed = self.core.write(
                    "commit_port_binding",
                    Context.admin(),
                    functools.partial(self._commit, port_id=port_id, snap=snap, outcome=outcome, hooks=False),
                    done=functools.partial(_landed, port_id=port_id, snap=snap, outcome=outcome),
                )
            except BaseException:
                self.dynamic.release(attempt_segments.allocated)
                raise
            used = {lv.segment.get("id") for lv in outcome.levels} if committed else set()
            self.dynamic.release([s for s in attempt_segments.allocated if s not in used])
            if committed is not None:
                self.ports.after_binding(committed, outcome, (snap.network, snap.segments))
                return committed[1]
            force = True
        LOG.warning(
            "port %s: binding changed %d times while being bound; giving up for now",
            port_id,
            self.core.settings.max_bind_tries,
        )
        return None

    def _snapshot(self, ctx: Context, port_id: str, force: bool) -> Snapshot | None:
        session = ctx.session
        assert session is not None
        row = session.get(Port, port_id)
        if row is None or row.binding is None or not row.binding.host:
            return None
        vif = row.binding.vif_type
        if vif != constants.VIF_TYPE_UNBOUND and not (force and vif == constants.VIF_TYPE_BINDING_FAILED):
            return None
        port = self.ports.views.port_dict(ctx, row)
        network, segments = self.ports.views.network_view(ctx, row.network_id)
        return Snapshot(port=port, network=network, segments=segments, revision=row.binding.revision)

    def _commit(
        self, ctx: Context, port_id: str, snap: Snapshot, outcome: Outcome, hooks: bool = True
    ) -> Committed | None:
        """Write the outcome if the binding is still the one the attempt started from.

        ``hooks=False`` records a refused result without asking the drivers again.
        """
        session = ctx.session
        assert session is not None
        stmt = sa.select(PortBinding).where(PortBinding.port_id == port_id)
        if session.get_bind().dialect.name != "sqlite":
            stmt = stmt.with_for_update()
        binding = session.execute(stmt).scalar_one_or_none()
        if binding is None or binding.revision != snap.revision:
            return None
        port = session.get(Port, port_id)
        assert port is not None
        seg_ids = [lv.segment.get("id") for lv in outcome.levels]
        if seg_ids:
            lock = sa.select(NetworkSegment.id).where(
                NetworkSegment.id.in_(seg_ids), NetworkSegment.network_id == port.network_id
            )
            if session.get_bind().dialect.name != "sqlite":
                lock = lock.with_for_update()
            if set(session.execute(lock).scalars()) != set(seg_ids):
                # A dynamic segment went away meanwhile: bind again.
                return None
        original = self.ports.views.port_dict(ctx, port)
        session.execute(sa.delete(PortBindingLevel).where(PortBindingLevel.port_id == port_id))
        for index, level in enumerate(outcome.levels):
            session.add(
                PortBindingLevel(
                    port_id=port_id,
                    host=binding.host,
                    level=index,
                    driver=level.driver,
                    segment_id=level.segment.get("id"),
                )
            )
        binding.vif_type = outcome.vif_type
        binding.vif_details = outcome.vif_details
        binding.revision += 1
        binding.explanation = {
            "attempted_at": utcnow().isoformat(),
            "host": binding.host,
            "vif_type": outcome.vif_type,
            "levels": outcome.explanation,
        }
        if outcome.error:
            binding.explanation["error"] = outcome.error
        if outcome.status is not None:
            port.status = outcome.status
        session.flush()
        current = self.ports.views.port_dict(ctx, port)
        levels = level_dicts(outcome.levels)
        if hooks:
            self.ports.precommit_binding(ctx, original, current, levels, (snap.network, snap.segments))
        return original, current, levels


def _landed(
    ctx: Context, committed: Committed | None, *, port_id: str, snap: Snapshot, outcome: Outcome
) -> bool:
    """Whether a binding result whose COMMIT lost its answer is the one stored.

    Nothing to find if the attempt wrote nothing (the binding had moved);
    else the binding is one revision past the attempt's start, with its
    VIF type.
    """
    if committed is None:
        return True
    session = ctx.session
    assert session is not None
    binding = session.get(PortBinding, port_id)
    return (
        binding is not None and binding.revision == snap.revision + 1 and binding.vif_type == outcome.vif_type
    )
