"""ml2core's exceptions as HTTP answers, in one place.

Every facade call raises only ``ml2core.exceptions`` errors, and their
middle classes say what the caller did wrong, so the mapping is by class,
most specific first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ml2core import exceptions

__all__ = ["STATUS_BY_EXCEPTION", "Response", "error_response", "status_for"]

#: (exception class, HTTP status), checked in order: the first match wins.
STATUS_BY_EXCEPTION: tuple[tuple[type[exceptions.Ml2CoreError], int], ...] = (
    (exceptions.NotFound, 404),
    (exceptions.NotAuthorized, 403),
    (exceptions.InvalidInput, 400),
    (exceptions.Conflict, 409),  # InUse and its leaves: VlanIdInUse, NetworkInUse, IpAddressInUse …
    # Neutron files "no more addresses" under Conflict; ml2core under ResourceExhausted.
    (exceptions.IpAddressGenerationFailure, 409),
    (exceptions.ResourceExhausted, 503),  # no segmentation ID left: retrying later may help
    (exceptions.RetryableError, 503),  # deadlocks or lost connections, after ml2core's own retries
    (exceptions.MechanismDriverError, 500),  # .committed says whether the change stayed
    (exceptions.Ml2CoreError, 500),
)


@dataclass(frozen=True)
class Response:
    """What the controller's API layer answers: a status, a JSON-able body, headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def status_for(exc: exceptions.Ml2CoreError) -> int:
    """The HTTP status of an ml2core error."""
    for cls, status in STATUS_BY_EXCEPTION:
        if isinstance(exc, cls):
            return status
    return 500


def error_response(exc: exceptions.Ml2CoreError) -> Response:
    """An error body naming the exception class and ml2core's message (field and reason)."""
    status = status_for(exc)
    error: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, exceptions.MechanismDriverError):
        error["committed"] = bool(exc.kwargs.get("committed"))
    headers = {"Retry-After": "1"} if status == 503 else {}
    return Response(status, {"error": error}, headers)
