"""``LocalHostClient``: the host-agent protocol served by a plugin in the same process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ml2core.context import Context
from ml2core.exceptions import InvalidInput

if TYPE_CHECKING:
    from ml2core.plugin import Ml2Plugin

__all__ = ["LocalHostClient"]


class LocalHostClient:
    """Implements ``ml2core.api.HostClient`` on an ``Ml2Plugin`` (shared database).

    Every call runs as admin. Calls may block on the database and raise only
    ``ml2core.exceptions`` errors.
    """

    def __init__(self, plugin: Ml2Plugin) -> None:
        from ml2core.plugin import Ml2Plugin

        if not isinstance(plugin, Ml2Plugin):
            raise InvalidInput(field="plugin", reason="must be an ml2core.Ml2Plugin")
        self.plugin = plugin
        self._ctx = Context.admin()

    def report_state(self, state: dict[str, Any]) -> dict[str, Any]:
        return self.plugin.report_agent_state(self._ctx, state)

    def get_host_ports(self, host: str, agent_type: str | None = None) -> list[dict[str, Any]]:
        return self.plugin.get_host_ports(self._ctx, host, agent_type)

    def update_port_status(self, port_id: str, status: str, host: str) -> None:
        self.plugin.update_port_status(self._ctx, port_id, status, host)
