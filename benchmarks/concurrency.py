"""Group ``concurrency``: 1, 2 and 4 processes allocating and releasing on one database.

Per repetition, backend, case and process count: a fresh empty database and
one ``concurrency_probe`` run (P processes x N allocations, then the
releases; see that module). Rows give the aggregate allocations per second
(successes / slowest worker's time, Neutron's definition) and releases per
second; the note sums failed calls, duplicates and lost IDs over the
repetitions. Neutron: ``bench_concurrency.py --procs P`` (VLAN only; it
allocates, it does not release).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.backends import BenchDatabase
from benchmarks.plugin_setup import Ranges
from benchmarks.probe import ProbeError, run_probe
from benchmarks.registry import Options, Row, Sample, Series
from benchmarks.stats import TIMES

GROUP = "concurrency"
PROCS = (1, 2, 4)


@dataclass(frozen=True)
class Case:
    label: str
    network_type: str
    ranges: Ranges
    procs: tuple[int, ...]
    neutron: bool


CASES = (
    Case("VLAN physnet1:1:4094", "vlan", Ranges(vlan="physnet1:1:4094"), PROCS, True),
    Case("VXLAN 1:16777215", "vxlan", Ranges(vni="1:16777215"), PROCS, False),
)


@dataclass
class Cell:
    alloc: Series = field(default_factory=Series)
    release: Series = field(default_factory=Series)
    failed: int = 0
    duplicates: int = 0
    lost: int = 0
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def fail(self, error: str) -> None:
        self.alloc.fail(error)
        self.release.fail(error)

    def count(self, record: dict[str, Any], lost: int) -> None:
        self.failed += int(record.get("failed_calls", 0))
        self.duplicates += int(record.get("duplicates", 0))
        self.lost += lost
        self.retries += int(record.get("retries", 0))
        for message, times in dict(record.get("errors") or record.get("call_errors") or {}).items():
            self.errors[message] = self.errors.get(message, 0) + int(times)

    def summary(self) -> str:
        return f"failed {self.failed} · dup {self.duplicates} · lost {self.lost} · retries {self.retries}"


def _measure_ml2core(db: BenchDatabase, case: Case, procs: int, n: int, cell: Cell) -> None:
    args = ["--url", db.url, "--type", case.network_type, "--procs", str(procs), "--n", str(n)]
    try:
        record = run_probe("concurrency_probe", args + case.ranges.to_args(), timeout=1800)
    except ProbeError as exc:
        cell.fail(str(exc))
        return
    cell.alloc.add(float(record["alloc_per_s"]))
    cell.release.add(float(record["release_per_s"]))
    cell.count(record, int(record["lost"]))


def _measure_neutron(options: Options, db: BenchDatabase, procs: int, n: int, cell: Cell) -> None:
    peer = options.neutron
    assert peer is not None
    target = str(db.path) if db.path is not None else db.url_with_driver(peer.driver_for(db.backend.name))
    try:
        record = peer.run(
            "bench_concurrency.py",
            ["--procs", str(procs), "--n", str(n), "--db", target],
            timeout=1800,
        )
    except ProbeError as exc:
        cell.alloc.fail(str(exc))
        return
    cell.alloc.add(float(record["aggregate_alloc_per_s"]))
    owned = int(record["successes"]) - int(record["duplicates"])
    cell.count(record, abs(int(record["db_allocated_rows"]) - owned))


def run(reps: int, options: Options) -> list[Row]:
    n = options.conc_n
    ours: dict[tuple[str, int, str], Cell] = {}
    theirs: dict[tuple[str, int, str], Cell] = {}
    for rep in range(reps):
        for backend in options.backends:
            for case in CASES:
                for procs in case.procs:
                    key = (case.label, procs, backend.name)
                    options.log(
                        f"concurrency rep {rep + 1}/{reps}: {case.label}, "
                        f"{procs} procs x {n} on {backend.name}"
                    )
                    with backend.database(options.workdir, "cc") as db:
                        _measure_ml2core(db, case, procs, n, ours.setdefault(key, Cell()))
                    if options.neutron is not None and case.neutron:
                        with backend.database(options.workdir, "ccn") as db:
                            _measure_neutron(options, db, procs, n, theirs.setdefault(key, Cell()))
    return _rows(options, n, ours, theirs)


def _rows(
    options: Options,
    n: int,
    ours: dict[tuple[str, int, str], Cell],
    theirs: dict[tuple[str, int, str], Cell],
) -> list[Row]:
    rows: list[Row] = []
    for case in CASES:
        for what in ("alloc", "release"):
            for procs in case.procs:
                for backend in options.backends:
                    key = (case.label, procs, backend.name)
                    mine = ours[key]
                    peer: Sample | None = None
                    note = f"ml2core: {mine.summary()}" if what == "alloc" else ""
                    if what == "alloc" and case.neutron:
                        if options.neutron is None:
                            peer = options.neutron_skipped()
                        else:
                            peer = theirs[key].alloc.sample()
                            note += f" | Neutron: {theirs[key].summary()}"
                    rows.append(
                        Row(
                            group=GROUP,
                            metric=f"{procs} proc{TIMES}{n}: {what}s/s, {case.label}",
                            backend=backend.name,
                            unit=f"{what}s/s",
                            better="higher",
                            ml2core=getattr(mine, what).sample(),
                            neutron=peer,
                            note=note,
                            details={
                                "case": case.label,
                                "procs": procs,
                                "n_per_proc": n,
                                "ml2core_errors": mine.errors,
                                "neutron_errors": theirs[key].errors if key in theirs else {},
                            },
                        )
                    )
    return rows
