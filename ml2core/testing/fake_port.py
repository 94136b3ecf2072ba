"""The in-memory port context and the calls it records (re-exported by :mod:`ml2core.testing.fakes`)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ml2core import Context, constants
from ml2core.api import NetworkContext, PortContext, Segment
from ml2core.exceptions import InvalidInput, NoNetworkAvailable
from ml2core.testing.builders import make_port, make_segment
from ml2core.testing.fake_network import FakeNetworkContext

__all__ = ["DEFAULT_DYNAMIC_ID_RANGES", "ContinueBindingCall", "FakePortContext", "SetBindingCall"]

#: Where :meth:`FakePortContext.allocate_dynamic_segment` takes segmentation
#: IDs from, per network type, when the caller gives none (lowest free first).
DEFAULT_DYNAMIC_ID_RANGES: Mapping[str, tuple[int, int]] = {
    constants.TYPE_VLAN: (constants.MIN_VLAN_TAG, constants.MAX_VLAN_TAG),
    constants.TYPE_VXLAN: (constants.MIN_VXLAN_VNI, constants.MAX_VXLAN_VNI),
    constants.TYPE_GENEVE: (constants.MIN_GENEVE_VNI, constants.MAX_GENEVE_VNI),
    constants.TYPE_GRE: (constants.MIN_GRE_ID, constants.MAX_GRE_ID),
}


@dataclass(frozen=True)
class SetBindingCall:
    """One recorded :meth:`FakePortContext.set_binding` call."""

    segment_id: str
    vif_type: str
    vif_details: dict[str, Any]
    status: str | None


@dataclass(frozen=True)
class ContinueBindingCall:
    """One recorded :meth:`FakePortContext.continue_binding` call."""

    segment_id: str
    next_segments_to_bind: list[Segment]


@dataclass
class _DynamicSegments:
    """Dynamic segments of one network, shared by a context and its next levels."""

    network_id: str
    id_ranges: Mapping[str, tuple[int, int]]
    live: list[Segment] = field(default_factory=list)
    allocated: list[Segment] = field(default_factory=list)
    released_ids: list[str] = field(default_factory=list)


Outcome = Literal["bound", "continued", "declined", "none"]


class FakePortContext(PortContext):
    """A :class:`~ml2core.api.PortContext` that records what a driver does.

    Build it from a port dict (see :func:`make_port`), a network (a
    :class:`FakeNetworkContext`, or a network dict plus ``segments``), the
    agents known anywhere (see :func:`make_agent`; :meth:`host_agents`
    returns those of the asked type on :attr:`host`), and optionally the
    ``segments_to_bind`` of the level under way (default: the network's
    static segments, as at level 0) and the ``binding_levels`` already
    decided above it. ``host`` defaults to the port's ``binding:host_id``
    (and, when given, is written there).

    Then call the driver and read what it did:

    * :attr:`bound_segment_id`, :attr:`bound_vif_type`,
      :attr:`bound_vif_details`, :attr:`bound_status` (from ``set_binding``;
      ``None`` if there was none), or the whole call as :attr:`binding`;
    * :attr:`continued` (the ``continue_binding`` call, or ``None``);
      :meth:`next_level` for the context of the next level;
    * :attr:`decline_reasons`;
    * :attr:`dynamic_segments` (allocated and not released, including those
      given as ``dynamic_segments``), :attr:`allocated_segments` (allocated
      through this context), :attr:`released_segment_ids`;
    * :attr:`outcome`, one word for the lot.

    Like the real context, a driver answers at most once (``set_binding`` or
    ``continue_binding``) and invalid answers raise ``InvalidInput`` (see
    the module docstring); nothing is recorded then. Also like the real
    context, :attr:`vif_type` and :attr:`vif_details` keep showing the
    port's committed values during ``bind_port``. Not thread-safe; make one
    per test.
    """

    def __init__(
        self,
        port: Mapping[str, Any] | None = None,
        *,
        network: NetworkContext | Mapping[str, Any] | None = None,
        segments: Sequence[Segment] | None = None,
        segments_to_bind: Sequence[Segment] | None = None,
        binding_levels: Sequence[Mapping[str, Any]] = (),
        host: str | None = None,
        agents: Iterable[Mapping[str, Any]] = (),
        original: Mapping[str, Any] | None = None,
        original_binding_levels: Sequence[Mapping[str, Any]] | None = None,
        dynamic_segments: Sequence[Segment] = (),
        dynamic_id_ranges: Mapping[str, tuple[int, int]] | None = None,
        plugin_context: Context | None = None,
    ) -> None:
        """Build the context; see the class docstring for each argument's role.

        ``segments`` are the network's static segments when ``network`` is a
        dict or ``None``; giving them with a ``NetworkContext`` is an error
        (``InvalidInput``). ``dynamic_id_ranges`` bounds the IDs
        :meth:`allocate_dynamic_segment` hands out per network type (default
        :data:`DEFAULT_DYNAMIC_ID_RANGES`).
        """
        self._plugin_context = plugin_context or (
            network.plugin_context if isinstance(network, NetworkContext) else Context.admin()
        )
        if isinstance(network, NetworkContext):
            if segments is not None:
                raise InvalidInput(field="segments", reason="give segments inside the FakeNetworkContext")
            self._network: NetworkContext = network
        else:
            self._network = FakeNetworkContext(network, segments or (), plugin_context=self._plugin_context)
        network_id = self._network.current["id"]

        self._current = copy.deepcopy(dict(port)) if port is not None else make_port()
        if self._current.get("network_id") is None:
            self._current["network_id"] = network_id
        if host is not None:
            self._current["binding:host_id"] = host
        self._current.setdefault("binding:host_id", "")
        self._current.setdefault("binding:vnic_type", constants.VNIC_NORMAL)
        self._current.setdefault("binding:profile", {})
        self._current.setdefault("binding:vif_type", constants.VIF_TYPE_UNBOUND)
        self._current.setdefault("binding:vif_details", {})
        self._original = copy.deepcopy(dict(original)) if original is not None else None

        self._agents = [copy.deepcopy(dict(agent)) for agent in agents]
        self._segments_to_bind = [
            dict(s)
            for s in (segments_to_bind if segments_to_bind is not None else self._network.network_segments)
        ]
        self._binding_levels = [dict(level) for level in binding_levels]
        self._original_binding_levels = (
            [dict(level) for level in original_binding_levels]
            if original_binding_levels is not None
            else None
        )
        self._dynamic = _DynamicSegments(
            network_id=network_id,
            id_ranges=dict(dynamic_id_ranges if dynamic_id_ranges is not None else DEFAULT_DYNAMIC_ID_RANGES),
            live=[dict(s, is_dynamic=True) for s in dynamic_segments],
        )

        #: The ``set_binding`` call, or ``None``.
        self.binding: SetBindingCall | None = None
        #: The ``continue_binding`` call, or ``None``.
        self.continued: ContinueBindingCall | None = None
        #: Every ``decline`` reason, in order.
        self.decline_reasons: list[str] = []

    # -- the port ----------------------------------------------------------------------
    @property
    def current(self) -> dict[str, Any]:
        """The port (a private copy of the dict given; drivers may read, not rely on writing)."""
        return self._current

    @property
    def original(self) -> dict[str, Any] | None:
        """The ``original`` port given, or ``None`` (not an update)."""
        return self._original

    @property
    def status(self) -> str:
        """The port's ``status`` key (``DOWN`` when absent)."""
        return str(self._current.get("status", constants.PORT_STATUS_DOWN))

    @property
    def network(self) -> NetworkContext:
        """The port's network context."""
        return self._network

    @property
    def plugin_context(self) -> Context:
        """The ``plugin_context`` given, or an admin context; no session (as in ``bind_port``)."""
        return self._plugin_context

    @property
    def host(self) -> str:
        """The port's ``binding:host_id``."""
        return str(self._current.get("binding:host_id") or "")

    @property
    def original_host(self) -> str | None:
        """``binding:host_id`` of ``original``; ``None`` when not an update."""
        if self._original is None:
            return None
        return str(self._original.get("binding:host_id") or "")

    @property
    def vif_type(self) -> str:
        """The port's ``binding:vif_type`` (``set_binding`` does not change it)."""
        return str(self._current.get("binding:vif_type") or constants.VIF_TYPE_UNBOUND)

    @property
    def original_vif_type(self) -> str | None:
        """``binding:vif_type`` of ``original``; ``None`` when not an update."""
        if self._original is None:
            return None
        return str(self._original.get("binding:vif_type") or constants.VIF_TYPE_UNBOUND)

    @property
    def vif_details(self) -> dict[str, Any]:
        """The port's ``binding:vif_details`` (``set_binding`` does not change them)."""
        details = self._current.get("binding:vif_details") or {}
        return dict(details)

    # -- binding levels ------------------------------------------------------------------
    @property
    def binding_levels(self) -> list[dict[str, Any]]:
        """The levels given (``{"bound_driver", "bound_segment"}``), top first."""
        return [dict(level) for level in self._binding_levels]

    @property
    def original_binding_levels(self) -> list[dict[str, Any]] | None:
        """The ``original_binding_levels`` given, or ``None``."""
        if self._original_binding_levels is None:
            return None
        return [dict(level) for level in self._original_binding_levels]

    @staticmethod
    def _segment_of(levels: Sequence[Mapping[str, Any]] | None, index: int) -> Segment | None:
        if not levels:
            return None
        segment = levels[index].get("bound_segment")
        return dict(segment) if segment is not None else None

    @property
    def top_bound_segment(self) -> Segment | None:
        """The segment of the first level given, or ``None``."""
        return self._segment_of(self._binding_levels, 0)

    @property
    def original_top_bound_segment(self) -> Segment | None:
        """The segment of the first original level, or ``None``."""
        return self._segment_of(self._original_binding_levels, 0)

    @property
    def bottom_bound_segment(self) -> Segment | None:
        """The segment of the last level given, or ``None``."""
        return self._segment_of(self._binding_levels, -1)

    @property
    def original_bottom_bound_segment(self) -> Segment | None:
        """The segment of the last original level, or ``None``."""
        return self._segment_of(self._original_binding_levels, -1)

    @property
    def segments_to_bind(self) -> Sequence[Segment]:
        """The segments this level may bind, in order (copies)."""
        return [dict(s) for s in self._segments_to_bind]

    # -- agents --------------------------------------------------------------------------
    def host_agents(self, agent_type: str) -> list[dict[str, Any]]:
        """Copies of the agents given whose ``agent_type`` and ``host`` match.

        Dead agents are included (``alive`` False), as the real context does;
        deciding what to do with them is the driver's job. No host, no agents.
        """
        if not self.host:
            return []
        return [
            copy.deepcopy(agent)
            for agent in self._agents
            if agent.get("agent_type") == agent_type and agent.get("host") == self.host
        ]

    # -- answers -------------------------------------------------------------------------
    def _segment_to_bind(self, segment_id: object) -> Segment:
        for segment in self._segments_to_bind:
            if segment.get("id") == segment_id:
                return segment
        allowed = ", ".join(str(s.get("id")) for s in self._segments_to_bind) or "none"
        raise InvalidInput(
            field="segment_id",
            reason=f"{segment_id!r} is not in segments_to_bind ({allowed})",
        )

    def _check_answer(self, segment_id: object, method: str) -> None:
        if self.binding is not None or self.continued is not None:
            raise InvalidInput(
                field="segment_id", reason=f"{method} called after the driver already answered"
            )
        self._segment_to_bind(segment_id)

    def set_binding(
        self,
        segment_id: str,
        vif_type: str,
        vif_details: Mapping[str, Any],
        status: str | None = None,
    ) -> None:
        """Record the binding, or raise ``InvalidInput`` as the real context would.

        Raises for a ``segment_id`` not in ``segments_to_bind``, a second
        answer, a ``vif_type`` that is empty, ``unbound`` or
        ``binding_failed``, ``vif_details`` that is not a mapping, or a
        ``status`` that is not a port status. The recorded ``vif_details`` is
        a deep copy, so a driver that later mutates its dict cannot change
        what the test sees.
        """
        self._check_answer(segment_id, "set_binding")
        if not isinstance(vif_type, str) or vif_type in (
            "",
            constants.VIF_TYPE_UNBOUND,
            constants.VIF_TYPE_BINDING_FAILED,
        ):
            raise InvalidInput(
                field="vif_type", reason=f"{vif_type!r} is not a VIF type a driver may bind with"
            )
        if not isinstance(vif_details, Mapping):
            raise InvalidInput(field="vif_details", reason="must be a dict")
        if status is not None and status not in constants.PORT_STATUSES:
            raise InvalidInput(field="status", reason=f"must be one of {', '.join(constants.PORT_STATUSES)}")
        self.binding = SetBindingCall(segment_id, vif_type, copy.deepcopy(dict(vif_details)), status)

    def continue_binding(self, segment_id: str, next_segments_to_bind: Sequence[Segment]) -> None:
        """Record a partial binding, or raise ``InvalidInput`` as the real context would.

        Raises for a ``segment_id`` not in ``segments_to_bind``, a second
        answer, or ``next_segments_to_bind`` that is empty or has a segment
        without an ``id``.
        """
        self._check_answer(segment_id, "continue_binding")
        if not isinstance(next_segments_to_bind, Sequence) or not next_segments_to_bind:
            raise InvalidInput(field="next_segments_to_bind", reason="must be a non-empty list of segments")
        for segment in next_segments_to_bind:
            if not isinstance(segment, Mapping) or not segment.get("id"):
                raise InvalidInput(field="next_segments_to_bind", reason="each segment needs an id")
        self.continued = ContinueBindingCall(segment_id, [dict(s) for s in next_segments_to_bind])

    def decline(self, reason: str) -> None:
        """Record ``reason`` (as a string)."""
        self.decline_reasons.append(str(reason))

    # -- dynamic segments ----------------------------------------------------------------
    def allocate_dynamic_segment(self, segment: Mapping[str, Any]) -> Segment:
        """Return this network's dynamic segment of that type and physnet, making it if needed.

        Idempotent per (network type, physical network), like the real one:
        a second call returns the first segment (whatever ``segmentation_id``
        it asks for). A new segment gets a new UUID and the requested
        ``segmentation_id``, or the lowest ID of the type's range not used by
        another segment of the same type and physnet on this network. Raises
        ``InvalidInput`` without a ``network_type`` or for a requested ID
        outside the type's range, ``NoNetworkAvailable`` when the range is
        full.
        """
        network_type = segment.get("network_type")
        if not network_type:
            raise InvalidInput(field="network_type", reason="a dynamic segment needs a type")
        physnet = segment.get("physical_network")
        for existing in self._dynamic.live:
            if (existing.get("network_type"), existing.get("physical_network")) == (
                network_type,
                physnet,
            ):
                return dict(existing)
        segmentation_id = self._pick_segmentation_id(network_type, physnet, segment.get("segmentation_id"))
        new = make_segment(
            network_type,
            physnet,
            segmentation_id,
            network_id=self._dynamic.network_id,
            is_dynamic=True,
        )
        self._dynamic.live.append(new)
        self._dynamic.allocated.append(new)
        return dict(new)

    def _pick_segmentation_id(
        self, network_type: str, physnet: str | None, requested: int | None
    ) -> int | None:
        bounds = self._dynamic.id_ranges.get(network_type)
        if requested is not None:
            if bounds is not None and not bounds[0] <= requested <= bounds[1]:
                raise InvalidInput(
                    field="segmentation_id",
                    reason=f"{requested} is outside {bounds[0]}..{bounds[1]} for {network_type}",
                )
            return requested
        if bounds is None:
            return None
        used = {
            s.get("segmentation_id")
            for s in [*self._network.network_segments, *self._dynamic.live]
            if (s.get("network_type"), s.get("physical_network")) == (network_type, physnet)
        }
        candidate = bounds[0]
        while candidate in used:
            candidate += 1
        if candidate > bounds[1]:
            raise NoNetworkAvailable()
        return candidate

    def release_dynamic_segment(self, segment_id: str) -> None:
        """Record the request; free the segment unless a binding level given uses it.

        An unknown ``segment_id`` is recorded and otherwise ignored; one that
        is not a string raises ``InvalidInput``, as in the real context.
        """
        if not isinstance(segment_id, str):
            raise InvalidInput(field="segment_id", reason="must be a segment id string")
        self._dynamic.released_ids.append(segment_id)
        in_use = any(
            (level.get("bound_segment") or {}).get("id") == segment_id for level in self._binding_levels
        )
        if not in_use:
            self._dynamic.live = [s for s in self._dynamic.live if s.get("id") != segment_id]

    # -- what happened -------------------------------------------------------------------
    @property
    def bound_segment_id(self) -> str | None:
        """``segment_id`` given to ``set_binding``, or ``None``."""
        return self.binding.segment_id if self.binding else None

    @property
    def bound_vif_type(self) -> str | None:
        """``vif_type`` given to ``set_binding``, or ``None``."""
        return self.binding.vif_type if self.binding else None

    @property
    def bound_vif_details(self) -> dict[str, Any] | None:
        """``vif_details`` given to ``set_binding`` (a copy), or ``None``."""
        return copy.deepcopy(self.binding.vif_details) if self.binding else None

    @property
    def bound_status(self) -> str | None:
        """``status`` given to ``set_binding`` (``None`` if it gave none or there was none)."""
        return self.binding.status if self.binding else None

    @property
    def dynamic_segments(self) -> list[Segment]:
        """The network's dynamic segments now: given or allocated, and not released."""
        return [dict(s) for s in self._dynamic.live]

    @property
    def allocated_segments(self) -> list[Segment]:
        """Segments newly allocated through this context (or a level derived from it), in order."""
        return [dict(s) for s in self._dynamic.allocated]

    @property
    def released_segment_ids(self) -> list[str]:
        """Every ``release_dynamic_segment`` argument, in order."""
        return list(self._dynamic.released_ids)

    @property
    def outcome(self) -> Outcome:
        """``bound`` if ``set_binding`` was called, else ``continued``, ``declined`` or ``none``."""
        if self.binding is not None:
            return "bound"
        if self.continued is not None:
            return "continued"
        if self.decline_reasons:
            return "declined"
        return "none"

    def next_level(self, bound_driver: str) -> FakePortContext:
        """The context the next level's drivers see after :attr:`continued`.

        Its ``binding_levels`` are this context's plus ``{"bound_driver":
        bound_driver, "bound_segment": <the continued segment>}``; its
        ``segments_to_bind`` are the continued ``next_segments_to_bind``. It
        shares the port, network, agents, plugin context and dynamic
        segments with this one. Raises ``InvalidInput`` if nothing continued.
        """
        continued = self.continued
        if continued is None:
            raise InvalidInput(field="continued", reason="the driver did not continue the binding")
        bound_segment = self._segment_to_bind(continued.segment_id)
        child = FakePortContext(
            self._current,
            network=self._network,
            segments_to_bind=continued.next_segments_to_bind,
            binding_levels=[
                *self._binding_levels,
                {"bound_driver": bound_driver, "bound_segment": dict(bound_segment)},
            ],
            agents=self._agents,
            original=self._original,
            original_binding_levels=self._original_binding_levels,
            plugin_context=self._plugin_context,
        )
        child._dynamic = self._dynamic
        return child
