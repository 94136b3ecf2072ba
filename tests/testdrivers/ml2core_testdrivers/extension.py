"""An extension driver adding ``test_ext:color`` to networks, subnets and ports."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ml2core import Context
from ml2core.api import ExtensionDriver
from ml2core.exceptions import InvalidInput

KEY = "test_ext:color"
_store: dict[str, str] = {}


class TestExtensionDriver(ExtensionDriver):
    """Keeps the color in memory and checks it is called inside the transaction."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def initialize(self) -> None:
        pass

    @property
    def extension_alias(self) -> str:
        return "test-ext"

    def extended_attributes(self, resource: str) -> tuple[str, ...]:
        return (KEY,) if resource in ("network", "port") else ()

    def _process(self, name: str, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        session = context.session
        self.calls.append((name, session is not None and session.in_transaction()))
        if session is not None:
            session.execute(sa.text("SELECT 1"))
        if KEY in data:
            if data[KEY] == "invalid":
                raise InvalidInput(field=KEY, reason="not a color")
            if data[KEY] == "crash":
                raise RuntimeError("extension crashed")
            _store[result["id"]] = data[KEY]
        result[KEY] = _store.get(result["id"], "none")

    def process_create_network(self, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        self._process("process_create_network", context, data, result)

    def process_update_network(self, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        self._process("process_update_network", context, data, result)

    def process_create_port(self, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        self._process("process_create_port", context, data, result)

    def extend_network_dict(self, context: Context, result: dict[str, Any]) -> None:
        result[KEY] = _store.get(result["id"], "none")

    def extend_port_dict(self, context: Context, result: dict[str, Any]) -> None:
        result[KEY] = _store.get(result["id"], "none")
