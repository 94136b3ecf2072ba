"""What a benchmark module returns (``Row``), what it is given (``Options``), and the list of them.

A benchmark group is a module with ``run(reps: int, options: Options) -> list[Row]``.
To add one, write the module and add a line to ``GROUPS``; ``run.py`` does the rest
(repetitions are the module's own loop, so it can set up once and measure ``reps`` times).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from benchmarks.backends import Backend
    from benchmarks.neutron import NeutronPeer

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Sample:
    """One side's measurements of a row over the repetitions.

    ``values`` are the successful repetitions, ``errors`` the failed ones (a
    short message each); ``skipped`` says why nothing was measured at all.
    """

    values: tuple[float, ...] = ()
    errors: tuple[str, ...] = ()
    skipped: str = ""


@dataclass
class Series:
    """Accumulates a ``Sample`` repetition by repetition."""

    values: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    def fail(self, error: str) -> None:
        self.errors.append(error)

    def sample(self) -> Sample:
        return Sample(tuple(self.values), tuple(self.errors))


@dataclass(frozen=True)
class Row:
    """One line of the table.

    ``neutron`` is ``None`` when Neutron has no such operation (or it is not
    run for this case); a ``Sample`` with ``skipped`` set when Neutron could
    not be run on this machine. ``better`` orients the ratio: the ratio is
    always "times better for ml2core" (rate: ml2core / Neutron; time or size:
    Neutron / ml2core).
    """

    group: str
    metric: str
    backend: str
    unit: str
    better: Better
    ml2core: Sample
    neutron: Sample | None = None
    note: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    """Everything a benchmark module may need besides the repetition count."""

    quick: bool
    backends: tuple[Backend, ...]
    neutron: NeutronPeer | None
    neutron_unavailable: str
    workdir: Path
    alloc_n: int
    conc_n: int
    log: Callable[[str], None]

    def neutron_skipped(self) -> Sample:
        """The Neutron sample of a row whose Neutron side cannot run here."""
        return Sample(skipped=self.neutron_unavailable or "not run")


BenchmarkRun = Callable[[int, Options], list[Row]]


@dataclass(frozen=True)
class Group:
    name: str
    module: str
    about: str

    def load(self) -> BenchmarkRun:
        module = importlib.import_module(self.module)
        run: BenchmarkRun = module.run
        return run


GROUPS: tuple[Group, ...] = (
    Group("startup", "benchmarks.startup", "allocator start-up time and database size"),
    Group("alloc", "benchmarks.alloc", "tenant segment allocate + release per second"),
    Group("concurrency", "benchmarks.concurrency", "1, 2, 4 processes allocating on one database"),
    Group("ports", "benchmarks.ports", "ports created and bound per second, SQL statements per port"),
    Group("dataplane", "benchmarks.dataplane", "dataplane sync (benchmarks/dataplane_sync.py)"),
)


def select(only: str | None) -> list[Group]:
    """The groups named in ``only`` (comma separated), in registry order; all if ``None``."""
    if not only:
        return list(GROUPS)
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    unknown = wanted - {g.name for g in GROUPS}
    if unknown:
        known = ", ".join(g.name for g in GROUPS)
        raise SystemExit(f"unknown group(s) {', '.join(sorted(unknown))}; known: {known}")
    return [g for g in GROUPS if g.name in wanted]
