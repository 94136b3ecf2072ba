"""A rolling upgrade, for real: a newer ml2core migrates, this (older) one keeps running beside it.

The newer ml2core is this package copied into a temporary directory with
one more expand revision (a new table) and one more contract revision,
run in its own Python processes (``PYTHONPATH`` puts the copy first).
On each database the old controller, the old CLI and an old agent must
start beside the newer expand revision (one log line says so), and must
refuse, in one line, a newer contract revision.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.util import to_tuple

import ml2core
from ml2core import Context, Ml2Plugin
from ml2core.db import migration
from ml2core.exceptions import DatabaseError
from ml2core.testing.config import make_conf, render_ini
from tests import dbutil
from tests.cli.conftest import one_line_error, run_main

pytestmark = pytest.mark.slow

ADMIN = Context.admin()
ROOT = Path(__file__).resolve().parents[2]


def _next(branch: str) -> str:
    head = migration.branch_head(branch)
    return f"{head[0]}{int(head[1:5]) + 1:04d}_future"


NEW_EXPAND = _next(migration.EXPAND)
NEW_CONTRACT = _next(migration.CONTRACT)

EXPAND_SCRIPT = f'''
"""A newer ml2core's expand revision: a new table."""
import sqlalchemy as sa
from alembic import op

revision = "{NEW_EXPAND}"
down_revision = "{migration.branch_head(migration.EXPAND)}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ml2core_future",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("note", sa.String(255), nullable=False),
    )
'''

CONTRACT_SCRIPT = f'''
"""A newer ml2core's contract revision (it could drop what older versions use)."""
from alembic import op

revision = "{NEW_CONTRACT}"
down_revision = "{migration.branch_head(migration.CONTRACT)}"
branch_labels = None
depends_on = "{NEW_EXPAND}"


def upgrade() -> None:
    with op.batch_alter_table("ml2core_future") as batch:
        batch.drop_column("note")
