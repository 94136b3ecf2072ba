"""The transaction settings the allocator's safety rests on, per database.

SQLite: WAL with ``synchronous=FULL`` (a committed allocation survives a
power cut) and write transactions that take the write lock at BEGIN
(``IMMEDIATE``: a deferred read-then-write transaction fails with "database
is locked" whatever the busy timeout). MariaDB: READ COMMITTED (``INSERT
IGNORE`` deadlocks under REPEATABLE READ). PostgreSQL: READ COMMITTED.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ml2core.db.engine import Database, make_engine
from tests.conftest import SERVER_PARAMS


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    engine = make_engine(sqlite_url)
    yield Database(engine)
    engine.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    engine = make_engine(db_url)
    yield Database(engine)
    engine.dispose()


def _other_writer(url: str) -> sqlite3.Connection:
    """A plain connection of another process's kind, waiting at most 0.2 s for a lock."""
    return sqlite3.connect(sa.engine.make_url(url).database or "", timeout=0.2, isolation_level=None)


def test_sqlite_file_uses_wal(sqlite_db: Database) -> None:
    with sqlite_db.writer() as session:
        assert session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_sqlite_commits_are_fully_synchronous(sqlite_db: Database) -> None:
    with sqlite_db.writer() as session:
        assert session.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_sqlite_writer_holds_the_write_lock_from_begin(sqlite_db: Database, sqlite_url: str) -> None:
    other = _other_writer(sqlite_url)
    try:
        with sqlite_db.writer() as session:
            session.execute(sa.text("SELECT 1 FROM ml2core_segment_allocations")).all()  # reads only, so far
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


def test_sqlite_reader_does_not_block_writers(sqlite_db: Database, sqlite_url: str) -> None:
    other = _other_writer(sqlite_url)
    try:
        with sqlite_db.reader() as session:
            session.execute(sa.text("SELECT 1 FROM ml2core_segment_allocations")).all()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.parametrize("backend", SERVER_PARAMS, indirect=True)
def test_server_writer_runs_at_read_committed(db: Database) -> None:
    query = "SHOW transaction_isolation" if db.dialect == "postgresql" else "SELECT @@tx_isolation"
    with db.writer() as session:
        level = str(session.execute(sa.text(query)).scalar())
    assert level.replace("-", " ").lower() == "read committed"
