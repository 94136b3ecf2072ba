"""Classification of database failures and the whole-operation retry.

ml2core retries a whole operation, in a fresh transaction, on a deadlock, a
serialization failure, a busy SQLite file, a lost connection or a row that
another transaction deleted under the operation (``StaleDataError``: the
fresh attempt then finds it gone and says so), up to
``[database] max_retries`` times, then raises :class:`RetryableError`. Every
other database failure becomes :class:`DatabaseError`; the driver's exception
is kept as ``__cause__``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy.exc as sa_exc
import sqlalchemy.orm.exc as orm_exc

from ml2core.exceptions import DatabaseError, Ml2CoreError, RetryableError

LOG = logging.getLogger(__name__)
T = TypeVar("T")

# MySQL/MariaDB error codes: deadlock, lock wait timeout, server gone, lost
# connection, connection killed, query interrupted, can't connect; and
# "SAVEPOINT does not exist" (1305): InnoDB rolls back the whole transaction
# on a deadlock, so a deadlock inside a savepoint surfaces as the failed
# ROLLBACK TO SAVEPOINT that follows it.
_MYSQL_RETRYABLE = {1213, 1205, 2006, 2013, 2014, 2055, 1927, 1317, 2003, 4031, 1053, 1305}
# PostgreSQL SQLSTATE: serialization failure, deadlock, admin shutdown,
# crash shutdown, cannot connect now, connection failures.
_PG_RETRYABLE_PREFIXES = ("40001", "40P01", "57P01", "57P02", "57P03", "08")


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
        if isinstance(exc, sa_exc.OperationalError) and (
            "server closed the connection" in text
            or ("connection" in text and ("lost" in text or "terminat" in text or "reset" in text))
        ):
            return True
    return isinstance(exc, sa_exc.DisconnectionError | sa_exc.TimeoutError)


def wrap(exc: BaseException, operation: str) -> Ml2CoreError:
    """Turn a database driver exception into ml2core's (caller chains the cause)."""
    reason = f"{type(exc).__name__}: {getattr(exc, 'orig', None) or exc}"
    if len(reason) > 500:
        reason = reason[:497] + "..."
    return DatabaseError(operation=operation, reason=reason)


def run_with_retries(fn: Callable[[], T], *, operation: str, max_retries: int) -> T:
    """Run ``fn`` (one whole transaction); retry transient database failures.

    ``fn`` must be safe to run again: it opens its own transaction, and the
    failed attempt's transaction was rolled back. ml2core exceptions raised
    by ``fn`` pass through; other database exceptions become DatabaseError.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except Ml2CoreError:
            raise
        except sa_exc.SQLAlchemyError as exc:
            if not is_retryable(exc):
                raise wrap(exc, operation) from exc
            if attempt > max_retries:
                raise RetryableError(
                    operation=operation,
                    attempts=attempt,
                    reason=f"{type(exc).__name__}: {getattr(exc, 'orig', None) or exc}"[:500],
                ) from exc
            LOG.debug("retrying %s after %s (attempt %d)", operation, exc, attempt)
            # Jittered backoff so competing controllers do not collide again.
            time.sleep(min(0.5, 0.005 * 2**attempt) * random.random())
