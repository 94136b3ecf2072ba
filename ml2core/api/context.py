"""The contexts ml2core hands to mechanism drivers.

A context wraps a resource as a plain dict (``current``, and ``original`` on
updates) plus what a driver needs to act on it. Drivers never see database
models. Inside a precommit hook ``plugin_context.session`` is the SQLAlchemy
session of the transaction making the change; in postcommit hooks and in
``bind_port`` it is ``None``.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ml2core.context import Context

__all__ = ["NetworkContext", "PortContext", "Segment", "SubnetContext"]

#: A segment as drivers see it: keys ``id``, ``network_type``,
#: ``physical_network``, ``segmentation_id``, ``network_id`` and ``is_dynamic``.
Segment = dict[str, Any]


class NetworkContext(abc.ABC):
    """A network being created, updated or deleted."""

    @property
    @abc.abstractmethod
    def current(self) -> dict[str, Any]:
        """The network as it is now (admin view); for deletes, as it was."""

    @property
    @abc.abstractmethod
    def original(self) -> dict[str, Any] | None:
        """The network before an update; ``None`` for creates and deletes."""

    @property
    @abc.abstractmethod
    def network_segments(self) -> list[Segment]:
        """The network's static segments, in segment order."""

    @property
    @abc.abstractmethod
    def plugin_context(self) -> Context:
        """The caller's :class:`ml2core.Context` (with ``session`` inside the transaction)."""


class SubnetContext(abc.ABC):
    """A subnet being created, updated or deleted."""

    @property
    @abc.abstractmethod
    def current(self) -> dict[str, Any]:
        """The subnet as it is now; for deletes, as it was."""

    @property
    @abc.abstractmethod
    def original(self) -> dict[str, Any] | None:
        """The subnet before an update; ``None`` for creates and deletes."""

    @property
    @abc.abstractmethod
    def network(self) -> NetworkContext:
        """The network the subnet belongs to."""

    @property
    @abc.abstractmethod
    def plugin_context(self) -> Context:
        """The caller's context (with ``session`` inside the transaction)."""


class PortContext(abc.ABC):
    """A port being created, updated, deleted or bound.

    During ``bind_port`` the binding members describe the attempt under way:
    ``segments_to_bind`` are the segments the current level may bind, and the
    driver answers with exactly one of :meth:`set_binding`,
    :meth:`continue_binding` or :meth:`decline` (doing nothing counts as
    declining without a reason).
    """

    @property
    @abc.abstractmethod
    def current(self) -> dict[str, Any]:
        """The port as it is now (admin view, ``binding:*`` included)."""

    @property
    @abc.abstractmethod
    def original(self) -> dict[str, Any] | None:
        """The port before an update; ``None`` for creates and deletes."""

    @property
    @abc.abstractmethod
    def status(self) -> str:
        """The port's status (``ACTIVE``, ``DOWN``, …)."""

    @property
    @abc.abstractmethod
    def network(self) -> NetworkContext:
        """The port's network."""

    @property
    @abc.abstractmethod
    def plugin_context(self) -> Context:
        """The caller's context (with ``session`` inside the transaction)."""

    @property
    @abc.abstractmethod
    def host(self) -> str:
        """``binding:host_id`` of the port ('' when unset)."""

    @property
    @abc.abstractmethod
    def original_host(self) -> str | None:
        """``binding:host_id`` before an update; ``None`` when not an update."""

    @property
    @abc.abstractmethod
    def vif_type(self) -> str:
        """``binding:vif_type`` (``unbound`` while not bound)."""

    @property
    @abc.abstractmethod
    def original_vif_type(self) -> str | None:
        """``binding:vif_type`` before an update."""

    @property
    @abc.abstractmethod
    def vif_details(self) -> dict[str, Any]:
        """``binding:vif_details``."""

    @property
    @abc.abstractmethod
    def binding_levels(self) -> list[dict[str, Any]]:
        """Committed (or, in ``bind_port``, so far decided) levels, top first.

        Each is ``{"bound_driver": name, "bound_segment": segment}``.
        """

    @property
    @abc.abstractmethod
    def original_binding_levels(self) -> list[dict[str, Any]] | None:
        """The levels before an update (``None`` when not an update)."""

    @property
    @abc.abstractmethod
    def top_bound_segment(self) -> Segment | None:
        """The segment bound at level 0, or ``None``."""

    @property
    @abc.abstractmethod
    def original_top_bound_segment(self) -> Segment | None:
        """The level-0 segment before an update."""

    @property
    @abc.abstractmethod
    def bottom_bound_segment(self) -> Segment | None:
        """The segment bound at the lowest level (the one the host sees), or ``None``."""

    @property
    @abc.abstractmethod
    def original_bottom_bound_segment(self) -> Segment | None:
        """The lowest-level segment before an update."""

    @property
    @abc.abstractmethod
    def segments_to_bind(self) -> Sequence[Segment]:
        """During ``bind_port``: the segments this level may bind, in order."""

    @abc.abstractmethod
    def host_agents(self, agent_type: str) -> list[dict[str, Any]]:
        """Agents of ``agent_type`` on :attr:`host`, each as ``get_agents`` shows it.

        Reads the database; does not block on anything else.
        """

    @abc.abstractmethod
    def set_binding(
        self,
        segment_id: str,
        vif_type: str,
        vif_details: Mapping[str, Any],
        status: str | None = None,
    ) -> None:
        """Bind the port to ``segment_id`` (one of :attr:`segments_to_bind`) and finish.

        ``status`` optionally sets the port status when the binding commits.
        Raises ``InvalidInput`` if the segment is not in ``segments_to_bind``.
        """

    @abc.abstractmethod
    def continue_binding(self, segment_id: str, next_segments_to_bind: Sequence[Segment]) -> None:
        """Bind ``segment_id`` at this level and let the next level bind one of ``next_segments_to_bind``.

        Raises ``InvalidInput`` if ``segment_id`` is not in ``segments_to_bind``.
        """

    @abc.abstractmethod
    def decline(self, reason: str) -> None:
        """Say, in words an operator can act on, why this driver does not bind the port."""

    @abc.abstractmethod
    def allocate_dynamic_segment(self, segment: Mapping[str, Any]) -> Segment:
        """Return the network's dynamic segment of this type and physnet, allocating it if needed.

        ``segment`` has ``network_type``, ``physical_network`` and optionally
        ``segmentation_id``. Idempotent per (network, type, physnet); the
        framework releases the segment when no committed binding uses it, and
        when the attempt that allocated it is discarded. Commits in its own
        transaction. Raises ``NoNetworkAvailable`` when no ID is free.
        """

    @abc.abstractmethod
    def release_dynamic_segment(self, segment_id: str) -> None:
        """Ask for a dynamic segment to be freed; it is, once no binding references it."""
