"""Engines and transactions as ml2core needs them on each database.

- SQLite: foreign keys on, WAL with ``synchronous=FULL`` (a committed
  allocation survives a power cut), a busy timeout, and write transactions
  that begin ``IMMEDIATE`` (a deferred read-then-write transaction fails with
  "database is locked" whatever the busy timeout).
- MariaDB/MySQL: ml2core's sessions use READ COMMITTED (``INSERT IGNORE``
  deadlocks under REPEATABLE READ).
- PostgreSQL: READ COMMITTED, the server default.
- Everywhere: a lock timeout and a statement timeout on every connection of
  an engine ml2core makes (``[database] lock_timeout`` and
  ``statement_timeout``): nothing waits for a lock, or runs, unbounded.

An engine the embedding application passes is used through an
``execution_options`` copy, so these settings apply to ml2core's own
transactions only.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import warnings
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

#: Defaults of ``[database] lock_timeout`` and ``statement_timeout`` (seconds).
DEFAULT_LOCK_TIMEOUT = 5.0
DEFAULT_STATEMENT_TIMEOUT = 60.0
_BEGIN_OPTION = "ml2core_sqlite_begin"
_OPTION = "[database] connection"


def _shown(url: sa.engine.URL) -> str:
    return url.render_as_string(hide_password=True)


def make_engine(
    url: str,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> Engine:
    """Create an engine for ``url`` with ml2core's per-database settings.

    Every connection gets the lock and statement timeouts (seconds; a
    ``statement_timeout`` of 0 means none), see ``[database]
    lock_timeout``. Touches no database. Raises ConfigError naming
    ``[database] connection`` for a URL that is empty, that SQLAlchemy
    cannot parse or has no driver for, with a query argument the driver
    does not take, or for a SQLite file in a directory that does not exist.
    """
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(
            option=_OPTION,
            entry=url,
            reason="the URL is empty; give a SQLAlchemy URL such as sqlite:///ml2core.sqlite",
        )
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        reason = str(exc)
        if "://" not in url:
            # A bare file path: the commonest mistake.
            reason += f"; for a SQLite file write sqlite:///{os.path.abspath(url)}"
        raise ConfigError(option=_OPTION, entry=url, reason=reason) from exc
    kwargs: dict[str, Any] = {"future": True}
    backend = parsed.get_backend_name()
    memory = False
    if backend == "sqlite":
        memory = parsed.database in (None, "", ":memory:") or "mode=memory" in (parsed.database or "")
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": lock_timeout}
        if memory:
            kwargs["poolclass"] = StaticPool
        else:
            _check_sqlite_directory(parsed)
    elif backend in ("mysql", "mariadb"):
        kwargs["pool_pre_ping"] = True
        kwargs["pool_recycle"] = 3600
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
    try:
        with warnings.catch_warnings():
            # pysqlite drops query arguments it does not know, with a warning: refuse them instead.
            warnings.simplefilter("error", sa_exc.SAWarning)
            engine = sa.create_engine(parsed, **kwargs)
            _check_connect_arguments(engine)
    except (sa.exc.ArgumentError, ImportError, sa.exc.NoSuchModuleError, TypeError, sa_exc.SAWarning) as exc:
        reason = str(exc).split(" (Background on")[0].replace(" and are being ignored", "").strip()
        raise ConfigError(option=_OPTION, entry=_shown(parsed), reason=reason) from exc
    if backend == "sqlite":
        _install_sqlite_pragmas(engine, memory=memory, lock_timeout=lock_timeout)
    elif backend in ("mysql", "mariadb", "postgresql"):
        _install_timeouts(engine, lock_timeout=lock_timeout, statement_timeout=statement_timeout)
    return engine


def _check_sqlite_directory(url: sa.engine.URL) -> None:
    path = url.database or ""
    if path.startswith("file:"):
        return  # a URI (?uri=true): SQLite's own syntax
    full = os.path.abspath(path)
    directory = os.path.dirname(full)
    # SQLite's own "unable to open database file" names no file: say which, and why.
    reason = None
    if not os.path.isdir(directory):
        reason = f"unable to open database file: its directory {directory} does not exist"
    elif os.path.isdir(full):
        reason = f"unable to open database file {full}: it is a directory"
    elif os.path.exists(full) and not os.access(full, os.R_OK | os.W_OK):
        reason = f"unable to open database file {full}: no permission to read and write it"
    elif not os.path.exists(full) and not os.access(directory, os.W_OK | os.X_OK):
        reason = f"unable to create database file {full}: no permission to write to {directory}"
    if reason is not None:
        raise ConfigError(option=_OPTION, entry=_shown(url), reason=reason)


def _check_connect_arguments(engine: Engine) -> None:
    """ConfigError naming a URL query argument the driver would refuse (or SQLAlchemy drop)."""
    dialect = engine.dialect
    try:
        _args, cparams = dialect.create_connect_args(engine.url)
    except (sa_exc.ArgumentError, ValueError) as exc:
        raise ConfigError(option=_OPTION, entry=_shown(engine.url), reason=str(exc)) from exc
    connect = dialect.loaded_dbapi.connect
    try:
        signature = inspect.signature(connect)
    except (TypeError, ValueError):
        return
    named = {
        name
        for name, param in signature.parameters.items()
        if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY)
    }
    unknown = sorted(str(k) for k in cparams if k not in named)
    if not unknown:
        return
    takes_any = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
    if not takes_any:
        raise ConfigError(
            option=_OPTION,
            entry=_shown(engine.url),
            reason=f"query argument {unknown[0]!r} is not one the {dialect.driver} driver takes",
        )
    if dialect.driver == "psycopg":
        # psycopg hands other keywords to libpq, whose parser names the first it does not know.
        from psycopg import ProgrammingError
        from psycopg.conninfo import make_conninfo

        for name in unknown:
            try:
                make_conninfo("", **{name: cparams[name]})
            except ProgrammingError as exc:
                raise ConfigError(
                    option=_OPTION,
                    entry=_shown(engine.url),
                    reason=f"query argument {name!r} is not one the psycopg driver takes "
                    f"({str(exc).strip()})",
                ) from exc


def _install_sqlite_pragmas(engine: Engine, *, memory: bool, lock_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={max(1, round(lock_timeout * 1000))}")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def timeout_statements(
    dialect: str, server: str, *, lock_timeout: float, statement_timeout: float
) -> list[str]:
    """The SET statements giving a new connection ml2core's lock and statement timeouts."""
    if dialect == "postgresql":
        return [
            f"SET lock_timeout = {max(1, round(lock_timeout * 1000))}",
            f"SET statement_timeout = {round(statement_timeout * 1000)}",
        ]
    seconds = max(1, math.ceil(lock_timeout))
    statements = [f"SET SESSION innodb_lock_wait_timeout = {seconds}, SESSION lock_wait_timeout = {seconds}"]
    if "mariadb" in server.lower():
        statements.append(f"SET SESSION max_statement_time = {statement_timeout:g}")
    else:
        statements.append(f"SET SESSION max_execution_time = {round(statement_timeout * 1000)}")
    return statements


def _install_timeouts(engine: Engine, *, lock_timeout: float, statement_timeout: float) -> None:
    dialect = engine.dialect.name

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        server = ""
        if dialect != "postgresql":
            server = str(dbapi_conn.get_server_info())
        cursor = dbapi_conn.cursor()
        for statement in timeout_statements(
            dialect, server, lock_timeout=lock_timeout, statement_timeout=statement_timeout
        ):
            cursor.execute(statement)
        cursor.close()
        dbapi_conn.commit()


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
