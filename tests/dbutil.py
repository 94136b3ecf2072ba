"""Test databases: SQLite files and PostgreSQL / MariaDB databases cloned from a template.

Each test gets a fresh database. Migrating costs a few hundred
milliseconds, so every worker migrates one template per backend once and
clones it: ``CREATE DATABASE … TEMPLATE`` on PostgreSQL, ``CREATE TABLE …
LIKE`` on MariaDB, a file copy on SQLite.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ml2core.db import migration
from ml2core.db.engine import make_engine, prepare_engine

PG_ADMIN = os.environ.get("ML2CORE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MY_ADMIN = os.environ.get("ML2CORE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ("sqlite", "postgresql", "mariadb")


def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def server_reachable(backend: str) -> str | None:
    """None if the server answers, else the reason."""
    url = PG_ADMIN if backend == "postgresql" else MY_ADMIN
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any driver error means unreachable
        return f"{backend} at {engine.url.render_as_string(hide_password=True)}: {exc}"
    finally:
        engine.dispose()
    return None


def _base_url(backend: str, dbname: str) -> str:
    if backend == "postgresql":
        return str(sa.engine.make_url(PG_ADMIN).set(database=dbname).render_as_string(hide_password=False))
    return str(sa.engine.make_url(MY_ADMIN).set(database=dbname).render_as_string(hide_password=False))


def _admin_exec(backend: str, *statements: str) -> None:
    url = PG_ADMIN if backend == "postgresql" else MY_ADMIN
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for stmt in statements:
                conn.execute(sa.text(stmt))
    finally:
        engine.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        migration.upgrade(prepare_engine(engine), contract=True)
    finally:
        engine.dispose()


class TemplateCache:
    """One migrated template per backend and worker."""

    def __init__(self, tmpdir: str) -> None:
        self.tmpdir = tmpdir
        self.ready: dict[str, str] = {}

    def template(self, backend: str) -> str:
        if backend in self.ready:
            return self.ready[backend]
        name = f"ml2t_tmpl_{worker()}_{os.getpid()}"
        if backend == "sqlite":
            path = os.path.join(self.tmpdir, f"{name}.sqlite")
            _migrate(f"sqlite:///{path}")
            # Fold the WAL into the main file so a plain copy is complete.
            engine = sa.create_engine(f"sqlite:///{path}")
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
            engine.dispose()
            self.ready[backend] = path
            return path
        if backend == "postgresql":
            _admin_exec(backend, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        else:
            _admin_exec(
                backend,
                f"DROP DATABASE IF EXISTS `{name}`",
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4",
            )
        _migrate(_base_url(backend, name))
        self.ready[backend] = name
        return name

    def drop_all(self) -> None:
        dropper.flush()
        for backend, name in self.ready.items():
            if backend == "postgresql":
                _admin_exec(backend, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            elif backend == "mariadb":
                _admin_exec(backend, f"DROP DATABASE IF EXISTS `{name}`")
        self.ready.clear()


_mysql_ddl: dict[str, list[str]] = {}


def _mysql_clone(template: str, name: str) -> None:
    """Replay the template's ``SHOW CREATE TABLE`` statements (foreign keys included)."""
    engine = sa.create_engine(MY_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if template not in _mysql_ddl:
                tables = [
                    r[0]
                    for r in conn.execute(
                        sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                        {"s": template},
                    )
                ]
                _mysql_ddl[template] = [
                    conn.execute(sa.text(f"SHOW CREATE TABLE `{template}`.`{t}`")).one()[1] for t in tables
                ]
            conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            conn.execute(sa.text(f"USE `{name}`"))
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS=0"))
            for ddl in _mysql_ddl[template]:
                conn.execute(sa.text(ddl))
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS=1"))
            conn.execute(
                sa.text(
                    f"INSERT INTO `{name}`.`{migration.VERSION_TABLE}` "
                    f"SELECT * FROM `{template}`.`{migration.VERSION_TABLE}`"
                )
            )
    finally:
        engine.dispose()


class _Dropper:
    """Drops server databases in a background thread so teardown does not wait."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def drop(self, backend: str, name: str) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        self._queue.put((backend, name))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            backend, name = item
            try:
                if backend == "postgresql":
                    _admin_exec(backend, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                else:
                    _admin_exec(backend, f"DROP DATABASE IF EXISTS `{name}`")
            except Exception:  # a leftover test database is harmless
                pass

    def flush(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(120)
            self._thread = None


dropper = _Dropper()


@contextmanager
def fresh_database(backend: str, cache: TemplateCache, tmpdir: str) -> Iterator[str]:
    """Yield the URL of a new migrated database; drop it afterwards."""
    template = cache.template(backend)
    name = f"ml2t_{worker()}_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        path = os.path.join(tmpdir, f"{name}.sqlite")
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    if backend == "postgresql":
        _admin_exec(backend, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        try:
            yield _base_url(backend, name)
        finally:
            dropper.drop(backend, name)
        return
    _mysql_clone(template, name)
    try:
        yield _base_url(backend, name) + "?charset=utf8mb4"
    finally:
        dropper.drop(backend, name)


@contextmanager
def empty_database(backend: str, tmpdir: str) -> Iterator[str]:
    """Yield the URL of a new, empty (unmigrated) database; drop it afterwards."""
    name = f"ml2t_{worker()}_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        yield f"sqlite:///{os.path.join(tmpdir, name + '.sqlite')}"
        return
    if backend == "postgresql":
        _admin_exec(backend, f'CREATE DATABASE "{name}"')
        try:
            yield _base_url(backend, name)
        finally:
            _admin_exec(backend, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    _admin_exec(backend, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield _base_url(backend, name) + "?charset=utf8mb4"
    finally:
        _admin_exec(backend, f"DROP DATABASE IF EXISTS `{name}`")
