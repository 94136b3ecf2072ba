"""In-memory network and subnet contexts (re-exported by :mod:`ml2core.testing.fakes`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ml2core import Context
from ml2core.api import NetworkContext, Segment, SubnetContext
from ml2core.testing.builders import _new_id, make_network, make_subnet

__all__ = ["FakeNetworkContext", "FakeSubnetContext"]


class FakeNetworkContext(NetworkContext):
    """A :class:`~ml2core.api.NetworkContext` over a network dict and its segments.

    Use it to call a driver's ``*_network_*`` hooks directly, and as the
    ``network`` of a :class:`FakePortContext` or :class:`FakeSubnetContext`.
    ``FakeNetworkContext(segments=[make_segment("vlan", "physnet1", 100)])``
    makes the network dict too (see :func:`make_network`). Segments without a
    ``network_id`` get the network's. ``plugin_context`` is an admin
    :class:`ml2core.Context` without a session unless one is given.
    """

    def __init__(
        self,
        network: Mapping[str, Any] | None = None,
        segments: Sequence[Segment] = (),
        *,
        original: Mapping[str, Any] | None = None,
        plugin_context: Context | None = None,
    ) -> None:
        self._current = dict(network) if network is not None else make_network(segments)
        self._current.setdefault("id", _new_id())
        network_id = self._current["id"]
        self._segments: list[Segment] = []
        for segment in segments:
            copied = dict(segment)
            if copied.get("network_id") is None:
                copied["network_id"] = network_id
            self._segments.append(copied)
        self._original = dict(original) if original is not None else None
        self._plugin_context = plugin_context or Context.admin()

    @property
    def current(self) -> dict[str, Any]:
        """The network dict given (or built)."""
        return self._current

    @property
    def original(self) -> dict[str, Any] | None:
        """The ``original`` given, or ``None``."""
        return self._original

    @property
    def network_segments(self) -> list[Segment]:
        """The static segments given, in order, with ``network_id`` filled in."""
        return self._segments

    @property
    def plugin_context(self) -> Context:
        """The ``plugin_context`` given, or an admin context."""
        return self._plugin_context


class FakeSubnetContext(SubnetContext):
    """A :class:`~ml2core.api.SubnetContext` over a subnet dict and a network context.

    Use it to call a driver's ``*_subnet_*`` hooks directly:
    ``FakeSubnetContext(network=FakeNetworkContext(segments=[...]))`` makes a
    subnet (see :func:`make_subnet`) on that network.
    """

    def __init__(
        self,
        subnet: Mapping[str, Any] | None = None,
        network: NetworkContext | None = None,
        *,
        original: Mapping[str, Any] | None = None,
        plugin_context: Context | None = None,
    ) -> None:
        self._plugin_context = plugin_context or (
            network.plugin_context if network is not None else Context.admin()
        )
        self._network = network or FakeNetworkContext(plugin_context=self._plugin_context)
        network_id = self._network.current["id"]
        self._current = dict(subnet) if subnet is not None else make_subnet(network_id)
        self._original = dict(original) if original is not None else None

    @property
    def current(self) -> dict[str, Any]:
        """The subnet dict given (or built)."""
        return self._current

    @property
    def original(self) -> dict[str, Any] | None:
        """The ``original`` given, or ``None``."""
        return self._original

    @property
    def network(self) -> NetworkContext:
        """The network context given (or built)."""
        return self._network

    @property
    def plugin_context(self) -> Context:
        """The ``plugin_context`` given, the network's, or an admin context."""
        return self._plugin_context
