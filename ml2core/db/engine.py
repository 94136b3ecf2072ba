"""Engines and transactions as ml2core needs them on each database.

- SQLite: foreign keys on, WAL with ``synchronous=FULL`` (a committed
  allocation survives a power cut), a busy timeout, and write transactions
  that begin ``IMMEDIATE`` (a deferred read-then-write transaction fails with
  "database is locked" whatever the busy timeout).
- MariaDB/MySQL: ml2core's sessions use READ COMMITTED (``INSERT IGNORE``
  deadlocks under REPEATABLE READ).
- PostgreSQL: READ COMMITTED, the server default.

An engine the embedding application passes is used through an
``execution_options`` copy, so these settings apply to ml2core's own
transactions only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from ml2core.db.errors import CommitUnknown, is_retryable, run_with_retries
from ml2core.exceptions import ConfigError, Ml2CoreError

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
_BEGIN_OPTION = "ml2core_sqlite_begin"


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with ml2core's per-database settings.

    Raises ConfigError for a URL SQLAlchemy cannot parse or has no driver for.
    """
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise ConfigError(option="[database] connection", entry=url, reason=str(exc)) from exc
    kwargs: dict[str, Any] = {"future": True}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if memory:
            kwargs["poolclass"] = StaticPool
    elif backend in ("mysql", "mariadb"):
        kwargs["pool_pre_ping"] = True
        kwargs["pool_recycle"] = 3600
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (sa.exc.ArgumentError, ImportError, sa.exc.NoSuchModuleError) as exc:
        raise ConfigError(option="[database] connection", entry=url, reason=str(exc)) from exc
    if backend == "sqlite":
        _install_sqlite_pragmas(engine, memory=memory)
    return engine


def _install_sqlite_pragmas(engine: Engine, *, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def prepare_engine(engine: Engine) -> Engine:
    """Return the copy of ``engine`` that ml2core runs its transactions on."""
    backend = engine.dialect.name
    if backend in ("mysql", "mariadb"):
        return engine.execution_options(isolation_level="READ COMMITTED")
    if backend != "sqlite":
        return engine
    ours = engine.execution_options()

    # pysqlite opens transactions itself, lazily and DEFERRED; take over so a
    # write transaction can say IMMEDIATE. The driver's own mode is restored
    # when the transaction ends, in case the engine is the embedder's.
    @event.listens_for(ours, "begin")
    def _begin(conn: sa.Connection) -> None:
        dbapi_conn = conn.connection.dbapi_connection
        assert dbapi_conn is not None
        info = conn.connection.info
        if "ml2core_fk" not in info:
            dbapi_conn.execute("PRAGMA foreign_keys=ON")
            info["ml2core_fk"] = True
        info["ml2core_saved_isolation"] = dbapi_conn.isolation_level
        dbapi_conn.isolation_level = None
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    def _restore(conn: sa.Connection) -> None:
        info = conn.connection.info
        if "ml2core_saved_isolation" in info:
            dbapi_conn = conn.connection.dbapi_connection
            if dbapi_conn is not None:
                dbapi_conn.isolation_level = info.pop("ml2core_saved_isolation")

    event.listen(ours, "commit", _restore)
    event.listen(ours, "rollback", _restore)
    return ours


class Database:
    """Sessions on one prepared engine: ``writer()`` and ``reader()`` transactions, run with retries."""

    def __init__(self, engine: Engine) -> None:
        self.raw_engine = engine
        self.engine = prepare_engine(engine)
        self.dialect = engine.dialect.name
        self._writer_engine = (
            self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
            if self.dialect == "sqlite"
            else self.engine
        )
        self._writer = sessionmaker(bind=self._writer_engine, expire_on_commit=False, autoflush=False)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=False)

    @contextlib.contextmanager
    def writer(self) -> Iterator[Session]:
        """A read-write transaction: commits on success, rolls back on any exception.

        A COMMIT that fails as a lost connection raises :class:`CommitUnknown`
        (its cause the database error): the server may have committed.
        """
        with self._writer() as session:
            transaction = session.begin()
            yield session
            session.flush()
            try:
                transaction.commit()
            except sa_exc.SQLAlchemyError as exc:
                if is_retryable(exc):
                    raise CommitUnknown() from exc
                raise

    @contextlib.contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only transaction (rolled back at the end)."""
        with self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    def adopt(self, exc: BaseException) -> sa_exc.DBAPIError | None:
        """The SQLAlchemy form of a driver exception SQLAlchemy let through unwrapped, else None.

        SQLAlchemy does not wrap what the driver raises while it sets up a
        pooled connection (MariaDB: the isolation level, on a connection
        killed at that moment); wrapped, the retry logic sees a lost
        connection like any other.
        """
        dialect = self.engine.dialect
        base: type[Exception] = dialect.loaded_dbapi.Error
        if not isinstance(exc, base):
            return None
        adopted = sa_exc.DBAPIError.instance(
            None,
            None,
            exc,
            base,
            connection_invalidated=dialect.is_disconnect(exc, None, None),  # type: ignore[arg-type]
            dialect=dialect,
        )
        return adopted if isinstance(adopted, sa_exc.DBAPIError) else None

    def run(
        self,
        fn: Callable[[], T],
        *,
        operation: str,
        max_retries: int,
        done: Callable[[T], bool] | None = None,
    ) -> T:
        """``fn`` with ml2core's retries (:func:`~ml2core.db.errors.run_with_retries`)."""
        return run_with_retries(
            self._adopting(fn),
            operation=operation,
            max_retries=max_retries,
            done=None if done is None else self._adopting(done),
        )

    def _adopting(self, fn: Callable[P, R]) -> Callable[P, R]:
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except (Ml2CoreError, sa_exc.SQLAlchemyError, CommitUnknown):
                raise
            except Exception as exc:
                adopted = self.adopt(exc)
                if adopted is None:
                    raise
                raise adopted from exc

        return call
