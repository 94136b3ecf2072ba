"""What every service of the plugin shares: config, database, managers, events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from oslo_config import cfg

from ml2core.config import Settings
from ml2core.context import Context
from ml2core.db.engine import Database
from ml2core.db.errors import run_with_retries
from ml2core.events import EventBus, EventPayload
from ml2core.managers.extension_manager import ExtensionManager
from ml2core.managers.mechanism_manager import MechanismManager
from ml2core.managers.type_manager import TypeManager

T = TypeVar("T")


@dataclass
class Core:
    conf: cfg.ConfigOpts
    settings: Settings
    db: Database
    types: TypeManager
    mechanisms: MechanismManager
    extensions: ExtensionManager
    events: EventBus
    trigger: Any = None

    def write(self, operation: str, ctx: Context, fn: Callable[[Context], T]) -> T:
        """Run ``fn`` in one read-write transaction, retried whole on transient failures.

        ``fn`` gets a copy of ``ctx`` whose ``session`` is the transaction's.
        """

        def attempt() -> T:
            with self.db.writer() as session:
                return fn(ctx.with_session(session))

        return run_with_retries(attempt, operation=operation, max_retries=self.settings.max_retries)

    def read(self, operation: str, ctx: Context, fn: Callable[[Context], T]) -> T:
        """Run ``fn`` in a read-only transaction (retried on transient failures)."""

        def attempt() -> T:
            with self.db.reader() as session:
                return fn(ctx.with_session(session))

        return run_with_retries(attempt, operation=operation, max_retries=self.settings.max_retries)

    def publish(
        self,
        resource: str,
        event: str,
        ctx: Context,
        resource_id: str,
        original: dict[str, Any] | None,
        current: dict[str, Any] | None,
        **metadata: Any,
    ) -> None:
        if self.events.has_subscribers(resource, event):
            payload = EventPayload(
                context=ctx.with_session(None),
                resource_id=resource_id,
                states=(original, current),
                metadata=metadata,
            )
            self.events.publish(resource, event, self.trigger, payload)
