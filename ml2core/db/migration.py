"""Schema migrations: alembic, ml2core's own history and version table.

The history has a root (branch label ``ml2core``) and two branches, as
Neutron's: ``expand`` (additive changes, safe while older controllers run)
and ``contract`` (removals, run only once every controller is upgraded).
``Ml2Plugin`` applies pending expand migrations when it starts; contract
migrations run only through ``ml2core db upgrade --contract``.

Upgrades run under a database lock (PostgreSQL advisory lock, MariaDB
``GET_LOCK``, an exclusive SQLite transaction) so many processes may start
at once on a fresh database.
"""

from __future__ import annotations

import contextlib
import io
import os
import zlib
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

VERSION_TABLE = "ml2core_alembic_version"
EXPAND = "expand"
CONTRACT = "contract"
_LOCK_NAME = "ml2core_migrate"
_PG_LOCK_KEY = zlib.crc32(_LOCK_NAME.encode())
_HERE = os.path.dirname(os.path.abspath(__file__))
_SCRIPTS = os.path.join(_HERE, "migrations")


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


def script_directory() -> ScriptDirectory:
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


def _applied(script: ScriptDirectory, current: set[str], target: str) -> bool:
    if target in current:
        return True
    for rev in current:
        for ancestor in script.iterate_revisions(rev, "base"):
            if ancestor is not None and ancestor.revision == target:
                return True
    return False


def pending(engine: Engine, *, contract: bool = False) -> list[str]:
    """Branch heads not yet applied (``expand``, and ``contract`` if asked)."""
    script = script_directory()
    current = current_revisions(engine)
    branches = [EXPAND, CONTRACT] if contract else [EXPAND]
    return [b for b in branches if not _applied(script, current, branch_head(b))]


@contextlib.contextmanager
def _locked(engine: Engine) -> Iterator[sa.Connection]:
    backend = engine.dialect.name
    if backend == "sqlite":
        # An exclusive transaction is the lock; the migration runs inside it.
        exclusive = engine.execution_options(ml2core_sqlite_begin="EXCLUSIVE")
        with exclusive.connect() as conn, conn.begin():
            yield conn
        return
    with engine.connect() as conn:
        if backend == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
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
    database costs one query and takes no lock.
    """
    if not pending(engine, contract=contract):
        return []
    with _locked(engine) as conn:
        # Another process may have migrated while this one waited.
        script = script_directory()
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        current = set(ctx.get_current_heads())
        todo = [
            b
            for b in ([EXPAND, CONTRACT] if contract else [EXPAND])
            if not _applied(script, current, branch_head(b))
        ]
        cfg = alembic_config(conn)
        for branch in todo:
            command.upgrade(cfg, f"{branch}@head")
        if conn.in_transaction() and engine.dialect.name != "sqlite":
            conn.commit()
    return todo
