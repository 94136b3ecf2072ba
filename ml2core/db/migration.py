"""Schema migrations: alembic, ml2core's own history and version table.

The history has a root (branch label ``ml2core``) and two branches, as
Neutron's: ``expand`` (additive changes, safe while older controllers run)
and ``contract`` (removals, run only once every controller is upgraded).
``Ml2Plugin`` applies pending expand migrations when it starts; contract
migrations run only through ``ml2core db upgrade --contract``.

Upgrades run under a database lock (PostgreSQL advisory lock, MariaDB
``GET_LOCK``, an exclusive SQLite transaction) so many processes may start
at once on a fresh database.

During a rolling upgrade an older ml2core meets revisions it does not
know. Revision IDs say their branch and order (``e0002_…`` is the second
expand revision, ``c0002_…`` the second contract one; a test keeps every
revision to that form), so :func:`inspect` can tell a newer expand
revision (additive: tolerated) from a newer contract revision (it may have
removed what this version uses: refused) without the newer code.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from ml2core.exceptions import DatabaseError

VERSION_TABLE = "ml2core_alembic_version"
EXPAND = "expand"
CONTRACT = "contract"
_LOCK_NAME = "ml2core_migrate"
_PG_LOCK_KEY = zlib.crc32(_LOCK_NAME.encode())
_HERE = os.path.dirname(os.path.abspath(__file__))
_SCRIPTS = os.path.join(_HERE, "migrations")
#: The form of every revision ID but the root: branch letter, number, name.
REVISION_ID = re.compile(r"^(?P<branch>[ec])(?P<number>[0-9]{4})_[a-z0-9_]+$")
_BRANCH_OF = {"e": EXPAND, "c": CONTRACT}


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An alembic Config for ml2core's history (no ini file needed)."""
    cfg = Config(stdout=io.StringIO())
    cfg.set_main_option("script_location", _SCRIPTS)
    versions = os.path.join(_SCRIPTS, "versions")
    cfg.set_main_option(
        "version_locations",
        " ".join([versions, os.path.join(versions, EXPAND), os.path.join(versions, CONTRACT)]),
    )
    cfg.set_main_option("path_separator", "space")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def script_directory() -> ScriptDirectory:
    """ml2core's migration scripts (read once per process)."""
    return ScriptDirectory.from_config(alembic_config())


def branch_head(branch: str) -> str:
    """The newest revision of ``branch`` (``expand`` or ``contract``)."""
    head = script_directory().get_revision(f"{branch}@head")
    assert head is not None
    return str(head.revision)


def current_revisions(engine: Engine) -> set[str]:
    """The revisions recorded in the database (empty when never migrated)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        heads = set(ctx.get_current_heads())
        conn.rollback()
    return heads


def _applied(script: ScriptDirectory, current: Iterable[str], target: str) -> bool:
    current = set(current)
    if target in current:
        return True
    for rev in current:
        for ancestor in script.iterate_revisions(rev, "base"):
            if ancestor is not None and ancestor.revision == target:
                return True
    return False


def _number(revision: str) -> int:
    match = REVISION_ID.match(revision)
    assert match is not None, revision
    return int(match["number"])


@dataclass(frozen=True)
class Revisions:
    """The revisions a database records, as this ml2core sees them (see :func:`inspect`)."""

    #: Revisions in this ml2core's history.
    known: frozenset[str]
    #: Expand revisions newer than this ml2core's expand head: additive, so tolerated.
    newer_expand: tuple[str, ...] = ()
    #: Contract revisions newer than this ml2core's contract head: refused.
    newer_contract: tuple[str, ...] = ()
    #: Revisions neither in this history nor recognisably newer (another fork): refused.
    foreign: tuple[str, ...] = ()

    def pending(self, *, contract: bool = False) -> list[str]:
        """Branches whose head is not applied (``expand``, and ``contract`` if asked)."""
        script = script_directory()
        todo = []
        for branch in [EXPAND, CONTRACT] if contract else [EXPAND]:
            newer = self.newer_expand if branch == EXPAND else self.newer_contract
            if not newer and not _applied(script, self.known, branch_head(branch)):
                todo.append(branch)
        return todo

    def refusal(self) -> str | None:
        """Why this ml2core must not run on the schema (one line), or None."""
        if self.newer_contract:
            return (
                f"the database has contract revision {', '.join(self.newer_contract)}, newer than this "
                f"ml2core knows (its contract head is {branch_head(CONTRACT)}); a contract migration may "
                "remove what this version uses: upgrade ml2core here to the version that applied it"
            )
        if self.foreign:
            return (
                f"the database has revision {', '.join(self.foreign)}, which is not in this ml2core's "
                f"history (expand head {branch_head(EXPAND)}, contract head {branch_head(CONTRACT)}): "
                "the schema was made by another ml2core; run the version that made it"
            )
        return None

    def tolerance(self) -> str | None:
        """One line saying that newer expand revisions are tolerated, or None."""
        if not self.newer_expand:
            return None
        return (
            f"the database has expand revision {', '.join(self.newer_expand)}, newer than this ml2core "
            f"(expand head {branch_head(EXPAND)}): running beside newer controllers, as in a rolling "
            "upgrade; upgrade this host too"
        )


def classify(current: Iterable[str]) -> Revisions:
    """Sort recorded revisions into known, newer expand, newer contract and foreign ones."""
    ours = all_revisions()
    known: set[str] = set()
    newer_expand: list[str] = []
    newer_contract: list[str] = []
    foreign: list[str] = []
    for revision in sorted(current):
        if revision in ours:
            known.add(revision)
            continue
        match = REVISION_ID.match(revision)
        if match is None:
            foreign.append(revision)
            continue
        branch = _BRANCH_OF[match["branch"]]
        if int(match["number"]) <= _number(branch_head(branch)):
            foreign.append(revision)
        elif branch == EXPAND:
            newer_expand.append(revision)
        else:
            newer_contract.append(revision)
    return Revisions(frozenset(known), tuple(newer_expand), tuple(newer_contract), tuple(foreign))


def all_revisions() -> set[str]:
    """Every revision ID of this ml2core's history."""
    return {r.revision for r in script_directory().walk_revisions()}


