"""``ml2core demo``: build a small cloud on an embedded SQLite file and tell what happens.

Nothing to prepare: the database lives in a fresh temporary directory
(removed at the end unless ``--keep``). The story
(:mod:`ml2core.cli.demo_story`): configuration, agents on three hosts,
provider and project networks, ports bound by each mechanism driver (an
SR-IOV one, a hierarchical one with its dynamic VLAN), a port that fails
to bind and why, the allocation usage, a picture, and the cleanup that
returns every ID. ``--dataplane`` (root) then shows real packets
(:mod:`ml2core.cli.demo_dataplane`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Callable

from ml2core.cli import demo_cloud as cloud
from ml2core.cli.commands import Registry
from ml2core.cli.demo_story import Demo
from ml2core.cli.narrate import Narrator
from ml2core.cli.session import Session

__all__ = ["register", "run_demo"]


def _steps(demo: Demo, keep: bool) -> list[tuple[str, Callable[[], None]]]:
    steps: list[tuple[str, Callable[[], None]]] = [
        ("Configuration and start-up", demo.start),
        ("Three hosts report their agents", demo.agents),
        ("Networks: provider (flat, VLAN) and project (VXLAN, GRE, GENEVE)", demo.networks_step),
        ("Ports, bound by each mechanism driver", demo.ports_step),
        ("A hierarchically bound port and its dynamic VLAN", demo.hierarchy),
        ("A port that fails to bind, and why", demo.failure),
        ("Allocation usage", demo.allocations),
        ("A picture", lambda: demo.picture(keep)),
    ]
    if not keep:
        steps.append(("Cleanup: every ID goes back", demo.cleanup))
    return steps


def run_demo(session: Session, *, keep: bool, dataplane: bool, workdir: str | None = None) -> int:
    """Run the whole demo, narrating to ``session.out``; return the exit code."""
    if dataplane:
        from ml2core.cli.demo_agents import check_prerequisites

        check_prerequisites()
    narrator = Narrator(session.out)
    made_dir = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="ml2core-demo-")
    os.makedirs(workdir, exist_ok=True)
    demo = Demo(narrator, workdir, with_tor=cloud.example_tor_installed())
    narrator.title("ml2core demo: a small cloud on an embedded SQLite database")
    narrator.say(
        f"Working in {workdir}"
        + (" (kept at the end: --keep)." if keep else " (removed at the end; --keep keeps it).")
    )
    try:
        steps = _steps(demo, keep)
        total = len(steps) + (1 if dataplane else 0)
        for number, (title, step) in enumerate(steps, 1):
            narrator.step(number, total, title)
            step()
        if keep:
            narrator.blank()
            narrator.say(
                "--keep: the cloud stays, nothing was cleaned up. Explore it with the same configuration:"
            )
            narrator.lines(
                [
                    f"ml2core --config-file {demo.conf_path} network list",
                    f"ml2core --config-file {demo.conf_path} port explain tor-1",
                    f"ml2core --config-file {demo.conf_path} allocation list",
                ],
                indent=4,
            )
        if dataplane:
            from ml2core.cli.demo_dataplane import DataplaneDemo

            narrator.step(total, total, "Real packets: two namespace hosts, Linux bridge and Open vSwitch")
            DataplaneDemo(narrator, demo.p, demo.problems, demo.conf_path).run()
    finally:
        demo.close()
        if made_dir and not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    narrator.blank()
    if demo.problems:
        narrator.say(
            f"The demo finished in {narrator.elapsed():.1f} s with {len(demo.problems)} unexpected results:"
        )
        narrator.lines([f"- {p}" for p in demo.problems])
        return 1
    narrator.say(
        f"Demo finished in {narrator.elapsed():.1f} s. Next: 'ml2core --help', docs/ and the README."
    )
    return 0


def _demo(session: Session, args: argparse.Namespace) -> int:
    return run_demo(session, keep=args.keep, dataplane=args.dataplane, workdir=args.workdir)


def register(registry: Registry) -> None:
    """Add ``demo``."""
    p = registry.command(
        None,
        "demo",
        _demo,
        "build a small cloud on a throw-away SQLite database and narrate it",
        "Build a small cloud and tell what happens: agents on three hosts, provider and\n"
        "project networks, ports bound by each mechanism driver (SR-IOV and a hierarchical\n"
        "binding with a dynamic VLAN included), a port that fails to bind and why, the\n"
        "allocation usage, and the cleanup that returns every ID. Needs nothing but this\n"
        "package; --config-file and --db-url are ignored (the demo writes its own).\n"
        "With --dataplane (root), two network-namespace hosts then carry real packets over\n"
        "a Linux bridge VXLAN network and an Open vSwitch GENEVE network.",
        output=False,
    )
    p.add_argument("--keep", action="store_true", help="keep the cloud and its directory (no cleanup)")
    p.add_argument(
        "--dataplane",
        action="store_true",
        help="also build namespace hosts with real bridges, tunnels and pings (root only)",
    )
    p.add_argument("--workdir", metavar="DIR", help="work in DIR instead of a fresh temporary directory")
