"""Mechanism drivers for the reliability suite: pausing, holding and lock-ordering precommits.

They coordinate with the test through module-level state (the test and the
plugin run in one process): the test arms a pause or a plan, the driver
follows it inside the real transaction.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from oslo_config import cfg

from ml2core.api import MechanismDriver

HOOKS = [
    f"{action}_{resource}_{phase}"
    for resource in ("network", "subnet", "port")
    for action in ("create", "update", "delete")
    for phase in ("precommit", "postcommit")
]


# -- pause ---------------------------------------------------------------------------------


@dataclass
class Pause:
    """Armed for one hook: the driver sets ``arrived`` there and waits for ``resume``."""

    arrived: threading.Event = field(default_factory=threading.Event)
    resume: threading.Event = field(default_factory=threading.Event)
    times: int = 1
    timeout: float = 30.0


#: ``{hook: Pause}``; a test arms a hook, the ``pause`` driver stops there ``times`` times.
PAUSES: dict[str, Pause] = {}


class PauseMechanismDriver(MechanismDriver):
    """Stops in an armed hook (``PAUSES``) until the test lets it go: a window for a race."""

    def initialize(self) -> None:
        pass


def _make_pause(name: str) -> Any:
    def hook(self: PauseMechanismDriver, context: Any) -> None:
        pause = PAUSES.get(name)
        if pause is None or pause.times <= 0:
            return
        pause.times -= 1
        pause.arrived.set()
        pause.resume.wait(pause.timeout)

    hook.__name__ = name
    return hook


for _hook in HOOKS:
    setattr(PauseMechanismDriver, _hook, _make_pause(_hook))


# -- holder --------------------------------------------------------------------------------


@dataclass
class Hold:
    """One precommit holding its transaction open: where, on which server connection.

    The driver waits (``hold-*``) until the test sets ``release``.
    """

    hook: str
    name: str
    attempt: int
    backend_id: int
    release: threading.Event = field(default_factory=threading.Event)


class Holder:
    """What the ``holder`` driver shares with the test: a queue of holds, attempts per name."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holds: queue.Queue[Hold] = queue.Queue()
        self.attempts: dict[str, int] = {}
        #: Hooks that hold (all six when ``None``).
        self.hooks: set[str] | None = None
        self.timeout = 30.0

    def reset(self, hooks: set[str] | None = None) -> None:
        with self.lock:
            while not self.holds.empty():
                self.holds.get_nowait().release.set()
            self.attempts.clear()
            self.hooks = hooks

    def release_all(self) -> None:
        while not self.holds.empty():
            self.holds.get_nowait().release.set()


HOLDER = Holder()


