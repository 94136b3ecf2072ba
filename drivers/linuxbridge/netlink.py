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
from dataclasses import dataclass
from typing import Any

from ml2core.exceptions import DataplaneError

__all__ = ["ZERO_MAC", "Link", "Netlink", "NetlinkFailure", "VxlanAttrs"]

ZERO_MAC = "00:00:00:00:00:00"
_IFF_UP = 0x1


class NetlinkFailure(DataplaneError):
    """A netlink request failed; ``errno`` holds the kernel's error number (0 if none)."""


@dataclass(frozen=True)
class VxlanAttrs:
    """The attributes of a VXLAN device that ml2core sets."""

    vni: int
    local: str | None
    port: int
    group: str | None
    link: int | None
    udp_csum: bool
    learning: bool
    ttl: int | None


@dataclass(frozen=True)
class Link:
    """One network device as the kernel reports it."""

    index: int
    name: str
    kind: str | None
    master: int | None
    mtu: int
    up: bool
    group: int
    alias: str | None
    vxlan: VxlanAttrs | None = None
    vlan_id: int | None = None
    parent: int | None = None


def _vxlan(data: Any) -> VxlanAttrs:
    ttl = data.get("vxlan_ttl")
    return VxlanAttrs(
        vni=int(data.get("vxlan_id") or 0),
        local=data.get("vxlan_local"),
        port=int(data.get("vxlan_port") or 0),
        group=data.get("vxlan_group"),
        link=data.get("vxlan_link") or None,
        udp_csum=bool(data.get("vxlan_udp_csum")),
        learning=bool(data.get("vxlan_learning")),
        ttl=int(ttl) if ttl else None,
    )


def _link(msg: Any) -> Link:
    info = msg.get("linkinfo")
    kind = info.get("kind") if info is not None else None
    data = info.get("data") if info is not None else None
    vxlan = _vxlan(data) if kind == "vxlan" and data is not None else None
    vlan_id = data.get("vlan_id") if kind == "vlan" and data is not None else None
    return Link(
        index=int(msg["index"]),
        name=str(msg.get("ifname")),
        kind=kind,
        master=msg.get("master") or None,
        mtu=int(msg.get("mtu") or 0),
        up=bool(msg["flags"] & _IFF_UP),
        group=int(msg.get("group") or 0),
        alias=msg.get("ifalias") or None,
        vxlan=vxlan,
        vlan_id=int(vlan_id) if vlan_id is not None else None,
        parent=msg.get("link") or None,
    )


class Netlink:
    """An rtnetlink socket bound to namespace ``netns`` (``None``: the current one).

    Opened lazily, kept for the backend's life, reopened after a failure.
    Not thread-safe: one backend, one caller at a time.
    """

    def __init__(self, netns: str | None) -> None:
        self.netns = netns
        self._ipr: Any = None

    def _socket(self) -> Any:
        if self._ipr is None:
            from pyroute2 import IPRoute

            try:
                # flags=0: a missing namespace is an error, not silently created;
                # groups=0: no broadcasts to drain; nlm_echo: new links come back with their index.
                self._ipr = IPRoute(netns=self.netns, flags=0, groups=0, ext_ack=True, nlm_echo=True)
            except Exception as exc:
                raise NetlinkFailure(
                    operation="open netlink",
                    reason=f"namespace {self.netns or '(current)'}: {exc}",
                    errno=getattr(exc, "errno", 0) or 0,
                ) from exc
        return self._ipr

    def close(self) -> None:
        """Close the socket (idempotent)."""
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

    # -- reads ----------------------------------------------------------

    def links(self) -> dict[str, Link]:
        """Every device of the namespace, by name."""
        with self._call("dump links") as ipr:
            return {link.name: link for link in map(_link, ipr.link("dump"))}

    def flood_entries(self) -> dict[int, set[tuple[str, int | None]]]:
        """All-zeros FDB entries (head-end replication): ``ifindex -> {(dst, port)}``."""
        result: dict[int, set[tuple[str, int | None]]] = {}
        with self._call("dump fdb") as ipr:
            for msg in ipr.fdb("dump"):
                dst = msg.get("NDA_DST")
                if dst and msg.get("NDA_LLADDR") == ZERO_MAC:
                    port = msg.get("NDA_PORT")
                    result.setdefault(int(msg["ifindex"]), set()).add((str(dst), port or None))
        return result

    def index_of_address(self, address: str) -> int | None:
        """The device holding IP ``address``, if any."""
        with self._call("dump addresses") as ipr:
            for msg in ipr.addr("dump"):
                if msg.get("IFA_ADDRESS") == address or msg.get("IFA_LOCAL") == address:
                    return int(msg["index"])
        return None

    # -- writes ---------------------------------------------------------

    def create(self, name: str, kind: str, **attrs: Any) -> int:
        """Create device ``name`` of ``kind`` with ``attrs`` (pyroute2 names); returns its index."""
        with self._call(f"create {kind} {name}") as ipr:
            replies = ipr.link("add", ifname=name, kind=kind, **attrs)
        for msg in replies:
            if msg.get("ifname") == name and msg.get("index"):
                return int(msg["index"])
        # Kernels that do not echo: one more round trip.
        with self._call(f"look up {name}") as ipr:
            found = ipr.link_lookup(ifname=name)
        if not found:
            raise NetlinkFailure(
                operation=f"create {kind} {name}", reason="device missing after create", errno=errno.ENODEV
            )
        return int(found[0])

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
