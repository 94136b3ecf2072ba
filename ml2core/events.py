"""Notifications for embedders: ``Ml2Plugin.subscribe(resource, event, callback)``.

Callbacks run after the change is committed, in the caller's thread, in
subscription order, as ``callback(resource, event, trigger, payload)``
(Neutron's callback signature; ``trigger`` is the plugin). Their exceptions
are logged and never reach the caller.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ml2core import constants
from ml2core.context import Context
from ml2core.exceptions import InvalidInput

LOG = logging.getLogger(__name__)

__all__ = ["EVENTS", "Callback", "EventBus", "EventPayload"]

_COMMON = (constants.AFTER_CREATE, constants.AFTER_UPDATE, constants.AFTER_DELETE)
#: The events each resource publishes.
EVENTS: dict[str, tuple[str, ...]] = {
    constants.NETWORK: _COMMON,
    constants.SUBNET: _COMMON,
    constants.PORT: (*_COMMON, constants.BOUND, constants.BINDING_FAILED, constants.STATUS_CHANGED),
    constants.AGENT: _COMMON,
}


@dataclass(frozen=True)
class EventPayload:
    """What a callback receives: the caller's context and the resource's states."""

    context: Context
    resource_id: str
    #: ``(original, current)``: ``original`` is ``None`` for creates, ``current``
    #: is the state before deletion for deletes.
    states: tuple[dict[str, Any] | None, dict[str, Any] | None]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def latest_state(self) -> dict[str, Any] | None:
        return self.states[-1]


Callback = Callable[[str, str, Any, EventPayload], Any]


class EventBus:
    """Subscriptions and publication (thread-safe)."""

    def __init__(self) -> None:
        self._subs: dict[tuple[str, str], list[Callback]] = {}
        self._lock = threading.Lock()

    def subscribe(self, resource: str, event: str, callback: Callback) -> None:
        if not isinstance(resource, str) or resource not in EVENTS:
            raise InvalidInput(field="resource", reason=f"{resource!r} is not one of {sorted(EVENTS)}"[:300])
        if not isinstance(event, str) or event not in EVENTS[resource]:
            raise InvalidInput(
                field="event",
                reason=f"{event!r} is not an event of {resource} ({', '.join(EVENTS[resource])})"[:300],
            )
        if not callable(callback):
            raise InvalidInput(field="callback", reason="must be callable")
        with self._lock:
            self._subs.setdefault((resource, event), []).append(callback)

    def unsubscribe(self, resource: str, event: str, callback: Callback) -> None:
        with self._lock:
            subs = self._subs.get((resource, event), [])
            if callback in subs:
                subs.remove(callback)

    def has_subscribers(self, resource: str, event: str) -> bool:
        return bool(self._subs.get((resource, event)))

    def publish(self, resource: str, event: str, trigger: Any, payload: EventPayload) -> None:
        with self._lock:
            subs = list(self._subs.get((resource, event), ()))
        for callback in subs:
            try:
                callback(resource, event, trigger, payload)
            except Exception:
                LOG.exception("callback %r for %s %s failed", callback, resource, event)
