"""Every exception ml2core raises to its callers.

No other exception type escapes a facade call (``Ml2Plugin`` methods): a
database driver's error is wrapped in :class:`DatabaseError` and kept as
``__cause__``; a mechanism or extension driver's error is wrapped in
:class:`MechanismDriverError` / :class:`ExtensionDriverError`.

Each class has a message ``template`` filled from keyword arguments; the
message names the field (or the entry, the option) and the reason. The
keyword arguments stay available as attributes (``exc.field``,
``exc.network_id`` …) and in ``exc.kwargs``.

The tree::

    Ml2CoreError
    ├── InvalidInput                      a value is malformed or not allowed
    ├── NotAuthorized                     the caller may not do this
    ├── NotFound                          no such resource (or not visible)
    │   ├── NetworkNotFound
    │   ├── SubnetNotFound
    │   ├── PortNotFound
    │   ├── SegmentNotFound
    │   ├── SegmentRangeNotFound
    │   └── AgentNotFound
    ├── Conflict                          the request contradicts current state
    │   ├── SegmentRangeOverlaps
    │   └── InUse
    │       ├── VlanIdInUse
    │       ├── TunnelIdInUse
    │       ├── FlatNetworkInUse
    │       ├── NetworkInUse
    │       ├── SubnetInUse
    │       ├── SegmentRangeInUse
    │       ├── IpAddressInUse
    │       └── MacAddressInUse
    ├── ResourceExhausted                 nothing left to allocate
    │   ├── NoNetworkAvailable
    │   └── IpAddressGenerationFailure
    ├── MechanismDriverError              a mechanism driver failed (``errors``, ``committed``)
    ├── ExtensionDriverError              an extension driver failed
    ├── DriverNotFound                    no entry point of that name
    ├── DriverLoadError                   a driver failed to import or initialize
    ├── ConfigError                       a configuration option is malformed
    ├── DatabaseError                     the database failed (cause kept)
    │   └── RetryableError                deadlock / serialization / lost connection, retries spent
    └── DataplaneError                    a host dataplane operation failed
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AgentNotFound",
    "ConfigError",
    "Conflict",
    "DatabaseError",
    "DataplaneError",
    "DriverLoadError",
    "DriverNotFound",
    "ExtensionDriverError",
    "FlatNetworkInUse",
    "InUse",
    "InvalidInput",
    "IpAddressGenerationFailure",
    "IpAddressInUse",
    "MacAddressInUse",
    "MechanismDriverError",
    "Ml2CoreError",
    "NetworkInUse",
    "NetworkNotFound",
    "NoNetworkAvailable",
    "NotAuthorized",
    "NotFound",
    "PortNotFound",
    "ResourceExhausted",
    "RetryableError",
    "SegmentNotFound",
    "SegmentRangeInUse",
    "SegmentRangeNotFound",
    "SegmentRangeOverlaps",
    "SubnetInUse",
    "SubnetNotFound",
    "TunnelIdInUse",
    "VlanIdInUse",
]


class Ml2CoreError(Exception):
    """Base of every ml2core exception.

    ``template`` is formatted with the keyword arguments; a positional
    message replaces it entirely.
    """

    template: ClassVar[str] = "An unknown ml2core error occurred."

    def __init__(self, message: str | None = None, /, **kwargs: Any) -> None:
        self.kwargs = kwargs
        for key, value in kwargs.items():
            if key not in ("field", "message", "kwargs"):
                setattr(self, key, value)
        field = kwargs.get("field", kwargs.get("option"))
        #: The input field or config option the error is about, if any.
        self.field: str | None = field if isinstance(field, str) else None
        if message is None:
            try:
                message = self.template.format(**kwargs)
            except (KeyError, IndexError, ValueError):
                message = f"{self.template} ({kwargs!r})"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class InvalidInput(Ml2CoreError):
    """A value given by the caller is malformed or not allowed (``field``, ``reason``)."""

    template = "Invalid input for {field}: {reason}"


class NotAuthorized(Ml2CoreError):
    """The caller's context may not perform this action (``field``, ``reason``)."""

    template = "Not authorized to {action}: {reason}"

    def __init__(self, message: str | None = None, /, **kwargs: Any) -> None:
        kwargs.setdefault("action", "perform this action")
        kwargs.setdefault("reason", "admin only")
        super().__init__(message, **kwargs)


