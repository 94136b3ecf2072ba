"""Concrete network and subnet contexts handed to mechanism drivers."""

from __future__ import annotations

from typing import Any

from ml2core.api.context import NetworkContext, Segment, SubnetContext
from ml2core.context import Context


class NetworkContextImpl(NetworkContext):
    def __init__(
        self,
        plugin_context: Context,
        current: dict[str, Any],
        segments: list[Segment],
        original: dict[str, Any] | None = None,
    ) -> None:
        self._ctx = plugin_context
        self._current = current
        self._original = original
        self._segments = segments

    @property
    def current(self) -> dict[str, Any]:
        return self._current

    @property
    def original(self) -> dict[str, Any] | None:
        return self._original

    @property
    def network_segments(self) -> list[Segment]:
        return self._segments

    @property
    def plugin_context(self) -> Context:
        return self._ctx


class SubnetContextImpl(SubnetContext):
    def __init__(
        self,
        plugin_context: Context,
        current: dict[str, Any],
        network: NetworkContext,
        original: dict[str, Any] | None = None,
    ) -> None:
        self._ctx = plugin_context
        self._current = current
        self._original = original
        self._network = network

    @property
    def current(self) -> dict[str, Any]:
        return self._current

    @property
    def original(self) -> dict[str, Any] | None:
        return self._original

    @property
    def network(self) -> NetworkContext:
        return self._network

    @property
    def plugin_context(self) -> Context:
        return self._ctx
