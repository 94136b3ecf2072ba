"""``MechanismDriverConformance``: what every mechanism driver must do, as tests a vendor inherits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ml2core import Ml2Plugin
from ml2core.api import MechanismDriver
from ml2core.testing.conformance._mechanism_base import FOREIGN_NETWORK_TYPE, BindingScenario
from ml2core.testing.conformance._mechanism_checks import BindingChecks, HookChecks

__all__ = ["FOREIGN_NETWORK_TYPE", "BindingScenario", "MechanismDriverConformance"]


class MechanismDriverConformance(HookChecks, BindingChecks):
    """The contract of a mechanism driver, as pytest tests; subclass it in one line.

    ::

        from ml2core.testing import MechanismDriverConformance

        class TestMyDriverConformance(MechanismDriverConformance):
            driver_name = "my_driver"        # its ml2core.mechanism_drivers entry point

    Each ``test_*`` method runs one ``check_*`` method on a fresh plugin
    (SQLite file in ``tmp_path``) configured with :attr:`mechanism_drivers`,
    with agents registered by :meth:`register_agents` on :attr:`host`. The
    checks, which raise ``AssertionError`` saying what the driver did wrong:

    * the driver survives every create/update/delete hook on networks
      (single-segment of every loaded type, multi-segment, project),
      subnets (IPv4, IPv6) and ports (unbound, bound, moved, status
      changes, deleted), and once everything is deleted ml2core's tables are
      as before (a dynamic segment a discarded attempt allocated is gone);
    * in real binding attempts, ``bind_port`` never raises and every
      decline carries a reason (read from ``explain_binding``);
    * on :class:`~ml2core.testing.FakePortContext` scenarios
      (:meth:`binding_scenarios`): ``bind_port`` writes nothing to the
      database (every table, ml2core's or not, is compared), binds or
      continues only a segment from ``segments_to_bind`` and continues only
      to the network's segments or dynamic segments allocated through the
      context, declines segment types it cannot know
      (:attr:`foreign_network_types`), gives a reason whenever it does not
      bind, and binds (or continues) at least one scenario on the agent
      host unless :attr:`expect_to_bind` is false.

    Class attributes to adjust (all optional but :attr:`driver_name`), and
    methods to override for more: :meth:`register_agents`,
    :meth:`network_bodies`, :meth:`binding_scenarios`, :meth:`load_driver`.
    """

    @pytest.fixture
    def ml2core_conformance_plugin(self, tmp_path: Path) -> Iterator[Ml2Plugin]:
        """:meth:`make_plugin` in the test's ``tmp_path``."""
        with self.make_plugin(tmp_path) as plugin:
            yield plugin

    @pytest.fixture
    def ml2core_conformance_driver(self, ml2core_conformance_plugin: Ml2Plugin) -> MechanismDriver:
        """:meth:`load_driver` on the suite's plugin."""
        return self.load_driver(ml2core_conformance_plugin)

    # -- the tests ---------------------------------------------------------------------------
    def test_survives_network_hooks(self, ml2core_conformance_plugin: Ml2Plugin) -> None:
        """Networks of every kind are created, updated and deleted without a driver error."""
        self.check_network_hooks(ml2core_conformance_plugin)

    def test_survives_subnet_hooks(self, ml2core_conformance_plugin: Ml2Plugin) -> None:
        """IPv4 and IPv6 subnets are created, updated and deleted without a driver error."""
        self.check_subnet_hooks(ml2core_conformance_plugin)

    def test_survives_port_hooks_and_explains_its_declines(
        self, ml2core_conformance_plugin: Ml2Plugin
    ) -> None:
        """Ports live through create, bind, move, status and delete; declines carry reasons."""
        self.check_port_hooks(ml2core_conformance_plugin)

    def test_bind_port_has_no_persistent_side_effects(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_driver: MechanismDriver
    ) -> None:
        """``bind_port`` leaves every table of the database as it found it."""
        self.check_bind_port_has_no_persistent_side_effects(
            ml2core_conformance_plugin, ml2core_conformance_driver
        )

    def test_binds_only_segments_to_bind(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_driver: MechanismDriver
    ) -> None:
        """Bound and continued segments come from ``segments_to_bind``."""
        self.check_binds_only_segments_to_bind(ml2core_conformance_plugin, ml2core_conformance_driver)

    def test_declines_foreign_segment_types(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_driver: MechanismDriver
    ) -> None:
        """Segments of types the driver cannot know are declined."""
        self.check_declines_foreign_segment_types(ml2core_conformance_plugin, ml2core_conformance_driver)

    def test_gives_a_reason_when_declining(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_driver: MechanismDriver
    ) -> None:
        """Whenever the driver does not bind, it says why."""
        self.check_gives_a_reason_when_declining(ml2core_conformance_plugin, ml2core_conformance_driver)

    def test_binds_some_scenario(
        self, ml2core_conformance_plugin: Ml2Plugin, ml2core_conformance_driver: MechanismDriver
    ) -> None:
        """The driver binds or continues at least one scenario on the agent host."""
        self.check_binds_some_scenario(ml2core_conformance_plugin, ml2core_conformance_driver)
