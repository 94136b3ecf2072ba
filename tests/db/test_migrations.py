"""Schema migrations on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ml2core import Ml2Plugin
from ml2core.db import migration
from ml2core.db.engine import make_engine, prepare_engine
from ml2core.db.models import Base
from ml2core.exceptions import DatabaseError
from ml2core.testing.config import make_conf
from tests import dbutil


@pytest.fixture
def empty_url(backend: str, tmp_path: os.PathLike[str]) -> Iterator[str]:
    with dbutil.empty_database(backend, str(tmp_path)) as url:
        yield url


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    # ml2core's own version table is not a model.
    return [d for d in diffs if not (d[0] == "remove_table" and d[1].name == migration.VERSION_TABLE)]


def test_models_and_migrations_agree(empty_url: str) -> None:
    engine = prepare_engine(make_engine(empty_url))
    try:
        assert migration.upgrade(engine, contract=True) == ["expand", "contract"]
    finally:
        engine.dispose()
    assert _diff(empty_url) == []


def test_upgrading_twice_is_a_no_op(empty_url: str) -> None:
    engine = prepare_engine(make_engine(empty_url))
    try:
        migration.upgrade(engine, contract=True)
        before = migration.current_revisions(engine)
        assert migration.upgrade(engine, contract=True) == []
        assert migration.current_revisions(engine) == before
    finally:
        engine.dispose()


def test_plugin_applies_expand_only(empty_url: str) -> None:
    Ml2Plugin(make_conf(), db_url=empty_url).close()
    engine = make_engine(empty_url)
    try:
        assert migration.current_revisions(engine) == {migration.branch_head("expand")}
        assert migration.pending(prepare_engine(engine), contract=True) == ["contract"]
    finally:
        engine.dispose()


def test_auto_migrate_false_refuses_an_unmigrated_database(empty_url: str) -> None:
    with pytest.raises(DatabaseError, match="ml2core db upgrade"):
        Ml2Plugin(make_conf(database={"auto_migrate": False}), db_url=empty_url)


def test_version_table_is_ml2cores_own(empty_url: str) -> None:
    Ml2Plugin(make_conf(), db_url=empty_url).close()
    engine = make_engine(empty_url)
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert migration.VERSION_TABLE in names
    assert "alembic_version" not in names
    assert all(n.startswith("ml2core_") for n in names)


def _start_plugin(url: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        plugin = Ml2Plugin(make_conf(), db_url=url)
        plugin.close()
        queue.put("ok")
    except BaseException as exc:  # report anything to the parent
        queue.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.slow
def test_many_processes_start_at_once_on_a_fresh_database(empty_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_start_plugin, args=(empty_url, queue)) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    results = [queue.get(timeout=5) for _ in procs]
    assert results == ["ok"] * 4
    assert _diff(empty_url) == []
