"""OVSDB access through ovsdbapp: a snapshot of bridges, ports and interfaces, and one transaction.

Reads come from ovsdbapp's in-memory replica (no round trip). Writes of
one sync are one transaction, which returns once ``ovs-vswitchd`` has
applied it. Errors are raised as :class:`~ml2core.exceptions.DataplaneError`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ml2core.exceptions import DataplaneError

__all__ = ["OWNED_KEY", "BridgeRow", "OvsState", "Ovsdb", "PortRow"]

#: external_ids key marking what ml2core created.
OWNED_KEY = "ml2core-owned"

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """One ovsdbapp API call (``method(*args, **kwargs)``), made inside the transaction."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.method}({', '.join(parts)})"


def _scalar(value: Any) -> Any:
    """ovsdbapp returns optional columns as ``[]`` when empty, else the value."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


@dataclass(frozen=True)
class PortRow:
    """A Port with its single Interface."""

    name: str
    bridge: str | None
    tag: int | None
    trunks: tuple[int, ...]
    external_ids: dict[str, str]
    other_config: dict[str, str]
    iface_type: str
    options: dict[str, str]
    iface_external_ids: dict[str, str]
    ofport: int | None
    error: str | None

    @property
    def owned(self) -> bool:
        """Whether ml2core created this port."""
        return self.external_ids.get(OWNED_KEY) == "true"


@dataclass(frozen=True)
class BridgeRow:
    """A Bridge."""

    name: str
    datapath_type: str
    fail_mode: str | None
    external_ids: dict[str, str]
    ports: tuple[str, ...]


@dataclass
class OvsState:
    """Everything a sync reads from OVSDB."""

    bridges: dict[str, BridgeRow] = field(default_factory=dict)
    ports: dict[str, PortRow] = field(default_factory=dict)
    iface_types: frozenset[str] = frozenset()
    datapath_types: frozenset[str] = frozenset()

    def ofport(self, name: str) -> int | None:
        """The OpenFlow port number of ``name`` if it has a valid one."""
        port = self.ports.get(name)
        if port is None or port.ofport is None or port.ofport <= 0:
            return None
        return port.ofport


class Ovsdb:
    """A connection to one ovsdb-server (``unix:...`` or ``tcp:...``), opened lazily."""

    def __init__(self, connection: str, timeout: int) -> None:
        self.connection = connection
        self.timeout = timeout
        self._api: Any = None

    def api(self) -> Any:
        """The ovsdbapp API object; connects on first use (blocks up to ``timeout``)."""
        if self._api is None:
            from ovsdbapp.backend.ovs_idl import connection
            from ovsdbapp.schema.open_vswitch import impl_idl

            # ovsdbapp keeps the connection on the API *class*, so a second
            # switch in the same process (tests: one per host) needs a class of its own.
            api_class = type("OvsdbIdl", (impl_idl.OvsdbIdl,), {"_ovsdb_connection": None})
            try:
                idl = connection.OvsdbIdl.from_server(self.connection, "Open_vSwitch")
                conn = connection.Connection(idl=idl, timeout=self.timeout)
                self._api = api_class(conn)
            except Exception as exc:
                raise DataplaneError(
                    operation="connect to OVSDB", reason=f"{self.connection}: {exc}"
                ) from exc
        return self._api

    def close(self) -> None:
        """Stop the connection thread (idempotent)."""
        if self._api is not None:
            try:
                self._api.ovsdb_connection.stop()
            except Exception:  # closing is best effort
                LOG.debug("OVSDB connection stop failed", exc_info=True)
            self._api = None

    def _read(self, table: str, columns: list[str]) -> list[dict[str, Any]]:
        api = self.api()
        try:
            rows: list[dict[str, Any]] = api.db_list(table, columns=columns).execute(check_error=True)
        except Exception as exc:
            raise DataplaneError(operation=f"read OVSDB {table}", reason=str(exc)) from exc
        return rows

    def snapshot(self) -> OvsState:
        """Bridges, ports (with their interface) and the switch's capabilities."""
        ifaces = {
            row["_uuid"]: row
            for row in self._read(
                "Interface", ["_uuid", "name", "type", "options", "external_ids", "ofport", "error"]
            )
        }
        bridges_raw = self._read("Bridge", ["name", "datapath_type", "fail_mode", "external_ids", "ports"])
        ports_raw = self._read(
            "Port", ["_uuid", "name", "tag", "trunks", "external_ids", "other_config", "interfaces"]
        )
        port_names = {row["_uuid"]: row["name"] for row in ports_raw}
        bridge_of: dict[str, str] = {}
        state = OvsState()
        for row in bridges_raw:
            names = tuple(port_names[u] for u in row["ports"] if u in port_names)
            for name in names:
                bridge_of[name] = row["name"]
            state.bridges[row["name"]] = BridgeRow(
                name=row["name"],
                datapath_type=row["datapath_type"] or "system",
                fail_mode=_scalar(row["fail_mode"]),
                external_ids=dict(row["external_ids"]),
                ports=names,
            )
        for row in ports_raw:
            iface = ifaces.get(row["interfaces"][0]) if row["interfaces"] else None
            ofport = _scalar(iface["ofport"]) if iface else None
            state.ports[row["name"]] = PortRow(
                name=row["name"],
                bridge=bridge_of.get(row["name"]),
                tag=_scalar(row["tag"]),
                trunks=tuple(row["trunks"]),
                external_ids=dict(row["external_ids"]),
                other_config=dict(row["other_config"]),
                iface_type=iface["type"] if iface else "",
                options=dict(iface["options"]) if iface else {},
                iface_external_ids=dict(iface["external_ids"]) if iface else {},
                ofport=int(ofport) if ofport is not None else None,
                error=_scalar(iface["error"]) if iface else None,
            )
        for row in self._read("Open_vSwitch", ["iface_types", "datapath_types"]):
            state.iface_types = frozenset(row["iface_types"])
            state.datapath_types = frozenset(row["datapath_types"])
        return state

    def commit(self, commands: Sequence[Command]) -> None:
        """Apply ``commands`` in one transaction; blocks until ovs-vswitchd applied it."""
        if not commands:
            return
        api = self.api()
        try:
            with api.transaction(check_error=True) as txn:
                for command in commands:
                    txn.add(getattr(api, command.method)(*command.args, **command.kwargs))
        except Exception as exc:
            raise DataplaneError(
                operation="OVSDB transaction", reason=f"{type(exc).__name__}: {exc}"
            ) from exc
