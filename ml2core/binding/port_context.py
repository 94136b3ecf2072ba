"""The concrete PortContext: for hooks (committed state) and for binding attempts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ml2core import constants
from ml2core.api.context import NetworkContext, PortContext, Segment
from ml2core.context import Context
from ml2core.exceptions import InvalidInput


@dataclass
class BindingState:
    """The result a driver produced through the context in one ``bind_port`` call."""

    segment_id: str | None = None
    vif_type: str | None = None
    vif_details: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    next_segments: list[Segment] | None = None
    reasons: list[str] = field(default_factory=list)


class PortContextImpl(PortContext):
    """A port for mechanism drivers.

    In hooks it shows the committed binding; during ``bind_port`` the engine
    sets ``segments_to_bind`` and the levels decided so far, and the driver's
    answer lands in :attr:`state`.
    """

    def __init__(
        self,
        plugin_context: Context,
        current: dict[str, Any],
        network: NetworkContext,
        *,
        original: dict[str, Any] | None = None,
        levels: list[dict[str, Any]] | None = None,
        original_levels: list[dict[str, Any]] | None = None,
        agents_getter: Callable[[str, str], list[dict[str, Any]]] | None = None,
        dynamic: Any = None,
    ) -> None:
        self._ctx = plugin_context
        self._current = current
        self._original = original
        self._network = network
        self._levels = list(levels or [])
        self._original_levels = original_levels
        self._agents_getter = agents_getter
        self._dynamic = dynamic
        self._segments_to_bind: list[Segment] = []
        self._binding = False
        self.state = BindingState()

    # -- resource ------------------------------------------------------------------
    @property
    def current(self) -> dict[str, Any]:
        return self._current

    @property
    def original(self) -> dict[str, Any] | None:
        return self._original

    @property
    def status(self) -> str:
        return str(self._current.get("status", constants.PORT_STATUS_DOWN))

    @property
    def network(self) -> NetworkContext:
        return self._network

    @property
    def plugin_context(self) -> Context:
        return self._ctx

    @property
    def host(self) -> str:
        return str(self._current.get("binding:host_id") or "")

    @property
    def original_host(self) -> str | None:
        return None if self._original is None else str(self._original.get("binding:host_id") or "")

    @property
    def vif_type(self) -> str:
        return str(self._current.get("binding:vif_type", constants.VIF_TYPE_UNBOUND))

    @property
    def original_vif_type(self) -> str | None:
        return None if self._original is None else self._original.get("binding:vif_type")

    @property
    def vif_details(self) -> dict[str, Any]:
        return dict(self._current.get("binding:vif_details") or {})

    # -- levels --------------------------------------------------------------------
    @property
    def binding_levels(self) -> list[dict[str, Any]]:
        return list(self._levels)

    @property
    def original_binding_levels(self) -> list[dict[str, Any]] | None:
        return None if self._original_levels is None else list(self._original_levels)

    @staticmethod
    def _segment_of(levels: list[dict[str, Any]] | None, index: int) -> Segment | None:
        if not levels:
            return None
        segment = levels[index].get("bound_segment")
        return dict(segment) if segment else None

    @property
    def top_bound_segment(self) -> Segment | None:
        return self._segment_of(self._levels, 0)

    @property
    def original_top_bound_segment(self) -> Segment | None:
        return self._segment_of(self._original_levels, 0)

    @property
    def bottom_bound_segment(self) -> Segment | None:
        return self._segment_of(self._levels, -1)

    @property
    def original_bottom_bound_segment(self) -> Segment | None:
        return self._segment_of(self._original_levels, -1)

    # -- binding -------------------------------------------------------------------
    @property
    def segments_to_bind(self) -> Sequence[Segment]:
        return [dict(s) for s in self._segments_to_bind]

    def prepare_to_bind(self, segments: list[Segment], levels: list[dict[str, Any]]) -> None:
        """Engine: start one driver's turn at a level."""
        self._segments_to_bind = segments
        self._levels = list(levels)
        self._binding = True
        self.state = BindingState()

    def finish_turn(self) -> None:
        self._binding = False

    def host_agents(self, agent_type: str) -> list[dict[str, Any]]:
        if self._agents_getter is None or not self.host:
            return []
        return self._agents_getter(self.host, agent_type)

    def _check_segment(self, segment_id: object, method: str) -> None:
        if not self._binding:
            raise InvalidInput(field="segment_id", reason=f"{method} may only be called from bind_port")
        if self.state.segment_id is not None:
            raise InvalidInput(
                field="segment_id", reason=f"{method} called after the driver already answered"
            )
        if not any(s.get("id") == segment_id for s in self._segments_to_bind):
            raise InvalidInput(
                field="segment_id",
                reason=f"{method} with segment {segment_id!r}, which is not in segments_to_bind",
            )

    def set_binding(
        self,
        segment_id: str,
        vif_type: str,
        vif_details: Mapping[str, Any],
        status: str | None = None,
    ) -> None:
        self._check_segment(segment_id, "set_binding")
        if (
            not isinstance(vif_type, str)
            or not vif_type
            or vif_type
            in (
                constants.VIF_TYPE_UNBOUND,
                constants.VIF_TYPE_BINDING_FAILED,
            )
        ):
            raise InvalidInput(
                field="vif_type", reason=f"{vif_type!r} is not a VIF type a driver may bind with"
            )
        if not isinstance(vif_details, Mapping):
            raise InvalidInput(field="vif_details", reason="must be a dict")
        if status is not None and status not in constants.PORT_STATUSES:
            raise InvalidInput(field="status", reason=f"must be one of {', '.join(constants.PORT_STATUSES)}")
        self.state.segment_id = segment_id
        self.state.vif_type = vif_type
        self.state.vif_details = dict(vif_details)
        self.state.status = status

    def continue_binding(self, segment_id: str, next_segments_to_bind: Sequence[Segment]) -> None:
        self._check_segment(segment_id, "continue_binding")
        if not isinstance(next_segments_to_bind, Sequence) or not next_segments_to_bind:
            raise InvalidInput(field="next_segments_to_bind", reason="must be a non-empty list of segments")
        for seg in next_segments_to_bind:
            if not isinstance(seg, Mapping) or not seg.get("id"):
                raise InvalidInput(field="next_segments_to_bind", reason="each segment needs an id")
        self.state.segment_id = segment_id
        self.state.next_segments = [dict(s) for s in next_segments_to_bind]

    def decline(self, reason: str) -> None:
        self.state.reasons.append(str(reason))

    def allocate_dynamic_segment(self, segment: Mapping[str, Any]) -> Segment:
        if self._dynamic is None:
            raise InvalidInput(field="segment", reason="dynamic segments may only be allocated while binding")
        result: Segment = self._dynamic.allocate(self, segment)
        return result

    def release_dynamic_segment(self, segment_id: str) -> None:
        if self._dynamic is None:
            raise InvalidInput(field="segment_id", reason="no dynamic segment support in this context")
        self._dynamic.release(segment_id)
