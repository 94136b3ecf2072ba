"""The checks of the mechanism driver suite: hooks through a real plugin, ``bind_port`` on fakes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pytest

from ml2core import Context, Ml2Plugin, constants
from ml2core.api import MechanismDriver
from ml2core.binding.engine import NO_REASON_GIVEN
from ml2core.testing.conformance._common import (
    describe_difference,
    driver_call,
    snapshot_all_tables,
)
from ml2core.testing.conformance._mechanism_base import (
    HOST_WITHOUT_AGENTS,
    BindingScenario,
    MechanismSuiteBase,
    describe_segments,
)
from ml2core.testing.dbdump import dump_tables
from ml2core.testing.fakes import FakePortContext

__all__ = ["BindingChecks", "HookChecks"]

# The reason the binding engine records for a driver that answered nothing
# (ml2core.binding.engine); the suite's own tests keep the two in step.
_ENGINE_NO_REASON: Final = NO_REASON_GIVEN


class HookChecks(MechanismSuiteBase):
    """Checks through a real plugin: every hook survives, declines are explained, nothing leaks."""

    # -- the checks: through the real plugin ------------------------------------------------
    def check_network_hooks(self, plugin: Ml2Plugin) -> None:
        """Create, update and delete each network of :meth:`network_bodies`.

        Raises ``AssertionError`` when a mechanism driver fails (its
        exception in the message) or when ml2core's tables differ afterwards.
        """
        ctx = Context.admin()
        before = dump_tables(plugin.engine)
        for body in self.network_bodies():
            name = body.get("name", "network")
            network = driver_call(f"create_network {name}", plugin.create_network, ctx, dict(body))
            driver_call(
                f"update_network {name}",
                plugin.update_network,
                ctx,
                network["id"],
                {"name": f"{name}-renamed", "admin_state_up": False},
            )
            driver_call(
                f"update_network {name}", plugin.update_network, ctx, network["id"], {"admin_state_up": True}
            )
            driver_call(f"delete_network {name}", plugin.delete_network, ctx, network["id"])
        self._assert_unchanged(before, dump_tables(plugin.engine), "after every network was deleted")

    def check_subnet_hooks(self, plugin: Ml2Plugin) -> None:
        """Create, update and delete an IPv4 and an IPv6 subnet on a project network.

        Raises ``AssertionError`` when a mechanism driver fails or ml2core's
        tables differ once the network is deleted.
        """
        ctx = Context.admin()
        before = dump_tables(plugin.engine)
        network = driver_call("create_network", plugin.create_network, ctx, {"name": "conformance-subnets"})
        subnets = [
            {"cidr": "10.99.0.0/24", "ip_version": 4, "gateway_ip": "10.99.0.1"},
            {"cidr": "2001:db8:99::/64", "ip_version": 6},
        ]
        for spec in subnets:
            body = {"network_id": network["id"], "name": f"conformance-v{spec['ip_version']}", **spec}
            subnet = driver_call(f"create_subnet {spec['cidr']}", plugin.create_subnet, ctx, body)
            driver_call(
                f"update_subnet {spec['cidr']}", plugin.update_subnet, ctx, subnet["id"], {"name": "renamed"}
            )
            driver_call(f"delete_subnet {spec['cidr']}", plugin.delete_subnet, ctx, subnet["id"])
        driver_call("delete_network", plugin.delete_network, ctx, network["id"])
        self._assert_unchanged(
            before, dump_tables(plugin.engine), "after the subnets and network were deleted"
        )

    def check_port_hooks(self, plugin: Ml2Plugin) -> None:
        """Live every port life on every network of :meth:`network_bodies`, and read the bindings.

        Per network (with an IPv4 subnet) and vnic type: a port without a
        host (created, renamed, deleted); a port bound on :attr:`host`, set
        ``ACTIVE`` by its host, moved to a host without agents, moved back,
        deleted; and an l2-only port (no fixed IPs) bound on :attr:`host`.
        After each binding attempt ``explain_binding`` must not show the
        driver raising, nor declining without a reason. Raises
        ``AssertionError`` for those, for a driver failure in any hook, and
        when ml2core's tables differ once everything is deleted.
        """
        ctx = Context.admin()
        before = dump_tables(plugin.engine)
        for body in self.network_bodies():
            name = body.get("name", "network")
            network = driver_call(f"create_network {name}", plugin.create_network, ctx, dict(body))
            subnet = driver_call(
                f"create_subnet on {name}",
                plugin.create_subnet,
                ctx,
                {"network_id": network["id"], "cidr": "10.99.0.0/24", "ip_version": 4},
            )
            self._port_lives(plugin, ctx, network, name)
            driver_call(f"delete_subnet on {name}", plugin.delete_subnet, ctx, subnet["id"])
            driver_call(f"delete_network {name}", plugin.delete_network, ctx, network["id"])
        self._assert_unchanged(before, dump_tables(plugin.engine), "after every port and network was deleted")

    def _port_lives(self, plugin: Ml2Plugin, ctx: Context, network: dict[str, Any], name: str) -> None:
        where = f"on network {name}"
        unbound = driver_call(f"create_port {where}", plugin.create_port, ctx, {"network_id": network["id"]})
        driver_call(f"update_port {where}", plugin.update_port, ctx, unbound["id"], {"name": "renamed"})
        driver_call(f"delete_port {where}", plugin.delete_port, ctx, unbound["id"])
        for vnic_type in self.vnic_types:
            binding = {"binding:vnic_type": vnic_type, "binding:profile": dict(self.binding_profile)}
            what = f"{vnic_type} port {where} on host {self.host}"
            port = driver_call(
                f"create_port ({what})",
                plugin.create_port,
                ctx,
                {"network_id": network["id"], "binding:host_id": self.host, **binding},
            )
            self._assert_explained(plugin, port["id"], what)
            driver_call(
                f"update_port_status ({what})",
                plugin.update_port_status,
                ctx,
                port["id"],
                constants.PORT_STATUS_ACTIVE,
                self.host,
            )
            driver_call(
                f"update_port ({what}, moved to {HOST_WITHOUT_AGENTS})",
                plugin.update_port,
                ctx,
                port["id"],
                {"binding:host_id": HOST_WITHOUT_AGENTS},
            )
            self._assert_explained(
                plugin, port["id"], f"{vnic_type} port {where} on host {HOST_WITHOUT_AGENTS}"
            )
            driver_call(
                f"update_port ({what}, moved back)",
                plugin.update_port,
                ctx,
                port["id"],
                {"binding:host_id": self.host},
            )
            self._assert_explained(plugin, port["id"], what)
            driver_call(f"delete_port ({what})", plugin.delete_port, ctx, port["id"])
            l2_only = driver_call(
                f"create_port (l2-only {what})",
                plugin.create_port,
                ctx,
                {"network_id": network["id"], "binding:host_id": self.host, "fixed_ips": [], **binding},
            )
            self._assert_explained(plugin, l2_only["id"], f"l2-only {what}")
            driver_call(f"delete_port (l2-only {what})", plugin.delete_port, ctx, l2_only["id"])

    def _assert_explained(self, plugin: Ml2Plugin, port_id: str, what: str) -> None:
        explanation = plugin.explain_binding(Context.admin(), port_id)
        for level in explanation.get("levels", []):
            for decision in level.get("drivers", []):
                if decision.get("driver") != self.driver_name:
                    continue
                reason = str(decision.get("reason") or "").strip()
                segments = describe_segments(level.get("segments_to_bind", []))
                where = f"{what}, level {level.get('level')}, segments {segments}"
                if decision.get("outcome") == "error":
                    raise AssertionError(
                        f"{where}: bind_port of {self.driver_name} failed: {reason}. A driver that "
                        "cannot bind should call context.decline(reason), and may bind only a "
                        "segment from segments_to_bind"
                    )
                if decision.get("outcome") == "declined" and reason in ("", _ENGINE_NO_REASON):
                    raise AssertionError(
                        f"{where}: {self.driver_name} did not bind and gave no reason; call "
                        "context.decline('why, in words an operator can act on')"
                    )

    @staticmethod
    def _assert_unchanged(
        before: Mapping[str, list[tuple[Any, ...]]], after: Mapping[str, list[tuple[Any, ...]]], when: str
    ) -> None:
        difference = describe_difference(before, after)
        if difference:
            raise AssertionError(f"the database is not as it was before, {when}:\n{difference}")


class BindingChecks(MechanismSuiteBase):
    """Checks of ``bind_port`` on :class:`~ml2core.testing.FakePortContext` scenarios."""

    # -- the checks: fake contexts ----------------------------------------------------------
    def attempt_scenarios(
        self, plugin: Ml2Plugin, driver: MechanismDriver
    ) -> list[tuple[BindingScenario, FakePortContext, BaseException | None]]:
        """Call ``driver.bind_port`` once per :meth:`binding_scenarios` entry.

        Returns each scenario with its context (what the driver did) and
        the exception ``bind_port`` raised, if any (caught, so that every
        scenario runs).
        """
        results: list[tuple[BindingScenario, FakePortContext, BaseException | None]] = []
        for scenario in self.binding_scenarios(plugin):
            context = scenario.context()
            error: BaseException | None = None
            try:
                driver.bind_port(context)
            except Exception as exc:
                error = exc
            results.append((scenario, context, error))
        return results

    def _raise_if_failed(self, scenario: BindingScenario, error: BaseException | None) -> None:
        if error is not None:
            raise AssertionError(
                f"{scenario.description}: bind_port raised {type(error).__name__}: {error}. "
                "A driver that cannot bind should call context.decline(reason); one that binds may "
                "answer once, with a segment from segments_to_bind"
            ) from error

    def check_bind_port_has_no_persistent_side_effects(
        self, plugin: Ml2Plugin, driver: MechanismDriver
    ) -> None:
        """Run every scenario and compare every table of the database before and after.

        ``bind_port`` may be discarded by the engine, so it must change
        nothing persistent except through its context. Raises
        ``AssertionError`` listing the rows that changed.
        """
        before = snapshot_all_tables(plugin.engine)
        self.attempt_scenarios(plugin, driver)
        difference = describe_difference(before, snapshot_all_tables(plugin.engine))
        if difference:
            raise AssertionError(
                f"bind_port of {self.driver_name} changed the database (it may only act through its "
                f"context; a binding attempt can be discarded):\n{difference}"
            )

    def check_binds_only_segments_to_bind(self, plugin: Ml2Plugin, driver: MechanismDriver) -> None:
        """In every scenario, a bound or continued segment is one of ``segments_to_bind``.

        A continued binding must hand the next level segments of the
        network: its static segments or dynamic segments allocated through
        the context. Raises ``AssertionError`` naming the scenario.
        """
        for scenario, context, error in self.attempt_scenarios(plugin, driver):
            self._raise_if_failed(scenario, error)
            allowed = {segment["id"] for segment in scenario.segments_to_bind}
            answer = context.binding or context.continued
            if answer is not None and answer.segment_id not in allowed:
                raise AssertionError(
                    f"{scenario.description}: {self.driver_name} bound segment {answer.segment_id}, "
                    f"which is not in segments_to_bind ({', '.join(sorted(allowed))})"
                )
            if context.continued is not None:
                known = {segment["id"] for segment in scenario.network_segments}
                known |= {segment["id"] for segment in context.dynamic_segments}
                for segment in context.continued.next_segments_to_bind:
                    if segment.get("id") not in known:
                        raise AssertionError(
                            f"{scenario.description}: {self.driver_name} continued the binding with "
                            f"segment {segment.get('id')}, which is neither a segment of the network "
                            "nor a dynamic segment allocated through context.allocate_dynamic_segment"
                        )

    def check_declines_foreign_segment_types(self, plugin: Ml2Plugin, driver: MechanismDriver) -> None:
        """Scenarios offering only foreign segment types end in ``decline``.

        Raises ``AssertionError`` when the driver binds or continues such a
        segment, does nothing, or raises.
        """
        for scenario, context, error in self.attempt_scenarios(plugin, driver):
            if not scenario.foreign:
                continue
            self._raise_if_failed(scenario, error)
            if context.outcome != "declined":
                raise AssertionError(
                    f"{scenario.description}: {self.driver_name} should decline segments of a type it "
                    f"does not know, but the outcome is {context.outcome!r}"
                )

    def check_gives_a_reason_when_declining(self, plugin: Ml2Plugin, driver: MechanismDriver) -> None:
        """Whenever a scenario does not end bound or continued, the driver gave a non-blank reason.

        Raises ``AssertionError`` naming the scenario (also when ``bind_port`` raised).
        """
        for scenario, context, error in self.attempt_scenarios(plugin, driver):
            self._raise_if_failed(scenario, error)
            if context.outcome in ("bound", "continued"):
                continue
            if not context.decline_reasons or not all(reason.strip() for reason in context.decline_reasons):
                raise AssertionError(
                    f"{scenario.description}: {self.driver_name} did not bind and gave no reason "
                    f"(decline reasons: {context.decline_reasons!r}); call context.decline('why')"
                )

    def check_binds_some_scenario(self, plugin: Ml2Plugin, driver: MechanismDriver) -> None:
        """At least one scenario on :attr:`host` ends bound or continued.

        Skipped when :attr:`expect_to_bind` is false. Without this, a driver
        that declines everything would pass the other
        checks. Raises ``AssertionError`` listing what the driver said.
        """
        if not self.expect_to_bind:
            pytest.skip(f"{type(self).__name__}.expect_to_bind is false")
        said: list[str] = []
        for scenario, context, error in self.attempt_scenarios(plugin, driver):
            if not scenario.on_agent_host:
                continue
            self._raise_if_failed(scenario, error)
            if context.outcome in ("bound", "continued"):
                return
            said.append(f"{scenario.description}: {'; '.join(context.decline_reasons) or context.outcome}")
        raise AssertionError(
            f"{self.driver_name} bound no scenario on {self.host}; adjust register_agents, network_bodies, "
            "vnic_types or binding_profile to a situation it binds (or set expect_to_bind = False):\n"
            + "\n".join(said)
        )
