"""What every service of the plugin shares: config, database, managers, events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from oslo_config import cfg

from ml2core.config import Settings
from ml2core.context import Context
from ml2core.db.engine import Database
from ml2core.db.errors import CommitUnknown
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

    def write(
        self,
        operation: str,
        ctx: Context,
        fn: Callable[[Context], T],
        *,
        done: Callable[[Context, T], bool] | None = None,
    ) -> T:
        """Run ``fn`` in one read-write transaction, retried whole on transient failures.

        ``fn`` gets a copy of ``ctx`` whose ``session`` is the transaction's.
        ``done(ctx, result)`` (in a read transaction, ``ctx.session`` set)
        says whether an attempt whose COMMIT lost its answer did commit, from
        what that attempt returned; then that result is returned and ``fn``
        does not run again. Without it such an attempt is run again.
        """

        def attempt() -> T:
            try:
                with self.db.writer() as session:
                    result = fn(ctx.with_session(session))
            except CommitUnknown as exc:
                exc.result = result  # fn returned: only its COMMIT failed
                raise
            return result

        def landed(result: T) -> bool:
            assert done is not None
            with self.db.reader() as session:
                return done(ctx.with_session(session), result)

        return self.db.run(
            attempt,
            operation=operation,
            max_retries=self.settings.max_retries,
            done=landed if done is not None else None,
        )

    def read(self, operation: str, ctx: Context, fn: Callable[[Context], T]) -> T:
        """Run ``fn`` in a read-only transaction (retried on transient failures)."""

        def attempt() -> T:
            with self.db.reader() as session:
                return fn(ctx.with_session(session))

        return self.db.run(attempt, operation=operation, max_retries=self.settings.max_retries)

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


#: Keys a view may render differently after a round trip (MariaDB keeps whole seconds).
_TIMESTAMPS = ("created_at", "updated_at", "started_at", "heartbeat_timestamp")


def row_exists(model: type[Any], key: str) -> Callable[[Context, object], bool]:
    """A ``done`` check for a create: the row with primary key ``key`` is there."""

    def done(ctx: Context, _result: object) -> bool:
        assert ctx.session is not None
        return ctx.session.get(model, key) is not None

    return done


def row_gone(model: type[Any], key: str) -> Callable[[Context, object], bool]:
    """A ``done`` check for a delete: the row with primary key ``key`` is not there any more."""

    def done(ctx: Context, _result: object) -> bool:
        assert ctx.session is not None
        return ctx.session.get(model, key) is None

    return done


def same_view(stored: dict[str, Any], written: dict[str, Any]) -> bool:
    """Whether a resource as read back is the one an attempt wrote (timestamps aside)."""

    def plain(view: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in view.items() if k not in _TIMESTAMPS}

    return plain(stored) == plain(written)
