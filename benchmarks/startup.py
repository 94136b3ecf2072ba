"""Group ``startup``: start-up time and database size, cold and warm, per range size.

Per repetition, backend and case: a fresh empty database; one fresh process
constructs ``Ml2Plugin`` (cold: migrations run), a second fresh process
constructs it again on that database (warm: a controller restart); then the
database size. Neutron (``bench_sync.py``) does the same with
``VxlanTypeDriver.initialize()`` for the cases it can hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.backends import Backend, BenchDatabase
from benchmarks.plugin_setup import Ranges
from benchmarks.probe import ProbeError, run_probe
from benchmarks.registry import Better, Options, Row, Series

GROUP = "startup"
MIB = 2**20
PHASES = ("cold", "warm")
COLD_NOTE = "ml2core incl. creating its schema; Neutron: sync only"
MEASURES: tuple[tuple[str, str, Better], ...] = (
    ("cold", "ms", "lower"),
    ("warm", "ms", "lower"),
    ("size", "MiB", "lower"),
)


@dataclass(frozen=True)
class Case:
    label: str
    ranges: Ranges
    neutron_vni: str | None  # bench_sync.py --ranges, None: not run
    neutron_why_not: str = ""


CASES = (
    Case("ten IDs (VXLAN 1:10)", Ranges(vni="1:10"), "1:10"),
    Case("VXLAN 1:100000", Ranges(vni="1:100000"), "1:100000"),
    Case("VXLAN 1:1000000", Ranges(vni="1:1000000"), "1:1000000"),
    Case(
        "VXLAN 1:16777215 + GRE 1:4294967295",
        Ranges(vni="1:16777215", gre="1:4294967295"),
        None,
        "not run: 4.3 billion rows",
    ),
)


@dataclass
class Cell:
    """The series of one (case, backend) on one side."""

    cold: Series
    warm: Series
    size: Series

    @classmethod
    def new(cls) -> Cell:
        return cls(Series(), Series(), Series())


def _measure_ml2core(db: BenchDatabase, case: Case, cell: Cell) -> None:
    try:
        for phase in PHASES:
            record = run_probe("startup_probe", ["--url", db.url, *case.ranges.to_args()])
            getattr(cell, phase).add(float(record["construct_s"]) * 1000)
        cell.size.add(db.size_bytes() / MIB)
    except ProbeError as exc:
        for series in (cell.cold, cell.warm, cell.size):
            series.fail(str(exc))


def _measure_neutron(options: Options, db: BenchDatabase, case: Case, cell: Cell) -> None:
    peer = options.neutron
    assert peer is not None and case.neutron_vni is not None
    target = str(db.path) if db.path is not None else db.url_with_driver(peer.driver_for(db.backend.name))
    for phase in PHASES:
        series: Series = getattr(cell, phase)
        try:
            record = peer.run(
                "bench_sync.py",
                ["--type", "vxlan", "--ranges", case.neutron_vni, "--db", target, "--phase", phase],
            )
            series.add(float(record["seconds"]) * 1000)
        except ProbeError as exc:
            series.fail(str(exc))
    if cell.warm.errors and len(cell.warm.errors) > len(cell.size.errors):
        cell.size.fail(cell.warm.errors[-1])
    else:
        cell.size.add(db.size_bytes() / MIB)


def _cases(options: Options) -> tuple[Case, ...]:
    if not options.quick:
        return CASES
    return tuple(c for c in CASES if c.neutron_vni != "1:1000000")


def run(reps: int, options: Options) -> list[Row]:
    cases = _cases(options)
    ours: dict[tuple[str, str], Cell] = {}
    theirs: dict[tuple[str, str], Cell] = {}
    for rep in range(reps):
        for backend in options.backends:
            for case in cases:
                key = (case.label, backend.name)
                options.log(f"startup rep {rep + 1}/{reps}: {case.label} on {backend.name}")
                with backend.database(options.workdir, "st") as db:
                    _measure_ml2core(db, case, ours.setdefault(key, Cell.new()))
                if options.neutron is not None and case.neutron_vni is not None:
                    with backend.database(options.workdir, "stn") as db:
                        _measure_neutron(options, db, case, theirs.setdefault(key, Cell.new()))
    return _rows(options, cases, ours, theirs)


def _rows(
    options: Options,
    cases: tuple[Case, ...],
    ours: dict[tuple[str, str], Cell],
    theirs: dict[tuple[str, str], Cell],
) -> list[Row]:
    rows: list[Row] = []
    backends: tuple[Backend, ...] = options.backends
    for measure, unit, better in MEASURES:
        for case in cases:
            for backend in backends:
                key = (case.label, backend.name)
                if key not in ours:
                    continue
                mine = getattr(ours[key], measure).sample()
                if case.neutron_vni is None:
                    peer_sample = None
                    note = f"Neutron {case.neutron_why_not}"
                elif options.neutron is None:
                    peer_sample, note = options.neutron_skipped(), ""
                else:
                    peer_sample, note = getattr(theirs[key], measure).sample(), ""
                if measure == "cold":
                    note = "; ".join(n for n in (COLD_NOTE, note) if n)
                title = {
                    "cold": "start-up, cold (fresh DB)",
                    "warm": "start-up, warm (restart)",
                    "size": "DB size after start-up",
                }[measure]
                rows.append(
                    Row(
                        group=GROUP,
                        metric=f"{title} [{unit}], {case.label}",
                        backend=backend.name,
                        unit=unit,
                        better=better,
                        ml2core=mine,
                        neutron=peer_sample,
                        note=note,
                        details={"case": case.label, "measure": measure},
                    )
                )
    return rows
