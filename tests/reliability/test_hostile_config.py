"""Hostile configuration files: random values for every ml2core option, through a real ini file.

Each example writes an ini file (``make_conf``, as an operator's file) with
random values for a random handful of ml2core's options (every option of
``ml2core.config.list_opts`` can be drawn: integers out of bounds, booleans
that are not, malformed ranges, unknown driver names, ``$`` substitutions,
unicode…) and constructs an ``Ml2Plugin`` with it. The plugin either starts
or raises ``ConfigError`` whose ``field`` is the offending option as
``[group] name``; a driver name that is not installed (or cannot load) is
``DriverNotFound`` / ``DriverLoadError`` naming that driver, as the
contract says. Nothing else, and never a bare internal error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oslo_config import cfg

from ml2core import Ml2Plugin
from ml2core import config as ml2_config
from ml2core.exceptions import ConfigError, DriverLoadError, DriverNotFound, Ml2CoreError
from ml2core.testing import make_conf
from tests import dbutil
from tests.reliability.conftest import Figures

OPTIONS: list[tuple[str, cfg.Opt]] = [(group, opt) for group, opts in ml2_config.list_opts() for opt in opts]
OPTION_NAMES = {f"[{group}] {opt.dest}" for group, opt in OPTIONS}

_LINE = st.characters(codec="utf-8", exclude_characters="\n\r")
_TEXT = st.one_of(
    st.text(alphabet=_LINE, max_size=16),
    st.sampled_from(["", " ", "$foo", "${ml2.mtu}", "%(x)s", "\\", "'", "\x00", "名前", "🦄", "x" * 300]),
)
_INTS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([-1, 0, 1, 67, 68, 1280, 1500, 9000, 2**31, 2**63, 2**64]),
)
_ENTRIES = st.sampled_from(
    [
        "physnet1",
        "physnet1:1:10",
        "physnet1:10:1",
        "physnet1:0:10",
        "physnet1:1:4095",
        "physnet2:4094:4094",
        ":1:2",
        "p:a:b",
        "p:1:2:3",
        "1:10",
        "10:1",
        "0:5",
        "1:16777215",
        "1:16777216",
        "1:4294967295",
        "1:4294967296",
        "-5:5",
        "*",
        "physnet1:1500",
        "physnet1:abc",
        "physnet1:67",
        "physnet1:",
        "local",
        "flat",
        "vlan",
        "gre",
        "vxlan",
        "geneve",
        "test_type",
        "broken_import",
        "broken_init",
        "openvswitch",
        "linuxbridge",
        "sriovnicswitch",
        "logger",
        "test_ext",
        "bogus",
    ]
)
_DRIVER_OPTIONS = {"type_drivers", "mechanism_drivers", "extension_drivers", "project_network_types"}


def _value(opt: cfg.Opt) -> st.SearchStrategy[Any]:
    if isinstance(opt, cfg.BoolOpt):
        return st.one_of(
            st.sampled_from(["true", "false", "True", "yes", "no", "1", "0", "maybe", ""]), _TEXT
        )
    if isinstance(opt, cfg.IntOpt | cfg.FloatOpt | cfg.PortOpt):
        return st.one_of(_INTS.map(str), _TEXT)
    if isinstance(opt, cfg.ListOpt):
        return st.lists(st.one_of(_ENTRIES, _ENTRIES, _TEXT.filter(lambda t: "," not in t)), max_size=4).map(
            ",".join
        )
    if opt.dest == "base_mac":
        return st.one_of(st.sampled_from(["fa:16:3e:00:00:00", "01:16:3e:00:00:00", "fa:16:3e", "zz"]), _TEXT)
    return _TEXT


@st.composite
def config_files(draw: st.DrawFn) -> dict[str, dict[str, str]]:
    """A handful of options with hostile values, as ``{group: {option: raw ini value}}``."""
    chosen = draw(
        st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=6, unique_by=lambda o: (o[0], o[1].dest))
    )
    groups: dict[str, dict[str, str]] = {}
    for group, opt in chosen:
        if (group, opt.dest) == ("database", "connection"):
            continue  # the tests pass db_url; a random URL would not be read anyway
        groups.setdefault(group, {})[opt.dest] = draw(_value(opt))
    return groups


@pytest.fixture(scope="module")
def migrated_url(
    template_cache: dbutil.TemplateCache, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with dbutil.fresh_database("sqlite", template_cache, str(tmp_path_factory.mktemp("config"))) as url:
        yield url


def _drivers_named(groups: dict[str, dict[str, str]]) -> set[str]:
    named = set(ml2_config.ml2_opts[0].default or [])  # the default type drivers
    for option, value in groups.get("ml2", {}).items():
        if option in _DRIVER_OPTIONS:
            named.update(v.strip() for v in value.split(","))
    return named


def test_hostile_config_files_start_a_plugin_or_raise_config_error_naming_the_option(
    migrated_url: str, figures: Figures
) -> None:
    outcomes: Counter[str] = Counter()

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(groups=config_files())
    def run(groups: dict[str, dict[str, str]]) -> None:
        conf = make_conf(groups)
        try:
            plugin = Ml2Plugin(conf, db_url=migrated_url)
        except ConfigError as exc:
            assert exc.field in OPTION_NAMES, f"{groups}: ConfigError names {exc.field!r}: {exc}"
            outcomes["ConfigError"] += 1
            return
        except (DriverNotFound, DriverLoadError) as exc:
            assert exc.kwargs.get("name") in _drivers_named(groups), f"{groups}: {exc}"
            outcomes[type(exc).__name__] += 1
            return
        except Ml2CoreError as exc:
            raise AssertionError(f"{groups}: {type(exc).__name__}: {exc}") from exc
        plugin.close()
        outcomes["started"] += 1

    run()
    figures(f"hostile config files: {sum(outcomes.values())} files tried: {dict(sorted(outcomes.items()))}")
