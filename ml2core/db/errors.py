"""Classification of database failures and the whole-operation retry.

ml2core retries a whole operation, in a fresh transaction, on a deadlock, a
serialization failure, a busy SQLite file, a lock wait that timed out, a
lost connection or a row that another transaction deleted under the
operation (``StaleDataError``: the fresh attempt then finds it gone and says
so), up to ``[database] max_retries`` times, then raises
:class:`RetryableError`. A statement that ran out of ``[database]
statement_timeout`` is not run again (it would take as long again): it
raises :class:`RetryableError` at once. Every other database failure
becomes :class:`DatabaseError`; the driver's exception is kept as
``__cause__``.

A connection lost while COMMIT was under way leaves the outcome unknown:
the server may have committed and only its answer was lost
(:class:`CommitUnknown`). Before it runs the operation again, the retry
asks the operation's ``done`` check whether that attempt's work is in the
database, and if it is, returns that attempt's result: a retry never
repeats committed work.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import sqlalchemy.exc as sa_exc
import sqlalchemy.orm.exc as orm_exc

from ml2core.exceptions import DatabaseError, Ml2CoreError, RetryableError

LOG = logging.getLogger(__name__)
T = TypeVar("T")

# MySQL/MariaDB error codes: deadlock, lock wait timeout (row locks and
# metadata locks alike), server gone, lost connection, connection killed,
# query interrupted, can't connect; and "SAVEPOINT does not exist" (1305):
# InnoDB rolls back the whole transaction on a deadlock, so a deadlock
# inside a savepoint surfaces as the failed ROLLBACK TO SAVEPOINT that
# follows it. 1969 (MariaDB) and 3024 (MySQL): the statement timeout.
_MYSQL_RETRYABLE = {1213, 1205, 2006, 2013, 2014, 2055, 1927, 1317, 2003, 4031, 1053, 1305, 1969, 3024}
_MYSQL_TIMEOUTS = {1969, 3024}
# PostgreSQL SQLSTATE: serialization failure, deadlock, lock not available
# (lock_timeout), query canceled (statement_timeout), admin shutdown, crash
# shutdown, cannot connect now, connection failures.
_PG_RETRYABLE_PREFIXES = ("40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "08")
_PG_TIMEOUTS = ("57014",)
# psycopg reports a failed connect without a SQLSTATE: these say the server
# is (for now) unreachable, as MySQL's 2003 does; a refused password does not.
_CANNOT_CONNECT = (
    "connection refused",
    "could not connect",
    "no route to host",
    "timeout expired",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
)


def _mysql_code(orig: BaseException) -> int | None:
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return None


def is_retryable(exc: BaseException) -> bool:
    """True for failures a fresh transaction may not hit again."""
    if isinstance(exc, orm_exc.StaleDataError):
        # A row read earlier in the transaction was deleted (or changed) by
        # a concurrent one before this one wrote it: a serialization
        # conflict the ORM detected. The next attempt reads the new state.
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        if orig is None:
            return False
        code = _mysql_code(orig)
        if code is not None and code in _MYSQL_RETRYABLE:
            return True
        sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_PG_RETRYABLE_PREFIXES):
            return True
        text = str(orig).lower()
        if "database is locked" in text or "database table is locked" in text:
            return True
        if isinstance(exc, sa_exc.OperationalError) and any(f in text for f in _CANNOT_CONNECT):
            return True
        if isinstance(exc, sa_exc.OperationalError) and (
            "server closed the connection" in text
            or ("connection" in text and ("lost" in text or "terminat" in text or "reset" in text))
        ):
            return True
    return isinstance(exc, sa_exc.DisconnectionError | sa_exc.TimeoutError)


class CommitUnknown(Exception):
    """COMMIT failed with a lost connection: the work may or may not be committed.

    ``__cause__`` is the database error; ``result`` what the attempt
    returned (set by the caller that knows it).
    """

    result: Any = None


def is_timeout(exc: BaseException) -> bool:
    """True for a statement that ran out of ``[database] statement_timeout`` (not worth running again)."""
    orig = getattr(exc, "orig", None)
    if not isinstance(exc, sa_exc.DBAPIError) or orig is None:
        return False
    code = _mysql_code(orig)
    if code is not None:
        return code in _MYSQL_TIMEOUTS
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_PG_TIMEOUTS)


def _reason(exc: BaseException) -> str:
    """One line, at most 500 characters (drivers' messages span several lines)."""
    text = " ".join(f"{type(exc).__name__}: {getattr(exc, 'orig', None) or exc}".split())
    return text if len(text) <= 500 else text[:497] + "..."


def wrap(exc: BaseException, operation: str) -> Ml2CoreError:
    """Turn a database driver exception into ml2core's (caller chains the cause)."""
    return DatabaseError(operation=operation, reason=_reason(exc))


def _took_effect(done: Callable[[T], bool] | None, unknown: CommitUnknown | None, operation: str) -> bool:
    """After a failure: did an earlier attempt whose commit was unknown take effect? (False if unsure.)"""
    if done is None or unknown is None:
        return False
    try:
        return done(unknown.result)
    except (sa_exc.SQLAlchemyError, Ml2CoreError):
        LOG.debug("%s: could not check the earlier attempt", operation, exc_info=True)
        return False


def run_with_retries(
    fn: Callable[[], T],
    *,
    operation: str,
    max_retries: int,
    done: Callable[[T], bool] | None = None,
) -> T:
    """Run ``fn`` (one whole transaction); retry transient database failures.

    ``fn`` must be safe to run again: it opens its own transaction, and the
    failed attempt's transaction was rolled back. ml2core exceptions raised
    by ``fn`` pass through; other database exceptions become DatabaseError.

    ``done(result)`` (in a transaction of its own) says whether the work of
    an attempt whose COMMIT lost its answer is in the database; if so, that
    attempt's result is returned instead of running ``fn`` again. It is
    asked before the next attempt and again if a later attempt fails (the
    earlier COMMIT may have landed meanwhile). Without ``done`` such an
    attempt is simply retried.
    """
    attempt = 0
    unknown: CommitUnknown | None = None
    while True:
        attempt += 1
        try:
            if unknown is not None and done is not None and done(unknown.result):
                LOG.info("%s: the commit whose answer was lost had taken effect", operation)
                return cast(T, unknown.result)
            return fn()
        except Ml2CoreError:
            if _took_effect(done, unknown, operation):
                return cast(T, unknown.result if unknown is not None else None)
            raise
        except CommitUnknown as exc:
            unknown = exc
            failure: BaseException = exc.__cause__ or exc
        except sa_exc.SQLAlchemyError as exc:
            if not is_retryable(exc):
                if _took_effect(done, unknown, operation):
                    return cast(T, unknown.result if unknown is not None else None)
                raise wrap(exc, operation) from exc
            failure = exc
        if is_timeout(failure) or attempt > max_retries:
            raise RetryableError(operation=operation, attempts=attempt, reason=_reason(failure)) from failure
        LOG.debug("retrying %s after %s (attempt %d)", operation, failure, attempt)
        # Jittered backoff so competing controllers do not collide again.
        time.sleep(min(0.5, 0.005 * 2**attempt) * random.random())