def inspect(engine: Engine) -> Revisions:
    """The database's revisions, classified (one query)."""
    return classify(current_revisions(engine))


def pending(engine: Engine, *, contract: bool = False) -> list[str]:
    """Branch heads not yet applied (``expand``, and ``contract`` if asked).

    A newer expand (contract) revision counts as its branch applied: each
    branch is a line, so it descends from this ml2core's head.
    """
    return inspect(engine).pending(contract=contract)


def check(revisions: Revisions, *, contract: bool = False, operation: str = "the schema check") -> None:
    """Raise DatabaseError (one line) if this ml2core must not run on, or migrate, the schema.

    ``contract``: also refuse when contract migrations are asked for but
    cannot run here (a newer expand revision: alembic cannot place it).
    """
    reason = revisions.refusal()
    if (
        reason is None
        and contract
        and revisions.newer_expand
        and CONTRACT in revisions.pending(contract=True)
    ):
        reason = (
            f"the database has expand revision {', '.join(revisions.newer_expand)}, newer than this "
            "ml2core: run the contract migrations with the ml2core that applied it"
        )
    if reason is not None:
        raise DatabaseError(operation=operation, reason=reason)


def _statement_timeout_variable(conn: sa.Connection) -> str:
    if conn.dialect.name == "postgresql":
        return "statement_timeout"
    return "max_statement_time" if getattr(conn.dialect, "is_mariadb", False) else "max_execution_time"


@contextlib.contextmanager
def _no_statement_timeout(conn: sa.Connection) -> Iterator[None]:
    """No ``[database] statement_timeout`` while migrating (DDL on a big table, a wait for the lock).

    Lock timeouts stay: DDL that waits for a lock blocks every statement
    queued behind it, so it should rather fail (start-up retries it).
    """
    if conn.dialect.name not in ("postgresql", "mysql", "mariadb"):
        yield
        return
    variable = _statement_timeout_variable(conn)
    if conn.dialect.name == "postgresql":
        saved = conn.execute(sa.text("SELECT current_setting('statement_timeout')")).scalar()
        conn.execute(sa.text("SET statement_timeout = 0"))
        conn.commit()
        try:
            yield
        finally:
            conn.rollback()
            conn.execute(sa.text("SELECT set_config('statement_timeout', :v, false)"), {"v": saved})
            conn.commit()
        return
    saved = conn.execute(sa.text(f"SELECT @@session.{variable}")).scalar()
    conn.execute(sa.text(f"SET SESSION {variable} = 0"))
    try:
        yield
    finally:
        conn.rollback()
        conn.execute(sa.text(f"SET SESSION {variable} = :v"), {"v": saved})


@contextlib.contextmanager
def _locked(engine: Engine) -> Iterator[sa.Connection]:
    backend = engine.dialect.name
    if backend == "sqlite":
        # An exclusive transaction is the lock; the migration runs inside it.
        exclusive = engine.execution_options(ml2core_sqlite_begin="EXCLUSIVE")
        with exclusive.connect() as conn, conn.begin():
            yield conn
        return
    with engine.connect() as conn, _no_statement_timeout(conn):
        if backend == "postgresql":
            # Wait for another process's migration however long it takes (not lock_timeout).
            saved = conn.execute(sa.text("SELECT current_setting('lock_timeout')")).scalar()
            conn.execute(sa.text("SET lock_timeout = 0"))
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            conn.execute(sa.text("SELECT set_config('lock_timeout', :v, false)"), {"v": saved})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
        elif backend in ("mysql", "mariadb"):
            got = conn.execute(sa.text("SELECT GET_LOCK(:n, 600)"), {"n": _LOCK_NAME}).scalar()
            conn.commit()
            if got != 1:
                raise RuntimeError("could not take the ml2core migration lock within 600 s")
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": _LOCK_NAME})
                conn.commit()
        else:
            yield conn


def upgrade(engine: Engine, *, contract: bool = False) -> list[str]:
    """Apply pending migrations (expand; contract too if asked) under the lock.

    ``engine`` must be prepared by :func:`ml2core.db.engine.prepare_engine`
    for SQLite. Returns the branches that were applied; an up-to-date
    database costs one query and takes no lock. Raises DatabaseError (one
    line) for a schema :func:`check` refuses; newer expand revisions are
    left alone (their branch counts as applied).
    """
    revisions = inspect(engine)
    check(revisions, contract=contract)
    if not revisions.pending(contract=contract):
        return []
    with _locked(engine) as conn:
        # Another process may have migrated while this one waited.
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        revisions = classify(ctx.get_current_heads())
        check(revisions, contract=contract)
        todo = revisions.pending(contract=contract)
        cfg = alembic_config(conn)
        for branch in todo:
            command.upgrade(cfg, f"{branch}@head")
        if conn.in_transaction() and engine.dialect.name != "sqlite":
            conn.commit()
    return todo
