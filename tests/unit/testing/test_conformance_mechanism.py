"""MechanismDriverConformance fails drivers that break the contract (so passing it means something)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
import stevedore

from ml2core import Ml2Plugin, constants
from ml2core.api import MechanismDriver, NetworkContext, PortContext, allocations
from ml2core.testing import FakePortContext, MechanismDriverConformance, load_mechanism_driver

SELFTEST_MODULE = __name__


# -- drivers that break one rule each ---------------------------------------------------------


class _Base(MechanismDriver):
    def initialize(self) -> None:
        pass

    @property
    def connectivity(self) -> str:
        return constants.CONNECTIVITY_L2


class SilentDriver(_Base):
    """Never answers: no binding, no reason."""

    def bind_port(self, context: PortContext) -> None:
        pass


class GreedyDriver(_Base):
    """Binds the first segment offered, whatever its type."""

    def bind_port(self, context: PortContext) -> None:
        context.set_binding(context.segments_to_bind[0]["id"], constants.VIF_TYPE_OVS, {})


class ForeignSegmentDriver(_Base):
    """Binds one of the network's segments even when it is not offered at this level."""

    def bind_port(self, context: PortContext) -> None:
        context.set_binding(context.network.network_segments[0]["id"], constants.VIF_TYPE_OVS, {})


class StrayContinueDriver(_Base):
    """Continues to a segment it made up instead of allocating it through the context."""

    def bind_port(self, context: PortContext) -> None:
        stray = {
            "id": "made-up",
            "network_type": "vlan",
            "physical_network": "physnet1",
            "segmentation_id": 7,
        }
        context.continue_binding(context.segments_to_bind[0]["id"], [stray])


class RaisingDriver(_Base):
    """Raises instead of declining."""

    def bind_port(self, context: PortContext) -> None:
        raise RuntimeError("cannot cope with this port")


class NeverBindsDriver(_Base):
    """Declines everything, politely."""

    def bind_port(self, context: PortContext) -> None:
        context.decline("this driver never binds")


class DatabaseWritingDriver(_Base):
    """Remembers every binding attempt in a table of its own, in ml2core's database."""

    def bind_port(self, context: PortContext) -> None:
        engine = sa.create_engine(str(self.conf.database.connection))
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("CREATE TABLE IF NOT EXISTS vendor_attempts (port_id VARCHAR(36))"))
                conn.execute(
                    sa.text("INSERT INTO vendor_attempts VALUES (:id)"), {"id": context.current["id"]}
                )
        finally:
            engine.dispose()
        context.decline("only records attempts")


class LeakyPrecommitDriver(_Base):
    """Reserves a VLAN for its fabric in every network's precommit and never gives it back."""

    def create_network_precommit(self, context: NetworkContext) -> None:
        allocations.claim_segment(context.plugin_context, "vlan", "physnet1", 7)

    def bind_port(self, context: PortContext) -> None:
        context.decline("does not bind")


# -- helpers ----------------------------------------------------------------------------------


def suite(driver_name: str = "openvswitch", driver: type[MechanismDriver] | None = None, **attrs: Any) -> Any:
    """A suite instance for ``driver_name``; with ``driver``, its fake-context checks use that class."""
    namespace: dict[str, Any] = {"driver_name": driver_name, **attrs}
    if driver is not None:

        def load_driver(self: MechanismDriverConformance, plugin: Ml2Plugin) -> MechanismDriver:
            instance = driver()
            instance.conf = plugin.conf
            instance.name = self.driver_name
            instance.initialize()
            return instance

        namespace["load_driver"] = load_driver
    return type("SelfTestSuite", (MechanismDriverConformance,), namespace)()


@pytest.fixture
def selftest_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entry points ``selftest_*`` (namespace ml2core.mechanism_drivers) for this module's drivers."""
    site = tmp_path / "site"
    dist = site / "ml2core_conformance_selftest-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ml2core-conformance-selftest\nVersion: 0\n")
    names = {"selftest_silent": "SilentDriver", "selftest_leaky": "LeakyPrecommitDriver"}
    lines = [f"{name} = {SELFTEST_MODULE}:{cls}" for name, cls in names.items()]
    (dist / "entry_points.txt").write_text("[ml2core.mechanism_drivers]\n" + "\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(site))
    # stevedore keeps the entry points of a namespace for the life of the process.
    monkeypatch.setattr(stevedore.ExtensionManager, "ENTRY_POINT_CACHE", {})


# -- the fake-context checks --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("driver", "check"),
    [
        pytest.param(SilentDriver, "check_gives_a_reason_when_declining", id="silent-gives-no-reason"),
        pytest.param(RaisingDriver, "check_gives_a_reason_when_declining", id="raising-instead-of-declining"),
        pytest.param(GreedyDriver, "check_declines_foreign_segment_types", id="greedy-binds-foreign-types"),
        pytest.param(SilentDriver, "check_declines_foreign_segment_types", id="silent-does-not-decline"),
        pytest.param(
            ForeignSegmentDriver, "check_binds_only_segments_to_bind", id="binds-segment-not-offered"
        ),
        pytest.param(
            StrayContinueDriver, "check_binds_only_segments_to_bind", id="continues-to-made-up-segment"
        ),
        pytest.param(NeverBindsDriver, "check_binds_some_scenario", id="never-binds"),
        pytest.param(
            DatabaseWritingDriver, "check_bind_port_has_no_persistent_side_effects", id="writes-in-bind-port"
        ),
    ],
)
def test_fake_context_check_fails_a_driver_breaking_its_rule(
    tmp_path: Path, driver: type[MechanismDriver], check: str
) -> None:
    checks = suite(driver=driver)
    with checks.make_plugin(tmp_path) as plugin, pytest.raises(AssertionError):
        getattr(checks, check)(plugin, checks.load_driver(plugin))


