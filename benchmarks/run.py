"""Run every benchmark (or ``--only`` some groups), print one table, write JSON.

    .venv/bin/python -m benchmarks.run [--reps 3] [--only startup,alloc] [--quick]
    .venv/bin/python benchmarks/run.py --neutron-venv /path/to/venv

Neutron's ML2 runs side by side from its own virtualenv (created on first
use unless ``--no-neutron-install``); when it cannot run, ml2core's rows are
still measured and the ratio shows ``n/a``. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import environment, neutron, report
from benchmarks.backends import DEFAULT_MYSQL, DEFAULT_PG, NAMES, Backend, make_backends
from benchmarks.probe import REPO_ROOT
from benchmarks.registry import GROUPS, Options, Row, select

DEFAULT_JSON = REPO_ROOT / "benchmarks" / "results" / "latest.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    groups = ", ".join(f"{g.name} ({g.about})" for g in GROUPS)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reps", type=int, help="repetitions of every measurement (default 3; 1 with --quick)"
    )
    parser.add_argument("--only", help=f"comma-separated groups: {groups}")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 repetition, small N, no 1M-VNI case"
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the results")
    parser.add_argument(
        "--backends", default=",".join(NAMES), help="comma-separated: sqlite,postgresql,mariadb"
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="PostgreSQL admin URL (env ML2CORE_TEST_PG)")
    parser.add_argument(
        "--mysql-url", default=DEFAULT_MYSQL, help="MariaDB admin URL (env ML2CORE_TEST_MYSQL)"
    )
    parser.add_argument(
        "--alloc-n", type=int, help="allocations per alloc run (default 2000; 200 with --quick)"
    )
    parser.add_argument("--conc-n", type=int, help="allocations per process (default 500; 100 with --quick)")
    parser.add_argument(
        "--neutron-venv",
        type=Path,
        default=neutron.DEFAULT_VENV,
        help=f"Neutron's virtualenv, created if missing (default {neutron.DEFAULT_VENV})",
    )
    parser.add_argument(
        "--neutron-scripts",
        type=Path,
        default=neutron.DEFAULT_SCRIPTS,
        help=f"the peer harness's scripts (default {neutron.DEFAULT_SCRIPTS})",
    )
    parser.add_argument("--no-neutron", action="store_true", help="ml2core rows only")
    parser.add_argument(
        "--no-neutron-install",
        action="store_true",
        help="use the Neutron virtualenv as it is; never pip-install into it",
    )
    parser.add_argument(
        "--workdir", type=Path, help="parent folder of the run's temporary files (SQLite files)"
    )
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    return parser.parse_args(argv)


def _usable_backends(args: argparse.Namespace, log: list[str]) -> list[Backend]:
    usable = []
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    for backend in make_backends(names, args.pg_url, args.mysql_url):
        reason = backend.check()
        if reason:
            _log(log, f"backend skipped: {reason}")
        else:
            usable.append(backend)
    return usable


def _load() -> str:
    """The load average: other work on the machine shows up in the spread, this says how much."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def _log(log: list[str], message: str) -> None:
    log.append(message)
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for group in GROUPS:
            print(f"{group.name:12} {group.about}  ({group.module})")
        return 0
    groups = select(args.only)
    reps = args.reps or (1 if args.quick else 3)
    log: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="ml2core-bench-", dir=args.workdir))
    try:
        backends = _usable_backends(args, log)
        peer, why_not = None, "disabled (--no-neutron)"
        if not args.no_neutron:
            peer, why_not = neutron.locate(
                args.neutron_venv.expanduser(),
                args.neutron_scripts,
                workdir,
                install=not args.no_neutron_install,
                log=lambda m: _log(log, m),
            )
            if peer is None:
                _log(log, f"Neutron not run: {why_not}")
        facts = environment.collect(backends, peer)
        _log(log, "environment: " + environment.describe(facts) + f"; {_load()}")
        options = Options(
            quick=args.quick,
            backends=tuple(backends),
            neutron=peer,
            neutron_unavailable=why_not,
            workdir=workdir,
            alloc_n=args.alloc_n or (200 if args.quick else 2000),
            conc_n=args.conc_n or (100 if args.quick else 500),
            log=lambda m: _log(log, m),
        )
        rows: list[Row] = []
        started = time.time()
        for group in groups:
            t0 = time.perf_counter()
            rows += group.load()(reps, options)
            _log(log, f"group {group.name} done in {time.perf_counter() - t0:.0f} s; {_load()}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    found = report.targets(rows)
    print(report.table(rows))
    if found:
        print()
        print(report.targets_text(found))
    command = " ".join(
        shlex.quote(a) for a in [sys.executable, "-m", "benchmarks.run", *(argv or sys.argv[1:])]
    )
    header = {
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": command,
        "duration_s": round(time.time() - started, 1),
        "reps": reps,
        "groups": [g.name for g in groups],
        "options": {
            "quick": args.quick,
            "alloc_n": options.alloc_n,
            "conc_n": options.conc_n,
            "backends": [b.name for b in backends],
            "neutron": peer is not None,
        },
        "environment": facts,
        "log": log,
    }
    report.write_json(args.json, header, rows, found)
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
