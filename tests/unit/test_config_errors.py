"""Configuration mistakes around the database and the config files: one line naming the option or file.

None of these needs a server: the URL is checked before anything connects.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from drivers.agent import main as agent_main
from ml2core import Ml2Plugin
from ml2core.config import new_conf
from ml2core.exceptions import ConfigError
from ml2core.testing import make_conf
from tests.cli.conftest import one_line_error, run_main

URLS = {
    "sqlite": "sqlite:///{tmp}/x.sqlite?bogusarg=1",
    "postgresql": "postgresql+psycopg://ml2:s3cret@127.0.0.1:5432/ml2core?bogusarg=1",
    "mariadb": "mysql+pymysql://ml2:s3cret@127.0.0.1:3306/ml2core?bogusarg=1",
}


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    return text


@pytest.mark.parametrize("backend", list(URLS))
def test_an_unknown_url_query_argument_names_the_option_and_the_argument(
    backend: str, tmp_path: Path
) -> None:
    url = URLS[backend].format(tmp=tmp_path)
    with pytest.raises(ConfigError) as info:
        Ml2Plugin(make_conf(), db_url=url)
    message = _one_line(info.value)
    assert "[database] connection" in message and "'bogusarg'" in message
    assert "s3cret" not in message
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_file_in_a_missing_directory_names_the_option_and_the_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    with pytest.raises(ConfigError) as info:
        Ml2Plugin(make_conf(database={"connection": f"sqlite:///{missing}/ml2core.sqlite"}))
    message = _one_line(info.value)
    assert "[database] connection" in message and f"{missing} does not exist" in message


@pytest.mark.parametrize("how", ["db_url", "config"])
def test_an_empty_url_is_refused_and_creates_nothing(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        if how == "db_url":
            Ml2Plugin(make_conf(), db_url="")
        else:
            Ml2Plugin(make_conf(database={"connection": ""}))
    assert "[database] connection" in _one_line(info.value) and "empty" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_db_url_on_the_command_line_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert "is empty" in one_line_error(run_main("network", "list", "--db-url", ""))
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def latin1_conf(tmp_path: Path) -> Path:
    path = tmp_path / "ml2core.conf"
    path.write_bytes(b"[DEFAULT]\n# caf\xe9\n[agent]\nbackend = linuxbridge\n")
    return path


def test_a_config_file_that_is_not_utf8_is_named_with_the_line(latin1_conf: Path, tmp_path: Path) -> None:
    ok = tmp_path / "other.conf"
    ok.write_text("[DEFAULT]\n")
    with pytest.raises(ConfigError) as info:
        new_conf(["--config-file", str(ok), "--config-file", str(latin1_conf)])
    message = _one_line(info.value)
    assert str(latin1_conf) in message and "not UTF-8" in message and "line 2" in message


def test_the_cli_and_the_agent_name_a_config_file_that_is_not_utf8(latin1_conf: Path) -> None:
    line = one_line_error(run_main("network", "list", "--config-file", str(latin1_conf)))
    assert str(latin1_conf) in line and "not UTF-8" in line
    err = io.StringIO()
    assert agent_main(["--config-file", str(latin1_conf)], err=err) == 2
    assert err.getvalue().count("\n") == 1 and str(latin1_conf) in err.getvalue()


SECRET_URL = "mysql://root:S3cretPW@db.example/x"  # no +pymysql: the MySQLdb driver is missing


def test_a_password_never_shows_when_the_driver_cannot_load(tmp_path: Path) -> None:
    """Issue 23: the embedded error, the CLI (also with --debug) and the agent hide it."""
    with pytest.raises(ConfigError) as info:
        Ml2Plugin(make_conf(), db_url=SECRET_URL)
    assert "S3cretPW" not in str(info.value) and "root:***@db.example" in str(info.value)
    assert "S3cretPW" not in repr(info.value) and "S3cretPW" not in str(info.value.__dict__)
    for argv in (("network", "list"), ("--debug", "network", "list"), ("db", "current")):
        result = run_main(*argv, "--db-url", SECRET_URL)
        assert result.code != 0
        assert "S3cretPW" not in result.out + result.err, argv
    conf = tmp_path / "compute.conf"
    conf.write_text(f"[database]\nconnection = {SECRET_URL}\n[agent]\nbackend = linuxbridge\n")
    err = io.StringIO()
    assert agent_main(["--config-file", str(conf), "--once"], err=err) != 0
    assert "S3cretPW" not in err.getvalue() and "root:***@db.example" in err.getvalue()
