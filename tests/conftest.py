"""Shared fixtures: fresh databases on SQLite, PostgreSQL and MariaDB; plugins on them.

In CI (``CI=true``) an unreachable PostgreSQL or MariaDB server fails the
tests that need it; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from ml2core import Ml2Plugin
from ml2core.testing.config import make_conf
from tests import dbutil

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if dbutil.IN_CI else "dev"))

_reachable: dict[str, str | None] = {}


def require_backend(backend: str) -> None:
    """Skip (or, in CI, fail) when a database server is unreachable."""
    if backend == "sqlite":
        return
    if backend not in _reachable:
        _reachable[backend] = dbutil.server_reachable(backend)
    reason = _reachable[backend]
    if reason is not None:
        if dbutil.IN_CI:
            pytest.fail(f"database server unreachable in CI: {reason}")
        pytest.skip(f"database server unreachable: {reason}")


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dbutil.TemplateCache]:
    cache = dbutil.TemplateCache(str(tmp_path_factory.mktemp("templates")))
    yield cache
    cache.drop_all()


BACKEND_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.db_server),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.db_server),
]
SERVER_PARAMS = BACKEND_PARAMS[1:]


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    require_backend(name)
    return name


@pytest.fixture
def db_url(backend: str, template_cache: dbutil.TemplateCache, tmp_path: Any) -> Iterator[str]:
    """A fresh migrated database on each of the three backends."""
    with dbutil.fresh_database(backend, template_cache, str(tmp_path)) as url:
        yield url


@pytest.fixture
def sqlite_url(template_cache: dbutil.TemplateCache, tmp_path: Any) -> Iterator[str]:
    """A fresh migrated SQLite file (for tests whose subject is not the database)."""
    with dbutil.fresh_database("sqlite", template_cache, str(tmp_path)) as url:
        yield url


PluginFactory = Callable[..., Ml2Plugin]


def _factory(url: str) -> Iterator[PluginFactory]:
    plugins: list[Ml2Plugin] = []

    def make(**groups: dict[str, Any]) -> Ml2Plugin:
        plugin = Ml2Plugin(make_conf(**groups), db_url=url)
        plugins.append(plugin)
        return plugin

    yield make
    for plugin in plugins:
        plugin.close()


@pytest.fixture
def make_plugin(db_url: str) -> Iterator[PluginFactory]:
    """``make_plugin(ml2={...}, ml2_type_vlan={...})`` on the parametrized backend."""
    yield from _factory(db_url)


@pytest.fixture
def make_sqlite_plugin(sqlite_url: str) -> Iterator[PluginFactory]:
    """``make_plugin`` on SQLite only."""
    yield from _factory(sqlite_url)