class NotFound(Ml2CoreError):
    """A resource does not exist, or is not visible to the caller."""

    template = "{resource} {id} could not be found."


class NetworkNotFound(NotFound):
    template = "Network {network_id} could not be found."


class SubnetNotFound(NotFound):
    template = "Subnet {subnet_id} could not be found."


class PortNotFound(NotFound):
    template = "Port {port_id} could not be found."


class SegmentNotFound(NotFound):
    template = "Segment {segment_id} could not be found."


class SegmentRangeNotFound(NotFound):
    template = "Network segment range {range_id} could not be found."


class AgentNotFound(NotFound):
    template = "Agent {agent_id} could not be found."


class Conflict(Ml2CoreError):
    """The request contradicts the current state."""

    template = "Conflict on {field}: {reason}"


class InUse(Conflict):
    """Something the request needs is already taken."""

    template = "{field} is in use: {reason}"


class VlanIdInUse(InUse):
    template = (
        "Unable to create the network. The VLAN {vlan_id} on physical network {physical_network} is in use."
    )


class TunnelIdInUse(InUse):
    template = "Unable to create the network. The tunnel ID {tunnel_id} is in use."


class FlatNetworkInUse(InUse):
    template = "Unable to create the flat network. Physical network {physical_network} is in use."


class NetworkInUse(InUse):
    template = "Unable to complete operation on network {network_id}. {reason}"


class SubnetInUse(InUse):
    template = "Unable to complete operation on subnet {subnet_id}: {reason}"


class SegmentRangeOverlaps(Conflict):
    """A new or resized network segment range overlaps stored ranges (``range_id`` lists them)."""

    template = "Network segment range overlaps with range(s) with id {range_id}"


class SegmentRangeInUse(InUse):
    template = "Network segment range {range_id} is in use: {reason}"


class IpAddressInUse(InUse):
    template = "Unable to complete operation for network {network_id}. The IP address {ip_address} is in use."


class MacAddressInUse(InUse):
    template = "Unable to complete operation for network {network_id}. The mac address {mac} is in use."


class ResourceExhausted(Ml2CoreError):
    """Nothing is left to allocate."""

    template = "No {resource} available: {reason}"


class NoNetworkAvailable(ResourceExhausted):
    template = "Unable to create the network. No tenant network is available for allocation."


class IpAddressGenerationFailure(ResourceExhausted):
    template = "No more IP addresses available on network {network_id}."


class MechanismDriverError(Ml2CoreError):
    """One or more mechanism drivers failed in ``method``.

    ``errors`` holds the drivers' exceptions as ``(driver_name, exception)``;
    ``committed`` says whether the change stays in the database.
    """

    template = "{method} failed{committed_text}: {details}"

    def __init__(
        self,
        message: str | None = None,
        /,
        *,
        method: str = "unknown",
        errors: list[tuple[str, BaseException]] | None = None,
        committed: bool = False,
        **kwargs: Any,
    ) -> None:
        errors = errors or []
        details = "; ".join(f"{name}: {type(exc).__name__}: {exc}" for name, exc in errors)
        committed_text = " (the change was committed)" if committed else " (the change was not kept)"
        super().__init__(
            message,
            method=method,
            errors=errors,
            committed=committed,
            details=details or "no details",
            committed_text=committed_text,
            **kwargs,
        )


class ExtensionDriverError(Ml2CoreError):
    template = "Extension driver {driver} failed in {method}: {reason}"


class DriverNotFound(Ml2CoreError):
    template = "No {namespace} driver named {name!r} is installed; installed: {available}"


class DriverLoadError(Ml2CoreError):
    template = "The {namespace} driver {name!r} could not be loaded: {reason}"


class ConfigError(Ml2CoreError):
    """A configuration option is malformed (``option`` names ``[group] name``, ``entry`` the bad part)."""

    template = "Bad value for option {option}: {entry!r}: {reason}"


class DatabaseError(Ml2CoreError):
    """The database failed; the driver's exception is ``__cause__``."""

    template = "Database error during {operation}: {reason}"


class RetryableError(DatabaseError):
    """A transient database failure that persisted after ``[database] max_retries`` retries."""

    template = "Database error during {operation} persisted after {attempts} attempts: {reason}"


class DataplaneError(Ml2CoreError):
    template = "Dataplane operation {operation} failed: {reason}"
