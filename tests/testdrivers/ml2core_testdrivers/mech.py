"""Mechanism drivers for ml2core's own tests: recorders, failures and binding shapes."""

from __future__ import annotations

import threading
from typing import Any

from oslo_config import cfg

from ml2core import constants
from ml2core.api import MechanismDriver, PortContext

HOOKS = [
    f"{action}_{resource}_{phase}"
    for resource in ("network", "subnet", "port")
    for action in ("create", "update", "delete")
    for phase in ("precommit", "postcommit")
]


class LoggerMechanismDriver(MechanismDriver):
    """Records every hook: ``(hook, resource id, inside a transaction?)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool]] = []
        self._lock = threading.Lock()

    def initialize(self) -> None:
        pass

    def _record(self, hook: str, context: Any) -> None:
        session = context.plugin_context.session
        inside = session is not None and session.in_transaction()
        with self._lock:
            self.calls.append((hook, context.current["id"], inside))

    def hooks(self, name: str) -> list[tuple[str, str, bool]]:
        return [c for c in self.calls if c[0] == name]

    def bind_port(self, context: PortContext) -> None:
        context.decline("the logger driver only records")


def _make_hook(name: str) -> Any:
    def hook(self: LoggerMechanismDriver, context: Any) -> None:
        self._record(name, context)

    hook.__name__ = name
    return hook


for _hook in HOOKS:
    setattr(LoggerMechanismDriver, _hook, _make_hook(_hook))


class SecondLoggerMechanismDriver(LoggerMechanismDriver):
    """A second recorder, to check call order across drivers."""


class FaultyMechanismDriver(MechanismDriver):
    """Raises in the hooks named by ``[faulty] fail_on`` (and records the others)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def initialize(self) -> None:
        self.conf.register_opts([cfg.ListOpt("fail_on", default=[])], group="faulty")

    @property
    def fail_on(self) -> list[str]:
        return list(self.conf.faulty.fail_on)

    def bind_port(self, context: PortContext) -> None:
        self.calls.append("bind_port")
        if "bind_port" in self.fail_on:
            raise RuntimeError("faulty driver refuses to bind")
        context.decline("the faulty driver does not bind")


def _make_faulty(name: str) -> Any:
    def hook(self: FaultyMechanismDriver, context: Any) -> None:
        self.calls.append(name)
        if name in self.fail_on:
            raise RuntimeError(f"faulty driver fails in {name}")

    hook.__name__ = name
    return hook


for _hook in HOOKS:
    setattr(FaultyMechanismDriver, _hook, _make_faulty(_hook))

__all__ = [
    "HOOKS",
    "FaultyMechanismDriver",
    "LoggerMechanismDriver",
    "SecondLoggerMechanismDriver",
    "constants",
]


class ConnectionKillerMechanismDriver(MechanismDriver):
    """Cuts its own database connection inside ``create_network_precommit``.

    Networks named ``kill-once-*`` lose the connection on their first attempt
    only; ``kill-always-*`` on every attempt. A real server-side kill
    (``pg_terminate_backend`` / ``KILL``), not a simulated exception.
    """

    def __init__(self) -> None:
        self.killed: dict[str, int] = {}

    def initialize(self) -> None:
        pass

    def create_network_precommit(self, context: Any) -> None:
        import sqlalchemy as sa

        name = context.current["name"]
        session = context.plugin_context.session
        once = name.startswith("kill-once-") and name not in self.killed
        if not (once or name.startswith("kill-always-")):
            return
        self.killed[name] = self.killed.get(name, 0) + 1
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
        elif dialect in ("mysql", "mariadb"):
            conn_id = session.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
            session.execute(sa.text(f"KILL {int(conn_id)}"))

__all__ = [
    "HOOKS",
    "ConnectionKillerMechanismDriver",
    "FaultyMechanismDriver",
    "LoggerMechanismDriver",
    "SecondLoggerMechanismDriver",
    "constants",
]
