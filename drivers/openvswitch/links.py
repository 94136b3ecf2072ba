"""The VM devices as the kernel sees them: presence, MTU, up (netlink, in the switch's namespace).

OVSDB can only say a device is missing after a port was added for it; the
backend asks the kernel first, so a missing tap is reported (and retried
next sync) instead of leaving a broken port on the bridge. The dump uses
the shared hand-parsed link dump (``drivers.common.linkdump``) (pyroute2 decodes every
attribute of every device, ~0.8 ms each); changes go through pyroute2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drivers.common.linkdump import LinkDumper
from ml2core.exceptions import DataplaneError

__all__ = ["HostLinks", "LinkState"]


@dataclass(frozen=True)
class LinkState:
    """A device's index, MTU and administrative state."""

    index: int
    mtu: int
    up: bool


class HostLinks:
    """An rtnetlink socket in namespace ``netns`` (``None``: the current one), opened lazily."""

    def __init__(self, netns: str | None) -> None:
        self.netns = netns
        self._ipr: Any = None
        self._dumper = LinkDumper(netns)

    def _socket(self) -> Any:
        if self._ipr is None:
            from pyroute2 import IPRoute

            try:
                # flags=0: never create a namespace by mistake; groups=0: no event backlog.
                self._ipr = IPRoute(netns=self.netns, flags=0, groups=0)
            except Exception as exc:
                raise DataplaneError(
                    operation="open netlink", reason=f"namespace {self.netns or '(current)'}: {exc}"
                ) from exc
        return self._ipr

    def close(self) -> None:
        """Close the sockets (idempotent)."""
        self._dumper.close()
        if self._ipr is not None:
            try:
                self._ipr.close()
            finally:
                self._ipr = None

    def dump(self) -> dict[str, LinkState]:
        """Every device, by name (one round trip)."""
        return {link.name: LinkState(link.index, link.mtu, link.up) for link in self._dumper.dump()}

    def set(self, name: str, index: int, **attrs: Any) -> None:
        """Set ``mtu`` / ``state`` of a device (one round trip)."""
        try:
            self._socket().link("set", index=index, **attrs)
        except Exception as exc:
            raise DataplaneError(operation=f"set {name}", reason=str(exc)) from exc