@pytest.mark.parametrize(
    "check",
    [
        "check_gives_a_reason_when_declining",
        "check_declines_foreign_segment_types",
        "check_binds_only_segments_to_bind",
        "check_binds_some_scenario",
        "check_bind_port_has_no_persistent_side_effects",
    ],
)
def test_fake_context_checks_pass_the_openvswitch_driver(tmp_path: Path, check: str) -> None:
    checks = suite("openvswitch")
    with checks.make_plugin(tmp_path) as plugin:
        getattr(checks, check)(plugin, checks.load_driver(plugin))


def test_binding_failures_name_the_scenario(tmp_path: Path) -> None:
    checks = suite(driver=ForeignSegmentDriver)
    with checks.make_plugin(tmp_path) as plugin, pytest.raises(AssertionError, match="level 1, normal port"):
        checks.check_binds_only_segments_to_bind(plugin, checks.load_driver(plugin))


def test_a_driver_that_never_binds_may_say_so(tmp_path: Path) -> None:
    checks = suite(driver=NeverBindsDriver, expect_to_bind=False)
    with checks.make_plugin(tmp_path) as plugin, pytest.raises(pytest.skip.Exception):
        checks.check_binds_some_scenario(plugin, checks.load_driver(plugin))


def test_foreign_types_include_what_the_subclass_lists(tmp_path: Path) -> None:
    # openvswitch binds local segments: listing local as foreign must fail it.
    checks = suite("openvswitch", foreign_network_types=("conformance_foreign", "local"))
    with checks.make_plugin(tmp_path) as plugin, pytest.raises(AssertionError, match="local"):
        checks.check_declines_foreign_segment_types(plugin, checks.load_driver(plugin))


def test_scenarios_cover_every_vnic_type_and_foreign_type() -> None:
    class Checks(MechanismDriverConformance):
        driver_name = "openvswitch"
        vnic_types: ClassVar = ("normal", "direct")
        foreign_network_types: ClassVar = ("x1", "x2")

    checks = Checks()

    class NoAgents:
        def get_agents(self, ctx: Any) -> list[dict[str, Any]]:
            return []

    scenarios = checks.binding_scenarios(NoAgents())  # type: ignore[arg-type]
    described = [s.description for s in scenarios]
    assert any("direct port" in d for d in described)
    assert {s.segments_to_bind[0]["network_type"] for s in scenarios if s.foreign} >= {"x1", "x2"}
    assert all(isinstance(s.context(), FakePortContext) for s in scenarios)


# -- the plugin checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fail_on", "check"),
    [
        ("create_network_postcommit", "check_network_hooks"),
        ("update_network_precommit", "check_network_hooks"),
        ("delete_network_precommit", "check_network_hooks"),
        ("create_subnet_precommit", "check_subnet_hooks"),
        ("update_subnet_postcommit", "check_subnet_hooks"),
        ("create_port_postcommit", "check_port_hooks"),
        ("update_port_postcommit", "check_port_hooks"),
        ("delete_port_precommit", "check_port_hooks"),
    ],
)
def test_hook_checks_fail_a_driver_raising_in_a_hook(tmp_path: Path, fail_on: str, check: str) -> None:
    # "faulty" (ml2core_testdrivers) raises in the hooks named by [faulty] fail_on.
    checks = suite("faulty", config={"faulty": {"fail_on": [fail_on]}})
    with checks.make_plugin(tmp_path) as plugin, pytest.raises(AssertionError, match=f"{fail_on} failed"):
        getattr(checks, check)(plugin)


def test_port_check_fails_a_driver_binding_a_segment_it_was_not_offered(tmp_path: Path) -> None:
    # "foreign" (ml2core_testdrivers) binds a segment ID that is not the port's.
    checks = suite("foreign")
    with (
        checks.make_plugin(tmp_path) as plugin,
        pytest.raises(AssertionError, match="bind_port of foreign failed"),
    ):
        checks.check_port_hooks(plugin)


@pytest.mark.usefixtures("selftest_entry_points")
def test_port_check_fails_a_driver_declining_without_reason(tmp_path: Path) -> None:
    checks = suite("selftest_silent")
    with checks.make_plugin(tmp_path) as plugin, pytest.raises(AssertionError, match="gave no reason"):
        checks.check_port_hooks(plugin)


@pytest.mark.usefixtures("selftest_entry_points")
def test_network_check_fails_a_driver_leaking_an_allocation(tmp_path: Path) -> None:
    checks = suite("selftest_leaky")
    with (
        checks.make_plugin(tmp_path) as plugin,
        pytest.raises(AssertionError, match="ml2core_segment_allocations"),
    ):
        checks.check_network_hooks(plugin)


@pytest.mark.usefixtures("selftest_entry_points")
def test_selftest_entry_points_load(tmp_path: Path) -> None:
    # The two tests above would pass vacuously if the entry points did not load.
    assert isinstance(load_mechanism_driver("selftest_silent"), SilentDriver)


def test_hierarchical_driver_passes_the_port_check_alone(tmp_path: Path) -> None:
    # "tor" continues to a dynamic VLAN nothing binds below: the attempt is
    # discarded and the framework must release the segment (tables unchanged).
    checks = suite("tor")
    with checks.make_plugin(tmp_path) as plugin:
        checks.check_port_hooks(plugin)
