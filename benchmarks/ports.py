"""Group ``ports``: ports created and bound per second, and SQL statements per port.

Per repetition and backend: a fresh database and a fresh process
(``ports_probe``): an Open vSwitch-style binding (``openvswitch`` driver, a
live agent on the host, a VXLAN network), N ``update_port(binding:host_id)``
then N ``create_port`` with the host set. Neutron: ``bench_bind.py --count-sql``
with the same N (its in-process server minus HTTP, RPC on a fake transport).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.backends import BenchDatabase
from benchmarks.probe import ProbeError, run_probe
from benchmarks.registry import Options, Row, Sample, Series

GROUP = "ports"
METRICS = (
    ("create_bound_per_s", "ports created and bound per s", "ports/s", "higher"),
    ("update_bind_per_s", "ports bound by update_port per s", "ports/s", "higher"),
    ("sql_per_create_bound", "SQL statements per created and bound port", "statements", "lower"),
    ("sql_per_update_bind", "SQL statements per port bound by update", "statements", "lower"),
)


@dataclass
class Cell:
    series: dict[str, Series] = field(default_factory=lambda: {m[0]: Series() for m in METRICS})
    problems: list[str] = field(default_factory=list)

    def record(self, record: dict[str, object], n: int) -> None:
        for key, *_ in METRICS:
            self.series[key].add(float(record[key]))  # type: ignore[arg-type]
        for phase in ("create_bound_ok", "update_bound_ok"):
            if record.get(phase) != n:
                self.problems.append(f"{record.get(phase)}/{n} ports bound ({phase})")

    def fail(self, error: str) -> None:
        for series in self.series.values():
            series.fail(error)


def _n(options: Options) -> int:
    return 100 if options.quick else 500


def _measure_ml2core(db: BenchDatabase, n: int, cell: Cell) -> None:
    try:
        cell.record(run_probe("ports_probe", ["--url", db.url, "--n", str(n)]), n)
    except ProbeError as exc:
        cell.fail(str(exc))


def _measure_neutron(options: Options, db: BenchDatabase, n: int, cell: Cell) -> None:
    peer = options.neutron
    assert peer is not None
    target = str(db.path) if db.path is not None else db.url_with_driver(peer.driver_for(db.backend.name))
    try:
        record = peer.run("bench_bind.py", ["--n", str(n), "--count-sql", "--db", target])
    except ProbeError as exc:
        cell.fail(str(exc))
        return
    cell.record(record, n)


def run(reps: int, options: Options) -> list[Row]:
    n = _n(options)
    ours: dict[str, Cell] = {}
    theirs: dict[str, Cell] = {}
    for rep in range(reps):
        for backend in options.backends:
            options.log(f"ports rep {rep + 1}/{reps} on {backend.name}, N={n}")
            with backend.database(options.workdir, "po") as db:
                _measure_ml2core(db, n, ours.setdefault(backend.name, Cell()))
            if options.neutron is not None:
                with backend.database(options.workdir, "pon") as db:
                    _measure_neutron(options, db, n, theirs.setdefault(backend.name, Cell()))
    rows: list[Row] = []
    for key, label, unit, better in METRICS:
        for backend in options.backends:
            mine = ours[backend.name]
            peer: Sample
            notes: list[str] = []
            if options.neutron is None:
                peer = options.neutron_skipped()
            else:
                peer = theirs[backend.name].series[key].sample()
                if theirs[backend.name].problems:
                    notes.append("Neutron: " + "; ".join(sorted(set(theirs[backend.name].problems))))
            if mine.problems:
                notes.insert(0, "ml2core: " + "; ".join(sorted(set(mine.problems))))
            rows.append(
                Row(
                    group=GROUP,
                    metric=f"{label}, N={n}",
                    backend=backend.name,
                    unit=unit,
                    better=better,  # type: ignore[arg-type]
                    ml2core=mine.series[key].sample(),
                    neutron=peer,
                    note=" | ".join(notes),
                    details={"n": n},
                )
            )
    return rows
