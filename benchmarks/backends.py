"""The databases a benchmark runs on: an SQLite file, PostgreSQL, MariaDB.

Each measurement gets its own database (``Backend.database``), created empty
and dropped afterwards; SQLite files live in the run's work directory.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

DEFAULT_PG = os.environ.get("ML2CORE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEFAULT_MYSQL = os.environ.get("ML2CORE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/")
NAMES = ("sqlite", "postgresql", "mariadb")
_counter = itertools.count(1)


@dataclass(frozen=True)
class BenchDatabase:
    """One empty database: ``url`` for ml2core, ``path`` for an SQLite file."""

    backend: Backend
    name: str
    url: str
    path: Path | None

    def url_with_driver(self, driver: str) -> str:
        """This database's URL with another DBAPI driver (``postgresql+psycopg2``)."""
        return sa.engine.make_url(self.url).set(drivername=driver).render_as_string(hide_password=False)

    def size_bytes(self) -> int:
        """File size (SQLite, WAL included), ``pg_database_size``, or InnoDB data + index length."""
        if self.path is not None:
            return sum(
                p.stat().st_size
                for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-journal"))
                if p.exists()
            )
        return self.backend.server_size(self.name)


@dataclass(frozen=True)
class Backend:
    """``sqlite`` (``admin_url`` unused) or a server reached through ``admin_url``."""

    name: str
    admin_url: str = ""

    @property
    def is_server(self) -> bool:
        return self.name != "sqlite"

    def check(self) -> str | None:
        """``None`` if usable, else why not."""
        if not self.is_server:
            return None
        try:
            self._admin(["SELECT 1"])
        except Exception as exc:  # any driver error means unreachable
            return f"{self.name}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        return None

    def version(self) -> str:
        if not self.is_server:
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version}"
        engine = sa.create_engine(self.admin_url)
        try:
            with engine.connect() as conn:
                return str(conn.execute(sa.text("SELECT version()")).scalar())
        finally:
            engine.dispose()

    @contextlib.contextmanager
    def database(self, workdir: Path, label: str) -> Iterator[BenchDatabase]:
        """A fresh empty database for one measurement, dropped on exit."""
        name = f"ml2bench_{os.getpid()}_{next(_counter)}_{re.sub(r'[^a-z0-9]+', '_', label.lower())}"[:60]
        if not self.is_server:
            path = workdir / f"{name}.sqlite"
            try:
                yield BenchDatabase(self, name, f"sqlite:///{path}", path)
            finally:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        if self.name == "postgresql":
            self._admin([f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'])
        else:
            self._admin(
                [
                    f"DROP DATABASE IF EXISTS `{name}`",
                    f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4",
                ]
            )
        url = sa.engine.make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)
        try:
            yield BenchDatabase(self, name, url, None)
        finally:
            self.drop(name)

    def drop(self, name: str) -> None:
        if self.name == "postgresql":
            self._admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'])
        elif self.name == "mariadb":
            self._admin([f"DROP DATABASE IF EXISTS `{name}`"])

    def server_size(self, name: str) -> int:
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                if self.name == "postgresql":
                    return int(conn.execute(sa.text("SELECT pg_database_size(:n)"), {"n": name}).scalar_one())
                tables = [
                    str(r[0])
                    for r in conn.execute(
                        sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :n"),
                        {"n": name},
                    )
                ]
                if tables:  # refresh InnoDB's statistics so the lengths are current
                    conn.exec_driver_sql(
                        "ANALYZE TABLE " + ", ".join(f"`{name}`.`{t}`" for t in tables)
                    ).fetchall()
                return int(
                    conn.execute(
                        sa.text(
                            "SELECT COALESCE(SUM(data_length + index_length), 0) "
                            "FROM information_schema.tables WHERE table_schema = :n"
                        ),
                        {"n": name},
                    ).scalar_one()
                )
        finally:
            engine.dispose()

    def _admin(self, statements: list[str]) -> None:
        engine = sa.create_engine(
            self.admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
        )
        try:
            with engine.connect() as conn:
                for stmt in statements:
                    conn.execute(sa.text(stmt))
        finally:
            engine.dispose()


def make_backends(names: list[str], pg_url: str, mysql_url: str) -> list[Backend]:
    urls = {"sqlite": "", "postgresql": pg_url, "mariadb": mysql_url}
    unknown = [n for n in names if n not in urls]
    if unknown:
        raise SystemExit(f"unknown backend(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
    return [Backend(n, urls[n]) for n in names]
