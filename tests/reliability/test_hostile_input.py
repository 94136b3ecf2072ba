"""Hostile input: hypothesis drives every public facade call with random and malformed arguments.

For every ``Ml2Plugin`` method (and ``Context(...)`` and ``Ml2Plugin(...)``
construction): only ``ml2core.exceptions`` errors are raised, never the
facade's bare internal error nor a ``DatabaseError`` (an input the
validation let through to the database); each rejection names the field
(the rule is in ``tests/reliability/hostile.py``); a rejected call leaves
the ml2core tables logically unchanged (``dump_tables`` before and after);
an accepted call by a project shows it no admin-only attribute and none of
the other project's private resources, and leaves the other project's
resources as they were.

Runs on SQLite with the hypothesis profile's ``max_examples`` (``ci``: 40 per
call), and a smaller run on PostgreSQL and MariaDB (strings are checked for
length there for real).
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oslo_config import cfg

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import ConfigError, DatabaseError, InvalidInput, Ml2CoreError
from ml2core.testing import dump_tables, make_conf
from tests import dbutil
from tests.conftest import require_backend
from tests.reliability import hostile
from tests.reliability.conftest import Figures

MUTATIONS = {
    m
    for m in hostile.FACADE_CALLS
    if m.startswith(("create_", "update_", "delete_", "allocate_", "release_", "report_"))
}
#: Examples per call on PostgreSQL and MariaDB (a smaller run than SQLite's).
SERVER_EXAMPLES = int(os.environ.get("ML2CORE_HOSTILE_SERVER_EXAMPLES", "10"))


class Arena:
    """The world on one database, rebuilt when a hostile (admin) call breaks it."""

    def __init__(self, backend: str, cache: dbutil.TemplateCache, tmpdir: str) -> None:
        self.backend = backend
        self.cache = cache
        self.tmpdir = tmpdir
        self.stack = contextlib.ExitStack()
        self._world: hostile.World | None = None
        self.rebuilds = 0
        self.dirty = False

    def ensure(self) -> hostile.World:
        """The world, rebuilt if an accepted call (``dirty``) broke it."""
        if self._world is not None and not (self.dirty and not self._world.intact()):
            self.dirty = False
            return self._world
        if self._world is not None:
            self._world.plugin.close()
            self.rebuilds += 1
        url = self.stack.enter_context(dbutil.fresh_database(self.backend, self.cache, self.tmpdir))
        self._world = hostile.World.build(Ml2Plugin(make_conf(**hostile.WORLD_GROUPS), db_url=url))
        return self._world

    def close(self) -> None:
        if self._world is not None:
            self._world.plugin.close()
        self.stack.close()


class Arenas(dict[str, Arena]):
    """One arena per backend, made on first use."""

    def __init__(self, cache: dbutil.TemplateCache, tmpdir: str) -> None:
        super().__init__()
        self.cache = cache
        self.tmpdir = tmpdir

    def __missing__(self, backend: str) -> Arena:
        arena = self[backend] = Arena(backend, self.cache, self.tmpdir)
        return arena


@pytest.fixture(scope="module")
def arenas(
    template_cache: dbutil.TemplateCache, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Arenas]:
    made = Arenas(template_cache, str(tmp_path_factory.mktemp("hostile")))
    yield made
    for arena in made.values():
        arena.close()


def drive(arena: Arena, method: str, outcomes: Counter[str], max_examples: int | None = None) -> None:
    """One hypothesis run over ``method``: every example checked as the module docstring says."""

    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        world = arena.ensure()
        call = data.draw(hostile.calls(world, method), label="call")
        plugin = world.plugin
        fn = getattr(plugin, method)
        before = dump_tables(plugin.engine)
        watch_victim = (
            method in MUTATIONS and isinstance(call.ctx, Context) and call.ctx.project_id == "attacker"
        )
        victim_before = world.victim_view() if watch_victim else None
        try:
            result = fn(*call.args, **call.kwargs)
        except Exception as exc:
            problem = hostile.check_rejection(exc, call, hostile.parameter_names(fn))
            assert problem is None, f"{call!r}: {problem}"
            assert dump_tables(plugin.engine) == before, (
                f"{call!r} was rejected ({exc}) but changed the tables"
            )
            outcomes[type(exc).__name__] += 1
            return
        problem = hostile.check_answer(result, call, world)
        assert problem is None, f"{call!r}: {problem}"
        if watch_victim:
            assert world.victim_view() == victim_before, f"{call!r} changed the victim's resources"
        arena.dirty = method in MUTATIONS
        outcomes["accepted"] += 1

    if max_examples is not None:
        run = settings(max_examples=max_examples)(run)
    run()


@pytest.mark.parametrize("method", hostile.FACADE_CALLS)
def test_hostile_calls_raise_only_named_ml2core_errors_and_change_nothing(
    arenas: Arenas, method: str, figures: Figures
) -> None:
    outcomes: Counter[str] = Counter()
    drive(arenas["sqlite"], method, outcomes)
    figures(
        f"hostile sqlite {method}: {sum(outcomes.values())} inputs tried: {dict(sorted(outcomes.items()))}"
    )


@pytest.mark.db_server
@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
@pytest.mark.parametrize("method", hostile.FACADE_CALLS)
def test_hostile_calls_on_database_servers(
    arenas: Arenas, backend: str, method: str, figures: Figures
) -> None:
    require_backend(backend)
    outcomes: Counter[str] = Counter()
    drive(arenas[backend], method, outcomes, SERVER_EXAMPLES)
    figures(
        f"hostile {backend} {method}: {sum(outcomes.values())} inputs tried: {dict(sorted(outcomes.items()))}"
    )


# -- construction --------------------------------------------------------------------------


def test_hostile_context_construction_raises_only_invalid_input_naming_the_argument(figures: Figures) -> None:
    outcomes: Counter[str] = Counter()

    @given(project_id=hostile.junk() | st.text(max_size=300), is_admin=hostile.junk())
    def run(project_id: Any, is_admin: Any) -> None:
        try:
            ctx = Context(project_id, is_admin)
        except InvalidInput as exc:
            assert exc.field in ("project_id", "is_admin"), exc
            outcomes["InvalidInput"] += 1
            return
        assert ctx.project_id == project_id and ctx.is_admin is is_admin
        outcomes["accepted"] += 1

    run()
    figures(f"hostile Context(...): {sum(outcomes.values())} inputs tried: {dict(outcomes)}")


_URLS = [
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite:///relative.sqlite",
    "sqlite:////nonexistent-ml2core-dir/x/y.sqlite",
    "sqlite:///" + "x" * 5000,
    "sqlite:///a\x00b",
    "postgresql+psycopg://nobody@127.0.0.1:1/x",
    "mysql+pymysql://nobody@127.0.0.1:1/x",
    "oracle+cx_oracle://x/y",
    "bogus://x",
    "://",
    "",
    "sqlite",
    "postgresql+nodriver://x",
]


def test_hostile_plugin_construction_raises_only_ml2core_errors(tmp_path: Any, figures: Figures) -> None:
    outcomes: Counter[str] = Counter()
    memory = sa.create_engine("sqlite://")
    confs = st.one_of(st.none(), st.just("conf"), hostile.junk(), st.builds(cfg.ConfigOpts))
    urls = st.one_of(st.none(), st.sampled_from(_URLS), hostile.texts(), hostile.junk())
    engines = st.one_of(st.none(), st.just(memory), hostile.junk())

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(conf=confs, db_url=urls, engine=engines)
    def run(conf: Any, db_url: Any, engine: Any) -> None:
        try:
            plugin = Ml2Plugin(conf, db_url=db_url, engine=engine)
        except Ml2CoreError as exc:
            assert type(exc) is not Ml2CoreError, f"internal error: {exc}"
            if isinstance(exc, InvalidInput):
                assert exc.field in ("conf", "db_url", "engine"), exc
            elif isinstance(exc, ConfigError):
                assert exc.field == "[database] connection", exc
            else:
                # The URL named a database that cannot be opened or reached.
                assert isinstance(exc, DatabaseError), f"{type(exc).__name__}: {exc}"
                assert exc.__cause__ is not None
            outcomes[type(exc).__name__] += 1
            return
        plugin.close()
        outcomes["constructed"] += 1

    cwd = os.getcwd()
    os.chdir(tmp_path)  # the default and relative SQLite URLs make files in the working directory
    try:
        run()
    finally:
        os.chdir(cwd)
        memory.dispose()
    figures(f"hostile Ml2Plugin(...): {sum(outcomes.values())} inputs tried: {dict(outcomes)}")


# -- what the hostile runs found, pinned ------------------------------------------------------


def test_paging_sorted_by_a_boolean_with_a_marker_pages_instead_of_failing(make_plugin: Any) -> None:
    plugin = make_plugin(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:9"]})
    admin = Context.admin()
    for i in range(4):
        plugin.create_network(admin, {"name": f"n{i}", "admin_state_up": i % 2 == 0})
    sorts = [("admin_state_up", "asc")]
    first = plugin.get_networks(admin, sorts=sorts, limit=2)
    rest = plugin.get_networks(admin, sorts=sorts, marker=first[-1]["id"])
    assert [n["admin_state_up"] for n in first + rest] == [False, False, True, True]
    assert len({n["id"] for n in first + rest}) == 4


def test_limit_beyond_64_bits_is_invalid_input_naming_limit(make_plugin: Any) -> None:
    plugin = make_plugin()
    with pytest.raises(InvalidInput) as info:
        plugin.get_ports(Context("p"), limit=2**63)
    assert info.value.field == "limit"


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
def test_non_finite_numbers_in_json_attributes_are_invalid_input_naming_them(
    make_plugin: Any, number: float
) -> None:
    plugin = make_plugin(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:9"]})
    admin = Context.admin()
    net = plugin.create_network(admin, {})
    before = dump_tables(plugin.engine)
    with pytest.raises(InvalidInput) as info:
        plugin.create_port(admin, {"network_id": net["id"], "binding:profile": {"x": number}})
    assert info.value.field == "binding:profile"
    with pytest.raises(InvalidInput) as info:
        plugin.report_agent_state(admin, {"host": "h", "agent_type": "t", "configurations": {"x": [number]}})
    assert info.value.field == "configurations"
    assert dump_tables(plugin.engine) == before


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda p, n: p.create_network(Context.admin(), {"name": "a\ud800b"}), "name"),
        (lambda p, n: p.create_port(Context.admin(), {"network_id": n, "device_id": "\udfff"}), "device_id"),
        (
            lambda p, n: p.create_port(
                Context.admin(), {"network_id": n, "binding:profile": {"k": "\ud800"}}
            ),
            "binding:profile",
        ),
        (lambda p, n: p.get_network(Context.admin(), "\ud800"), "id"),
        (lambda p, n: p.get_networks(Context.admin(), filters={"name": ["\ud800"]}), "filters"),
        (lambda p, n: p.report_agent_state(Context.admin(), {"host": "\ud800", "agent_type": "t"}), "host"),
        (lambda p, n: p.get_host_ports(Context.admin(), "\ud800"), "host"),
    ],
    ids=["network-name", "device_id", "profile", "id", "filter", "agent-host", "host-ports"],
)
def test_lone_surrogates_are_invalid_input_naming_the_field(make_plugin: Any, call: Any, field: str) -> None:
    """Strings that are not valid unicode (no UTF-8 encoding) never reach the database."""
    plugin = make_plugin(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:9"]})
    net = plugin.create_network(Context.admin(), {})
    before = dump_tables(plugin.engine)
    with pytest.raises(InvalidInput) as info:
        call(plugin, net["id"])
    assert hostile.field_root(info.value.field or "") == field, info.value
    assert dump_tables(plugin.engine) == before


def test_context_with_a_lone_surrogate_project_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as info:
        Context("\ud800")
    assert info.value.field == "project_id"


@pytest.mark.parametrize(
    ("segment", "field"),
    [
        (
            {"network_type": "vlan", "physical_network": "physnet1", "segmentation_id": 0},
            "segment.segmentation_id",
        ),
        ({"network_type": "vxlan", "physical_network": "physnet1"}, "segment.physical_network"),
        ({"network_type": "flat"}, "segment.physical_network"),
    ],
    ids=["vlan-id-0", "vxlan-physnet", "flat-no-physnet"],
)
def test_bad_dynamic_segment_names_the_segment_key_given(
    make_plugin: Any, segment: dict[str, Any], field: str
) -> None:
    plugin = make_plugin(**hostile.WORLD_GROUPS)
    net = plugin.create_network(Context.admin(), {})
    with pytest.raises(InvalidInput) as info:
        plugin.allocate_dynamic_segment(Context.admin(), net["id"], segment)
    assert info.value.field == field


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.get_network(Context.admin(), "\x00"),
        lambda p: p.get_ports(Context.admin(), filters={"device_id": ["a\x00"]}),
        lambda p: p.get_host_ports(Context.admin(), "h\x00"),
        lambda p: p.get_subnets(Context("p"), marker="\x00"),
    ],
    ids=["id", "filter", "host", "marker"],
)
def test_nul_characters_are_invalid_input_on_every_database(make_plugin: Any, call: Any) -> None:
    """PostgreSQL stores no NUL in text; no database gets one."""
    plugin = make_plugin()
    with pytest.raises(InvalidInput) as info:
        call(plugin)
    assert info.value.field in ("id", "filters[device_id][0]", "host", "marker")
