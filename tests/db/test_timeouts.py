"""Bounded waits: ``[database] lock_timeout`` and ``statement_timeout`` on every database.

Another session holds a lock ml2core needs (PostgreSQL ``LOCK TABLE``,
MariaDB ``LOCK TABLES … WRITE``, a SQLite ``BEGIN EXCLUSIVE``); the call
waits ``lock_timeout`` per attempt, ``max_retries + 1`` times, then raises
``RetryableError`` and changes nothing. A statement running longer than
``statement_timeout`` is cancelled by the server and raises
``RetryableError`` at once, without running again.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from ml2core_testdrivers.reliability import HOLDER  # type: ignore[import-untyped]

from ml2core import Context, Ml2Plugin
from ml2core.db.engine import DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT
from ml2core.exceptions import RetryableError
from ml2core.testing import dump_tables, make_conf
from tests.conftest import SERVER_PARAMS

ADMIN = Context.admin()


@contextmanager
def table_locked(url: str, table: str) -> Iterator[None]:
    """Hold a lock on ``table`` (the whole file on SQLite) from a session of its own."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database or "", isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if parsed.get_backend_name() == "postgresql":
                conn.execute(sa.text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            else:
                conn.execute(sa.text(f"LOCK TABLES {table} WRITE"))
            try:
                yield
            finally:
                if parsed.get_backend_name() != "postgresql":
                    conn.execute(sa.text("UNLOCK TABLES"))
                conn.rollback()
    finally:
        engine.dispose()


def _timed(fn: Callable[[], Any], limit: float) -> tuple[float, BaseException | None, bool]:
    """Run ``fn`` in a thread for at most ``limit`` seconds: (elapsed, its error, still running)."""
    box: dict[str, BaseException] = {}

    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(limit)
    return time.monotonic() - start, box.get("error"), thread.is_alive()


def test_a_held_table_lock_ends_in_retryable_error_after_a_bounded_wait(db_url: str) -> None:
    plugin = Ml2Plugin(make_conf(database={"lock_timeout": 0.5, "max_retries": 2}), db_url=db_url)
    try:
        before = dump_tables(plugin.engine)
        with table_locked(db_url, "ml2core_networks"):
            elapsed, error, running = _timed(lambda: plugin.create_network(ADMIN, {"name": "n"}), 30)
            assert not running, "the call was still waiting for the lock after 30 s"
        assert isinstance(error, RetryableError), repr(error)
        assert error.kwargs["attempts"] == 3
        # Three waits of 0.5 s, and back-off; never the old 30 s (SQLite) or unbounded wait.
        assert 1.4 <= elapsed < 10, elapsed
        assert dump_tables(plugin.engine) == before
        assert plugin.create_network(ADMIN, {"name": "n"})["name"] == "n"
    finally:
        plugin.close()


def test_the_timeouts_have_defaults_on_every_connection(db_url: str) -> None:
    plugin = Ml2Plugin(make_conf(), db_url=db_url)
    try:
        with plugin.engine.connect() as conn:
            backend = conn.dialect.name
            if backend == "sqlite":
                busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                assert busy == DEFAULT_LOCK_TIMEOUT * 1000
            elif backend == "postgresql":
                assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == f"{DEFAULT_LOCK_TIMEOUT:g}s"
                statement = conn.exec_driver_sql("SHOW statement_timeout").scalar()
                assert statement == f"{DEFAULT_STATEMENT_TIMEOUT / 60:g}min"
            else:
                row = conn.exec_driver_sql(
                    "SELECT @@session.innodb_lock_wait_timeout, @@session.lock_wait_timeout, "
                    "@@session.max_statement_time"
                ).one()
                assert tuple(float(v) for v in row) == (
                    DEFAULT_LOCK_TIMEOUT,
                    DEFAULT_LOCK_TIMEOUT,
                    DEFAULT_STATEMENT_TIMEOUT,
                )
    finally:
        plugin.close()


@pytest.fixture
def _holder() -> Iterator[None]:
    HOLDER.reset({"create_network_precommit"})
    yield
    HOLDER.reset()


@pytest.mark.parametrize("backend", SERVER_PARAMS)
@pytest.mark.usefixtures("_holder")
def test_a_statement_past_statement_timeout_is_cancelled_and_not_run_again(db_url: str) -> None:
    conf = make_conf(
        ml2={"mechanism_drivers": ["holder"]},
        holder={"sleep_seconds": 30},
        database={"statement_timeout": 0.5, "max_retries": 5},
    )
    plugin = Ml2Plugin(conf, db_url=db_url)
    try:
        before = dump_tables(plugin.engine)
        elapsed, error, running = _timed(
            lambda: plugin.create_network(ADMIN, {"name": "sleep-always-slow"}), 30
        )
        assert not running, "the statement ran past its timeout"
        assert isinstance(error, RetryableError), repr(error)
        assert error.kwargs["attempts"] == 1 and HOLDER.attempts["sleep-always-slow"] == 1
        assert elapsed < 10, elapsed
        assert dump_tables(plugin.engine) == before
    finally:
        plugin.close()
