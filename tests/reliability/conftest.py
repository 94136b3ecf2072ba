"""Shared pieces of the reliability suite: figures, a migrated database, multi-process runs.

Each test records its figures (operations held, faults survived, inputs
tried) with the ``figures`` fixture: printed at once (``pytest -s``) and
again in one block at the end of the run ("reliability figures"), also
under xdist, since they travel as the report's ``user_properties``.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ml2core import Ml2Plugin
from ml2core.testing import make_conf
from tests import dbutil
from tests.conftest import require_backend
from tests.reliability import consistency

FIGURES_KEY = "reliability"

Figures = Callable[[str], None]


@pytest.fixture
def figures(record_property: Callable[[str, object], None]) -> Figures:
    """``figures("sqlite: 2000 operations held, 48 ops/s")``: print and keep for the summary."""

    def note(line: str) -> None:
        print(f"\n[reliability] {line}")
        record_property(FIGURES_KEY, line)

    return note


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = []
    for key in ("passed", "failed"):
        for report in terminalreporter.stats.get(key, []):
            for name, value in getattr(report, "user_properties", []):
                if name == FIGURES_KEY:
                    lines.append(f"{report.nodeid.split('::')[-1]}: {value}")
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def server_database(template_cache: dbutil.TemplateCache, tmp_path: Any) -> Iterator[Callable[[str], str]]:
    """``server_database(backend)``: the URL of a fresh migrated database on that backend."""
    stack: list[Any] = []

    def make(backend: str) -> str:
        require_backend(backend)
        cm = dbutil.fresh_database(backend, template_cache, str(tmp_path))
        url: str = cm.__enter__()
        stack.append(cm)
        return url

    yield make
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


@pytest.fixture
def plugins() -> Iterator[Callable[..., Ml2Plugin]]:
    """``plugins(url, **groups)``: an ``Ml2Plugin`` closed after the test."""
    made: list[Ml2Plugin] = []

    def make(url: str, **groups: dict[str, Any]) -> Ml2Plugin:
        plugin = Ml2Plugin(make_conf(**groups), db_url=url)
        made.append(plugin)
        return plugin

    yield make
    for plugin in made:
        plugin.close()


def run_processes(
    count: int, target: Callable[..., None], args_for: Callable[[int], tuple[Any, ...]], timeout: float = 300
) -> tuple[list[dict[str, Any]], float]:
    """Start ``count`` spawned children on ``target``, released together by a barrier.

    Each child gets ``(*args_for(i), barrier, results, i)`` and puts one
    report on ``results``. Returns the reports and the wall time from the
    barrier to the last report.
    """
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(count + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args_for(i), barrier, results, i)) for i in range(count)]
    for p in procs:
        p.start()
    try:
        barrier.wait(120)
        started = time.monotonic()
        reports = [results.get(timeout=timeout) for _ in procs]
        elapsed = time.monotonic() - started
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    return reports, elapsed


def assert_consistent(plugin_or_engine: Any) -> consistency.Census:
    """Check the database; fail with every problem found."""
    engine = plugin_or_engine.engine if isinstance(plugin_or_engine, Ml2Plugin) else plugin_or_engine
    census = consistency.check(engine)
    assert census.problems == [], "\n".join(census.problems[:50])
    return census
