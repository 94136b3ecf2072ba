"""How a host agent talks to the plugin."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["HostClient"]


@runtime_checkable
class HostClient(Protocol):
    """The three calls a host agent makes.

    ``ml2core.LocalHostClient`` implements them on a plugin sharing the
    controllers' database; a message-bus client can implement them without
    any change to the agent. Each call may block on the network or database
    and raises only ``ml2core.exceptions`` errors.
    """

    def report_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """Create or refresh this host's agent record (see ``Ml2Plugin.report_agent_state``)."""
        ...

    def get_host_ports(self, host: str, agent_type: str | None = None) -> list[dict[str, Any]]:
        """The ports bound to ``host`` with what the dataplane needs to realize them."""
        ...

    def update_port_status(self, port_id: str, status: str, host: str) -> None:
        """Report a port ``ACTIVE`` or ``DOWN`` on ``host``."""
        ...
