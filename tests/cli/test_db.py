"""``ml2core db upgrade [--contract]`` and ``db current``, and bad database URLs."""

from __future__ import annotations

from pathlib import Path

from ml2core.db import migration
from tests.cli.conftest import one_line_error, run_main


def test_upgrade_a_fresh_database_then_current(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    before = run_main("db", "current", "--db-url", url, "-f", "json")
    assert before.code == 0
    assert before.json()["pending"] == ["expand", "contract"]
    up = run_main("db", "upgrade", "--db-url", url, "-f", "json")
    assert up.code == 0, up.err
    assert up.json()["applied"] == ["expand"]
    assert "Applied the expand migrations." in up.err
    now = run_main("db", "current", "--db-url", url, "-f", "json").json()
    assert now["current revisions"] == [migration.branch_head(migration.EXPAND)]
    assert now["pending"] == ["contract"]


def test_contract_upgrade_and_nothing_left(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert run_main("db", "upgrade", "--contract", "--db-url", url).code == 0
    again = run_main("db", "upgrade", "--contract", "--db-url", url, "-f", "json")
    assert again.json()["applied"] == [] and "already up to date" in again.err
    assert run_main("db", "current", "--db-url", url, "-f", "json").json()["pending"] == ["(none)"]


def test_global_options_may_precede_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert run_main("--db-url", url, "db", "upgrade").code == 0
    assert (tmp_path / "x.sqlite").exists()


def test_unparseable_db_url_fails_in_one_line() -> None:
    result = run_main("network", "list", "--db-url", "not a url")
    assert result.code == 1
    assert "[database] connection" in one_line_error(result)


def test_unknown_dialect_fails_in_one_line() -> None:
    result = run_main("db", "current", "--db-url", "nosuchdb://host/x")
    assert result.code == 1
    one_line_error(result)


def test_unreachable_sqlite_file_fails_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'x.sqlite'}"
    for argv in (("network", "list"), ("db", "upgrade"), ("db", "current")):
        result = run_main(*argv, "--db-url", url)
        assert result.code == 1, argv
        assert "unable to open database file" in one_line_error(result)


def test_commands_on_every_database_backend(db_url: str) -> None:
    """The CLI on SQLite, PostgreSQL and MariaDB (the last two in the db_server tier)."""
    created = run_main("network", "create", "n1", "--db-url", db_url, "-f", "json")
    assert created.code == 0, created.err
    assert run_main("network", "list", "-c", "Name", "-f", "value", "--db-url", db_url).out == "n1\n"
    status = run_main("db", "current", "--db-url", db_url, "-f", "json")
    assert status.code == 0, status.err
    assert "expand" not in status.json()["pending"]


def test_passwords_are_not_shown() -> None:
    from ml2core.cli.db import _safe_url

    assert (
        _safe_url("postgresql+psycopg://user:s3cret@db/ml2core") == "postgresql+psycopg://user:***@db/ml2core"
    )
