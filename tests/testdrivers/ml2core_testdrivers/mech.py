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


#: Tests may set this to a callable run inside every binding driver's
#: ``bind_port`` (to change the port meanwhile, count calls, ...).
BIND_HOOK: list[Any] = []


def _run_hook(driver: str, context: PortContext) -> None:
    for hook in list(BIND_HOOK):
        hook(driver, context)


class HierarchicalMechanismDriver(MechanismDriver):
    """A top-of-rack driver: binds VXLAN at level 0 by allocating a dynamic VLAN on ``[tor] physnet``."""

    def initialize(self) -> None:
        self.conf.register_opts([cfg.StrOpt("physnet", default="physnet1")], group="tor")

    @property
    def connectivity(self) -> str:
        return constants.CONNECTIVITY_L2

    def bind_port(self, context: PortContext) -> None:
        _run_hook(self.name, context)
        for segment in context.segments_to_bind:
            if segment["network_type"] == "vxlan":
                vlan = context.allocate_dynamic_segment(
                    {"network_type": "vlan", "physical_network": self.conf.tor.physnet}
                )
                context.continue_binding(segment["id"], [vlan])
                return
        context.decline("no VXLAN segment to bind")


class VlanBinderMechanismDriver(MechanismDriver):
    """Binds VLAN segments only (the level below a hierarchical driver)."""

    def initialize(self) -> None:
        pass

    @property
    def connectivity(self) -> str:
        return constants.CONNECTIVITY_L2

    def bind_port(self, context: PortContext) -> None:
        _run_hook(self.name, context)
        for segment in context.segments_to_bind:
            if segment["network_type"] == "vlan":
                context.set_binding(segment["id"], "ovs", {"vlan": str(segment["segmentation_id"])})
                return
        context.decline("binds VLAN segments only")


class ForeignSegmentMechanismDriver(MechanismDriver):
    """Tries to bind a segment it was not given."""

    def initialize(self) -> None:
        pass

    @property
    def connectivity(self) -> str:
        return constants.CONNECTIVITY_L2

    def bind_port(self, context: PortContext) -> None:
        context.set_binding("not-a-segment-of-this-port", "ovs", {})


class L3MechanismDriver(MechanismDriver):
    """Binds anything, but with l3 connectivity (so never ports without fixed IPs)."""

    def initialize(self) -> None:
        pass

    @property
    def connectivity(self) -> str:
        return constants.CONNECTIVITY_L3

    def bind_port(self, context: PortContext) -> None:
        context.set_binding(context.segments_to_bind[0]["id"], "other", {"l3": True})


class LoopingMechanismDriver(MechanismDriver):
    """Continues forever, each level to a new dynamic VLAN on physnet ``loop<level>``."""

    def initialize(self) -> None:
        pass

    @property
    def connectivity(self) -> str:
        return constants.CONNECTIVITY_L2

    def bind_port(self, context: PortContext) -> None:
        level = len(context.binding_levels)
        nxt = context.allocate_dynamic_segment({"network_type": "vlan", "physical_network": f"loop{level}"})
        context.continue_binding(context.segments_to_bind[0]["id"], [nxt])


class DeadEndMechanismDriver(MechanismDriver):
    """Allocates a dynamic GRE segment and continues, but nothing below binds it (backtracking)."""

    def initialize(self) -> None:
        pass

    @property
    def connectivity(self) -> str:
        return constants.CONNECTIVITY_L2

    def bind_port(self, context: PortContext) -> None:
        for segment in context.segments_to_bind:
            if segment["network_type"] == "vxlan":
                gre = context.allocate_dynamic_segment({"network_type": "gre"})
                context.continue_binding(segment["id"], [gre])
                return
        context.decline("dead end: nothing to do here")
