"""The backend's only door to the kernel: one rtnetlink socket (pyroute2) in the host's namespace.

Every method is one netlink round trip (dumps: one request, many
replies), blocks on the kernel, and raises
:class:`~ml2core.exceptions.DataplaneError` (the pyroute2 error as
``__cause__``); nothing from pyroute2 escapes.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from drivers.common.links import Link, NetlinkFailure, VxlanAttrs

if TYPE_CHECKING:
    from drivers.common.linkdump import LinkDumper

__all__ = ["ZERO_MAC", "Link", "Netlink", "NetlinkFailure", "VxlanAttrs"]

ZERO_MAC = "00:00:00:00:00:00"
# IFLA_INET6_ADDR_GEN_MODE = IN6_ADDR_GEN_MODE_NONE: no link-local address.
_NO_IPV6_ADDRESSES = {"attrs": [["AF_INET6", {"attrs": [["IFLA_INET6_ADDR_GEN_MODE", 1]]}]]}


class Netlink:
    """An rtnetlink socket bound to namespace ``netns`` (``None``: the current one).

    Opened lazily, kept for the backend's life, reopened after a failure.
    Not thread-safe: one backend, one caller at a time.
    """

    def __init__(self, netns: str | None) -> None:
        self.netns = netns
        self._ipr: Any = None
        self._dumper: LinkDumper | None = None

    def _socket(self) -> Any:
        if self._ipr is None:
            from pyroute2 import IPRoute

            try:
                # flags=0: a missing namespace is an error, not silently created;
                # groups=0: no broadcasts to drain.
                self._ipr = IPRoute(netns=self.netns, flags=0, groups=0, ext_ack=True)
            except Exception as exc:
                raise NetlinkFailure(
                    operation="open netlink",
                    reason=f"namespace {self.netns or '(current)'}: {exc}",
                    errno=getattr(exc, "errno", 0) or 0,
                ) from exc
        return self._ipr

    def close(self) -> None:
        """Close the sockets (idempotent)."""
        if self._dumper is not None:
            self._dumper.close()
        if self._ipr is not None:
            try:
                self._ipr.close()
            finally:
                self._ipr = None

    @contextmanager
    def _call(self, operation: str) -> Iterator[Any]:
        from pyroute2.netlink.exceptions import NetlinkError

        ipr = self._socket()
        try:
            yield ipr
        except NetlinkError as exc:
            raise NetlinkFailure(
                operation=operation, reason=f"{exc.args[-1]} (errno {exc.code})", errno=exc.code
            ) from exc
        except OSError as exc:
            # The socket itself failed (namespace gone?): start afresh next time.
            self.close()
            raise NetlinkFailure(operation=operation, reason=str(exc), errno=exc.errno or 0) from exc
        except NetlinkFailure:
            raise
        except Exception as exc:  # pyroute2's own errors (request building, interrupted dumps)
            raise NetlinkFailure(operation=operation, reason=f"{type(exc).__name__}: {exc}", errno=0) from exc

    # -- reads ----------------------------------------------------------

    def links(self) -> dict[str, Link]:
        """Every device of the namespace, by name (a hand-parsed dump, see ``drivers.common.linkdump``)."""
        return {link.name: link for link in self._fast().dump()}

    def _fast(self) -> LinkDumper:
        if self._dumper is None:
            from drivers.common.linkdump import LinkDumper

            self._dumper = LinkDumper(self.netns)
        return self._dumper

    def flood_entries(self) -> dict[int, set[tuple[str, int | None]]]:
        """All-zeros FDB entries (head-end replication): ``ifindex -> {(dst, port)}``."""
        return self._fast().flood_entries()

    def index_of_address(self, address: str) -> int | None:
        """The device holding IP ``address``, if any."""
        with self._call("dump addresses") as ipr:
            for msg in ipr.addr("dump"):
                if msg.get("IFA_ADDRESS") == address or msg.get("IFA_LOCAL") == address:
                    return int(msg["index"])
        return None

    # -- writes ---------------------------------------------------------

    def create(self, name: str, kind: str, **attrs: Any) -> None:
        """Create device ``name`` of ``kind`` with ``attrs`` (pyroute2 names).

        The device gets no IPv6 link-local address (address generation
        ``none``, set before it comes up): the host must not speak IPv6 into
        a tenant network through its own bridges and tunnel devices.
        """
        state = attrs.pop("state", None)
        with self._call(f"create {kind} {name}") as ipr:
            ipr.link("add", ifname=name, kind=kind, **attrs)
            index = ipr.link_lookup(ifname=name)[0]
            ipr.link("set", index=index, IFLA_AF_SPEC=_NO_IPV6_ADDRESSES)
            if state is not None:
                ipr.link("set", index=index, state=state)

    def set(self, index: int, what: str, **attrs: Any) -> None:
        """Change attributes of device ``index`` (``master``, ``mtu``, ``state``, ``ifalias`` ...)."""
        with self._call(f"set {what}") as ipr:
            ipr.link("set", index=index, **attrs)

    def delete(self, index: int, what: str) -> None:
        """Delete device ``index``; a device already gone is not an error."""
        try:
            with self._call(f"delete {what}") as ipr:
                ipr.link("del", index=index)
        except NetlinkFailure as exc:
            if exc.kwargs.get("errno") != errno.ENODEV:
                raise

    def flood_add(self, index: int, dst: str, port: int | None, what: str) -> None:
        """Add an all-zeros FDB entry towards ``dst`` (one head-end replication target)."""
        attrs: dict[str, Any] = {"ifindex": index, "lladdr": ZERO_MAC, "dst": dst}
        if port:
            attrs["port"] = port
        try:
            with self._call(f"add flood entry {dst} to {what}") as ipr:
                ipr.fdb("append", **attrs)
        except NetlinkFailure as exc:
            if exc.kwargs.get("errno") != errno.EEXIST:
                raise

    def flood_delete(self, index: int, dst: str, port: int | None, what: str) -> None:
        """Remove the all-zeros FDB entry towards ``dst``; one already gone is not an error."""
        attrs: dict[str, Any] = {"ifindex": index, "lladdr": ZERO_MAC, "dst": dst}
        if port:
            attrs["port"] = port
        try:
            with self._call(f"remove flood entry {dst} from {what}") as ipr:
                ipr.fdb("del", **attrs)
        except NetlinkFailure as exc:
            if exc.kwargs.get("errno") != errno.ENOENT:
                raise
