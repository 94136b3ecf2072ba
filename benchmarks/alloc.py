"""Group ``alloc``: tenant allocate and release per second, one ID per durable transaction.

Per repetition, backend and case: a fresh empty database, one fresh process
(``alloc_probe``) doing N allocations then N releases. Neutron:
``bench_alloc.py`` with the same type, range and N (its default durable mode).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.backends import BenchDatabase
from benchmarks.plugin_setup import Ranges
from benchmarks.probe import ProbeError, run_probe
from benchmarks.registry import Options, Row, Sample, Series

GROUP = "alloc"


@dataclass(frozen=True)
class Case:
    label: str
    network_type: str
    ranges: Ranges
    neutron_ranges: str | None  # bench_alloc.py --ranges; None: not run
    neutron_why_not: str = ""


CASES = (
    Case("VLAN physnet1:1:4094", "vlan", Ranges(vlan="physnet1:1:4094"), "physnet1:1:4094"),
    Case("VXLAN 1:100000", "vxlan", Ranges(vni="1:100000"), "1:100000"),
    Case(
        "VXLAN 1:16777215",
        "vxlan",
        Ranges(vni="1:16777215"),
        None,
        "not run: its start-up sync of 16.7M rows",
    ),
)


@dataclass
class Cell:
    alloc: Series = field(default_factory=Series)
    release: Series = field(default_factory=Series)
    problems: list[str] = field(default_factory=list)

    def fail(self, error: str) -> None:
        self.alloc.fail(error)
        self.release.fail(error)


def _check(record: dict[str, object]) -> list[str]:
    """What went wrong in a run besides speed (empty when all is well)."""
    problems = []
    if record.get("duplicates"):
        problems.append(f"{record['duplicates']} duplicates")
    if record.get("none_results"):
        problems.append(f"{record['none_results']} exhausted")
    if record.get("rows_match") is False:
        problems.append("DB rows differ from allocations")
    if record.get("rows_after_release") not in (0, None):
        problems.append(f"{record['rows_after_release']} rows left after release")
    if record.get("allocated_rows_after_release") not in (0, None):
        problems.append(f"{record['allocated_rows_after_release']} rows left after release")
    return problems


def _measure_ml2core(db: BenchDatabase, case: Case, n: int, cell: Cell) -> None:
    try:
        record = run_probe(
            "alloc_probe",
            ["--url", db.url, "--type", case.network_type, "--n", str(n), *case.ranges.to_args()],
        )
    except ProbeError as exc:
        cell.fail(str(exc))
        return
    cell.alloc.add(float(record["alloc_per_s"]))
    cell.release.add(float(record["release_per_s"]))
    cell.problems += _check(record)


def _measure_neutron(options: Options, db: BenchDatabase, case: Case, n: int, cell: Cell) -> None:
    peer = options.neutron
    assert peer is not None and case.neutron_ranges is not None
    target = str(db.path) if db.path is not None else db.url_with_driver(peer.driver_for(db.backend.name))
    try:
        record = peer.run(
            "bench_alloc.py",
            [
                "--type",
                case.network_type,
                "--ranges",
                case.neutron_ranges,
                "--n",
                str(n),
                "--db",
                target,
            ],
        )
    except ProbeError as exc:
        cell.fail(str(exc))
        return
    cell.alloc.add(float(record["alloc_per_s"]))
    cell.release.add(float(record["release_per_s"]))
    cell.problems += _check(record)


def run(reps: int, options: Options) -> list[Row]:
    n = options.alloc_n
    ours: dict[tuple[str, str], Cell] = {}
    theirs: dict[tuple[str, str], Cell] = {}
    for rep in range(reps):
        for backend in options.backends:
            for case in CASES:
                key = (case.label, backend.name)
                options.log(f"alloc rep {rep + 1}/{reps}: {case.label} on {backend.name}, N={n}")
                with backend.database(options.workdir, "al") as db:
                    _measure_ml2core(db, case, n, ours.setdefault(key, Cell()))
                if options.neutron is not None and case.neutron_ranges is not None:
                    with backend.database(options.workdir, "aln") as db:
                        _measure_neutron(options, db, case, n, theirs.setdefault(key, Cell()))
    rows: list[Row] = []
    for what in ("alloc", "release"):
        for case in CASES:
            for backend in options.backends:
                key = (case.label, backend.name)
                mine = ours[key]
                peer: Sample | None
                notes = []
                if case.neutron_ranges is None:
                    peer = None
                    notes.append(f"Neutron {case.neutron_why_not}")
                elif options.neutron is None:
                    peer = options.neutron_skipped()
                else:
                    peer = getattr(theirs[key], what).sample()
                    if theirs[key].problems:
                        notes.append("Neutron: " + "; ".join(sorted(set(theirs[key].problems))))
                if mine.problems:
                    notes.insert(0, "ml2core: " + "; ".join(sorted(set(mine.problems))))
                rows.append(
                    Row(
                        group=GROUP,
                        metric=f"{what} per s, {case.label}, N={n}",
                        backend=backend.name,
                        unit=f"{what}s/s",
                        better="higher",
                        ml2core=getattr(mine, what).sample(),
                        neutron=peer,
                        note=" | ".join(notes),
                        details={"case": case.label, "n": n},
                    )
                )
    return rows