'''


@pytest.fixture(scope="module")
def newer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a copy of ``ml2core`` with one more expand and contract revision."""
    root = tmp_path_factory.mktemp("newer-ml2core")
    package = Path(ml2core.__file__).parent
    shutil.copytree(package, root / "ml2core", ignore=shutil.ignore_patterns("__pycache__"))
    versions = root / "ml2core" / "db" / "migrations" / "versions"
    (versions / "expand" / f"{NEW_EXPAND}.py").write_text(EXPAND_SCRIPT)
    (versions / "contract" / f"{NEW_CONTRACT}.py").write_text(CONTRACT_SCRIPT)
    return root


def run_newer(newer: Path, code: str) -> str:
    """Run ``code`` with the newer ml2core; its stdout."""
    env = {**os.environ, "PYTHONPATH": f"{newer}{os.pathsep}{ROOT}"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=newer,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def newer_plugin_creates(newer: Path, url: str, name: str) -> dict[str, object]:
    """The newer ml2core starts a plugin (applying its expand revision) and creates a network."""
    out = run_newer(
        newer,
        f"""
        import json, ml2core
        from ml2core import Context, Ml2Plugin
        assert ml2core.__file__.startswith({str(newer)!r}), ml2core.__file__
        with Ml2Plugin(db_url={url!r}) as plugin:
            net = plugin.create_network(Context.admin(), {{"name": {name!r}}})
        print(json.dumps(net))
        """,
    )
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def newer_contract(newer: Path, url: str) -> None:
    run_newer(
        newer,
        f"""
        from ml2core.cli.main import main
        raise SystemExit(main(["db", "upgrade", "--contract", "--db-url", {url!r}]))
        """,
    )


def old_agent_once(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    """One ``--once`` pass of this ml2core's agent (on a fake dataplane) on ``url``."""
    conf = tmp_path / "agent.conf"
    conf.write_text(
        render_ini({"agent": {"host": "compute1", "backend": "fake"}, "database": {"connection": url}})
    )
    return subprocess.run(
        [sys.executable, "-m", "tests.unit.agent.slow_agent", "--config-file", str(conf), "--once"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    with dbutil.empty_database(backend, str(tmp_path)) as url:
        yield url


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_old_code_runs_beside_a_newer_expand_and_refuses_a_newer_contract(
    newer: Path, empty_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # This ml2core made the schema and has a network.
    with Ml2Plugin(make_conf(), db_url=empty_url) as old:
        old.create_network(ADMIN, {"name": "before"})

    # A newer controller starts: it applies its expand revision (a new table).
    from_new = newer_plugin_creates(newer, empty_url, "from-newer")
    assert "ml2core_future" in _tables(empty_url)
    assert NEW_EXPAND in migration.current_revisions(sa.create_engine(empty_url))

    # The old controller still starts, with or without auto_migrate, and says so once.
    caplog.set_level(logging.WARNING, logger="ml2core")
    for auto_migrate in (True, False):
        caplog.clear()
        with Ml2Plugin(make_conf(database={"auto_migrate": auto_migrate}), db_url=empty_url) as old:
            old.create_network(ADMIN, {"name": f"after-{auto_migrate}"})
            names = {n["name"] for n in old.get_networks(ADMIN)}
            assert old.get_network(ADMIN, str(from_new["id"]))["name"] == "from-newer"
        said = [r.getMessage() for r in caplog.records if NEW_EXPAND in r.getMessage()]
        assert len(said) == 1 and "newer than this ml2core" in said[0], caplog.text
    assert names == {"before", "from-newer", "after-True", "after-False"}

    # The old CLI: status without a traceback, upgrade a no-op, resources readable.
    status = run_main("db", "current", "--db-url", empty_url, "-f", "json")
    assert status.code == 0, status.err
    assert NEW_EXPAND in status.json()["compatibility"] and "Error" not in status.out
    assert NEW_EXPAND in status.json()["current revisions"]
    upgrade = run_main("db", "upgrade", "--db-url", empty_url)
    assert upgrade.code == 0 and "already up to date" in upgrade.err
    listed = run_main("network", "list", "--db-url", empty_url, "-c", "Name", "-f", "value")
    assert listed.code == 0 and "from-newer" in listed.out.split()
    # Its contract migrations cannot run on a schema alembic cannot place: refused, in one line.
    refused = run_main("db", "upgrade", "--contract", "--db-url", empty_url)
    assert NEW_EXPAND in one_line_error(refused) and "newer than this ml2core" in refused.err

    # An old agent restarts.
    agent = old_agent_once(tmp_path, empty_url)
    assert agent.returncode == 0, agent.stderr

    # The newer ml2core contracts: the old one refuses, in one line, everywhere.
    newer_contract(newer, empty_url)
    with pytest.raises(DatabaseError) as info:
        Ml2Plugin(make_conf(), db_url=empty_url)
    message = str(info.value)
    assert "\n" not in message and NEW_CONTRACT in message and "newer than this ml2core" in message
    assert "upgrade ml2core" in message and "ResolutionError" not in message

    status = run_main("db", "current", "--db-url", empty_url, "-f", "json")
    assert status.code == 0 and status.json()["compatibility"].startswith("refused: ")
    assert NEW_CONTRACT in one_line_error(run_main("network", "list", "--db-url", empty_url))
    assert NEW_CONTRACT in one_line_error(run_main("db", "upgrade", "--db-url", empty_url))
    agent = old_agent_once(tmp_path, empty_url)
    errors = [line for line in agent.stderr.splitlines() if line.startswith("ml2core-agent: error: ")]
    assert agent.returncode == 1 and len(errors) == 1 and NEW_CONTRACT in errors[0], agent.stderr


def test_revision_ids_say_their_branch_and_order() -> None:
    """The rule :func:`migration.classify` relies on to judge revisions it does not know."""
    script = migration.script_directory()
    for rev in script.walk_revisions():
        if rev.revision == "ml2core_root":
            continue
        match = migration.REVISION_ID.match(rev.revision)
        assert match is not None, rev.revision
        branch = migration.EXPAND if match["branch"] == "e" else migration.CONTRACT
        assert branch in {b for r in script.iterate_revisions(rev.revision, "base") for b in r.branch_labels}
        for parent in to_tuple(rev.down_revision):
            if parent != "ml2core_root":
                assert parent.startswith(rev.revision[0]), (rev.revision, parent)
                assert parent[1:5] < rev.revision[1:5], (rev.revision, parent)


@pytest.mark.parametrize(
    ("recorded", "verdict"),
    [
        ({"e9999_future"}, "tolerated"),
        ({"c0001_initial", "e9999_future"}, "tolerated"),
        ({"c9999_future"}, "refused"),
        ({"e0001_other"}, "refused"),
        ({"a1b2c3d4e5f6"}, "refused"),
    ],
)
def test_unknown_revisions_are_judged_by_branch_and_number(recorded: set[str], verdict: str) -> None:
    revisions = migration.classify(recorded)
    if verdict == "tolerated":
        assert revisions.refusal() is None and "e9999_future" in (revisions.tolerance() or "")
        assert revisions.pending() == []
    else:
        reason = revisions.refusal()
        assert reason is not None and sorted(recorded)[0] in reason