def backend_id(session: Any) -> int:
    """The server's ID of this session's connection (what ``pg_terminate_backend`` / ``KILL`` take)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return int(session.execute(sa.text("SELECT pg_backend_pid()")).scalar())
    if dialect in ("mysql", "mariadb"):
        return int(session.execute(sa.text("SELECT CONNECTION_ID()")).scalar())
    return 0


class HoldingMechanismDriver(MechanismDriver):
    """Holds the transaction open in precommit for resources named ``hold-*`` or ``sleep-*``.

    ``hold-once-*`` / ``sleep-once-*`` hold on the first attempt only,
    ``hold-always-*`` / ``sleep-always-*`` on every attempt. ``hold-*``
    waits (in Python) until the test releases the hold; ``sleep-*`` runs a
    long server-side sleep, so that a kill interrupts a running statement.
    Each hold goes on ``HOLDER.holds`` with the server connection's ID, so
    the test can cut that connection from another one. Hooks: create,
    update and delete precommit of networks and ports (``HOLDER.hooks``
    narrows them).
    """

    def initialize(self) -> None:
        self.conf.register_opts([cfg.FloatOpt("sleep_seconds", default=20.0)], group="holder")

    def _hold(self, hook: str, context: Any) -> None:
        if HOLDER.hooks is not None and hook not in HOLDER.hooks:
            return
        name = str(context.current.get("name") or "")
        kind, _, rest = name.partition("-")
        if kind not in ("hold", "sleep") or not rest.startswith(("once-", "always-")):
            return
        session = context.plugin_context.session
        with HOLDER.lock:
            attempt = HOLDER.attempts.get(name, 0) + 1
            HOLDER.attempts[name] = attempt
        if rest.startswith("once-") and attempt > 1:
            return
        hold = Hold(hook, name, attempt, backend_id(session))
        HOLDER.holds.put(hold)
        if kind == "hold":
            hold.release.wait(HOLDER.timeout)
            return
        seconds = float(self.conf.holder.sleep_seconds)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("SELECT pg_sleep(:s)"), {"s": seconds})
        else:
            session.execute(sa.text("SELECT SLEEP(:s)"), {"s": seconds})

    def create_network_precommit(self, context: Any) -> None:
        self._hold("create_network_precommit", context)

    def update_network_precommit(self, context: Any) -> None:
        self._hold("update_network_precommit", context)

    def delete_network_precommit(self, context: Any) -> None:
        self._hold("delete_network_precommit", context)

    def create_port_precommit(self, context: Any) -> None:
        self._hold("create_port_precommit", context)

    def update_port_precommit(self, context: Any) -> None:
        self._hold("update_port_precommit", context)

    def delete_port_precommit(self, context: Any) -> None:
        self._hold("delete_port_precommit", context)


# -- lock order ----------------------------------------------------------------------------


class LockPlan:
    """What the ``lockorder`` driver shares with the test."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        #: ``{network name: (first network id, second network id)}``
        self.order: dict[str, tuple[str, str]] = {}
        self.barrier: threading.Barrier | None = None
        self.attempts: dict[str, int] = {}
        self.errors: list[str] = []
        #: Take the second lock inside a savepoint (as a driver using ``begin_nested`` would).
        self.savepoint = False

    def reset(self, parties: int = 2, *, savepoint: bool = False) -> None:
        with self.lock:
            self.order.clear()
            self.attempts.clear()
            self.errors.clear()
            self.barrier = threading.Barrier(parties)
            self.savepoint = savepoint


LOCK_PLAN = LockPlan()


class LockOrderMechanismDriver(MechanismDriver):
    """In ``update_network_precommit`` of a planned network: lock two network rows in the planned order.

    On the first attempt it waits at ``LOCK_PLAN.barrier`` between the two
    ``SELECT … FOR UPDATE``, so two such updates in opposite orders meet in
    a real deadlock; retries go straight through. With
    ``LOCK_PLAN.savepoint`` the second lock is taken inside a savepoint.
    """

    def initialize(self) -> None:
        pass

    def update_network_precommit(self, context: Any) -> None:
        name = context.current["name"]
        plan = LOCK_PLAN.order.get(name)
        if plan is None:
            return
        with LOCK_PLAN.lock:
            attempt = LOCK_PLAN.attempts.get(name, 0) + 1
            LOCK_PLAN.attempts[name] = attempt
        session = context.plugin_context.session
        lock = sa.text("SELECT id FROM ml2core_networks WHERE id = :id FOR UPDATE")
        session.execute(lock, {"id": plan[0]}).all()
        if attempt == 1 and LOCK_PLAN.barrier is not None:
            try:
                LOCK_PLAN.barrier.wait(10)
            except threading.BrokenBarrierError:
                LOCK_PLAN.errors.append(f"{name}: the other update never reached the barrier")
        if LOCK_PLAN.savepoint:
            with session.begin_nested():
                session.execute(lock, {"id": plan[1]}).all()
        else:
            session.execute(lock, {"id": plan[1]}).all()


__all__ = [
    "HOLDER",
    "HOOKS",
    "LOCK_PLAN",
    "PAUSES",
    "Hold",
    "HoldingMechanismDriver",
    "LockOrderMechanismDriver",
    "Pause",
    "PauseMechanismDriver",
    "backend_id",
]
