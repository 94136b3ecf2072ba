"""The set-up of the mechanism driver suite: its settings, hooks and binding scenarios."""

from __future__ import annotations

import contextlib
import copy
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final

from ml2core import Context, Ml2Plugin, constants
from ml2core.api import MechanismDriver, Segment
from ml2core.testing.fakes import FakePortContext, make_network, make_port, make_segment
from ml2core.testing.plugin import (
    DEFAULT_PHYSNET,
    DEFAULT_TYPE_DRIVERS,
    load_mechanism_driver,
    plugin_conf,
    register_linuxbridge_agent,
    register_ovs_agent,
    register_sriov_agent,
    sqlite_url,
)

__all__ = [
    "FOREIGN_NETWORK_TYPE",
    "HOST_WITHOUT_AGENTS",
    "BindingScenario",
    "MechanismSuiteBase",
    "describe_segments",
]

#: A network type no driver can know: every driver must decline it.
FOREIGN_NETWORK_TYPE: Final = "conformance_foreign"
#: A host on which the suite registers no agent.
HOST_WITHOUT_AGENTS: Final = "conformance-no-agents"


@dataclass(frozen=True)
class BindingScenario:
    """One ``bind_port`` call the suite makes on a :class:`~ml2core.testing.FakePortContext`.

    ``foreign`` scenarios offer only segments of types the driver cannot
    know (it must decline them); ``on_agent_host`` ones put the port on the
    host whose agents the suite registered (where a driver is expected to
    bind something).
    """

    description: str
    port: dict[str, Any]
    network_segments: list[Segment]
    segments_to_bind: list[Segment]
    agents: list[dict[str, Any]] = field(default_factory=list)
    binding_levels: list[dict[str, Any]] = field(default_factory=list)
    foreign: bool = False
    on_agent_host: bool = False

    def context(self) -> FakePortContext:
        """A fresh context for this scenario (nothing shared with earlier calls)."""
        network_id = self.network_segments[0]["network_id"]
        return FakePortContext(
            copy.deepcopy(self.port),
            network=make_network(self.network_segments, network_id=network_id),
            segments=copy.deepcopy(self.network_segments),
            segments_to_bind=copy.deepcopy(self.segments_to_bind),
            binding_levels=copy.deepcopy(self.binding_levels),
            agents=copy.deepcopy(self.agents),
        )


def _segments_of(body: Mapping[str, Any], network_id: str) -> list[Segment]:
    specs = body.get("segments") or [
        {
            key: body.get(key)
            for key in ("provider:network_type", "provider:physical_network", "provider:segmentation_id")
        }
    ]
    return [
        make_segment(
            spec["provider:network_type"],
            spec.get("provider:physical_network"),
            spec.get("provider:segmentation_id"),
            network_id=network_id,
        )
        for spec in specs
    ]


def describe_segments(segments: Sequence[Mapping[str, Any]]) -> str:
    """``vlan/physnet1/150, vxlan/1050``: segments as the suite's messages name them."""
    parts = []
    for segment in segments:
        text = str(segment.get("network_type"))
        if segment.get("physical_network"):
            text += f"/{segment['physical_network']}"
        if segment.get("segmentation_id") is not None:
            text += f"/{segment['segmentation_id']}"
        parts.append(text)
    return ", ".join(parts) or "none"


class MechanismSuiteBase:
    """Settings and overridable set-up of :class:`~ml2core.testing.MechanismDriverConformance`."""

    #: Entry-point name of the driver under test (namespace ``ml2core.mechanism_drivers``).
    driver_name: ClassVar[str]
    #: ``[ml2] mechanism_drivers`` of the plugin; ``None`` means ``[driver_name]``.
    #: A hierarchical driver may list the driver that binds its lower level.
    mechanism_drivers: ClassVar[Sequence[str] | None] = None
    #: ``[ml2] type_drivers`` of the plugin (networks are made of these types).
    type_drivers: ClassVar[Sequence[str]] = DEFAULT_TYPE_DRIVERS
    #: Extra configuration groups (the driver's own options, ranges …),
    #: merged over :data:`~ml2core.testing.DEFAULT_CONFIG`.
    config: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    #: The host whose agents :meth:`register_agents` registers.
    host: ClassVar[str] = "conformance-host"
    #: ``binding:vnic_type`` values the suite's ports use.
    vnic_types: ClassVar[Sequence[str]] = (constants.VNIC_NORMAL,)
    #: ``binding:profile`` of the suite's ports.
    binding_profile: ClassVar[Mapping[str, Any]] = {}
    #: Network types the driver must decline (with a reason).
    foreign_network_types: ClassVar[Sequence[str]] = (FOREIGN_NETWORK_TYPE,)
    #: Whether the driver must bind or continue some scenario on :attr:`host`.
    expect_to_bind: ClassVar[bool] = True

    # -- what a subclass may override -------------------------------------------------------
    def plugin_config(self, database_url: str) -> dict[str, Any]:
        """Keyword arguments of :func:`~ml2core.testing.plugin_conf` for the suite's plugin."""
        groups: dict[str, Any] = {name: dict(values) for name, values in self.config.items()}
        groups.setdefault("database", {})["connection"] = database_url
        return {
            "mechanism_drivers": list(self.mechanism_drivers or [self.driver_name]),
            "type_drivers": list(self.type_drivers),
            **groups,
        }

    def register_agents(self, plugin: Ml2Plugin) -> None:
        """Register the agents of :attr:`host`: one of each in-tree kind, all on ``physnet1``.

        An Open vSwitch agent (``bridge_mappings`` physnet1, tunnel types
        vxlan, gre, geneve), a Linux bridge agent (``interface_mappings``
        physnet1, vxlan) and an SR-IOV agent (``device_mappings`` physnet1).
        Override to register your own agent type.
        """
        register_ovs_agent(
            plugin,
            self.host,
            tunnel_types=(constants.TYPE_VXLAN, constants.TYPE_GRE, constants.TYPE_GENEVE),
            tunneling_ip="192.0.2.10",
        )
        register_linuxbridge_agent(plugin, self.host, tunneling_ip="192.0.2.10")
        register_sriov_agent(plugin, self.host)

    def network_bodies(self) -> list[dict[str, Any]]:
        """``create_network`` bodies: one provider network per loaded in-tree type, a
        VLAN+VXLAN multi-segment network, and a project network (no provider attributes)."""
        loaded = set(self.type_drivers)
        candidates: list[tuple[str, dict[str, Any]]] = [
            (
                constants.TYPE_VLAN,
                {"provider:physical_network": DEFAULT_PHYSNET, "provider:segmentation_id": 150},
            ),
            (constants.TYPE_FLAT, {"provider:physical_network": DEFAULT_PHYSNET}),
            (constants.TYPE_VXLAN, {"provider:segmentation_id": 1050}),
            (constants.TYPE_GRE, {"provider:segmentation_id": 1050}),
            (constants.TYPE_GENEVE, {"provider:segmentation_id": 1050}),
            (constants.TYPE_LOCAL, {}),
        ]
        bodies = [
            {"name": f"conformance-{network_type}", "provider:network_type": network_type, **attributes}
            for network_type, attributes in candidates
            if network_type in loaded
        ]
        if {constants.TYPE_VLAN, constants.TYPE_VXLAN} <= loaded:
            bodies.append(
                {
                    "name": "conformance-multi",
                    "segments": [
                        {
                            "provider:network_type": constants.TYPE_VLAN,
                            "provider:physical_network": DEFAULT_PHYSNET,
                            "provider:segmentation_id": 160,
                        },
                        {"provider:network_type": constants.TYPE_VXLAN, "provider:segmentation_id": 1060},
                    ],
                }
            )
        bodies.append({"name": "conformance-project"})
        return bodies

    def load_driver(self, plugin: Ml2Plugin) -> MechanismDriver:
        """A new instance of the driver, on ``plugin``'s configuration, initialized."""
        return load_mechanism_driver(self.driver_name, plugin.conf)

    def binding_scenarios(self, plugin: Ml2Plugin) -> list[BindingScenario]:
        """The fake binding calls of the ``bind_port`` checks.

        For every provider network of :meth:`network_bodies` and every vnic
        type: level 0 on :attr:`host` (with the registered agents), level 0
        on a host without agents, and a lower level offered only a foreign
        segment while the network's own segments are bindable. Then one
        scenario per :attr:`foreign_network_types` entry.
        """
        agents = plugin.get_agents(Context.admin())
        scenarios: list[BindingScenario] = []
        for body in self.network_bodies():
            if "provider:network_type" not in body and "segments" not in body:
                continue
            segments = _segments_of(body, str(uuid.uuid4()))
            described = describe_segments(segments)
            for vnic_type in self.vnic_types:
                port = make_port(
                    host=self.host,
                    vnic_type=vnic_type,
                    profile=self.binding_profile,
                    network_id=segments[0]["network_id"],
                    fixed_ips=[{"subnet_id": str(uuid.uuid4()), "ip_address": "10.99.0.5"}],
                )
                scenarios.append(
                    BindingScenario(
                        f"level 0, {vnic_type} port on {self.host}, segments {described}",
                        port,
                        segments,
                        segments,
                        agents,
                        on_agent_host=True,
                    )
                )
                scenarios.append(
                    BindingScenario(
                        f"level 0, {vnic_type} port on {HOST_WITHOUT_AGENTS}, segments {described}",
                        dict(port, **{"binding:host_id": HOST_WITHOUT_AGENTS}),
                        segments,
                        segments,
                        agents,
                    )
                )
                foreign = make_segment(
                    FOREIGN_NETWORK_TYPE,
                    DEFAULT_PHYSNET,
                    42,
                    network_id=segments[0]["network_id"],
                    is_dynamic=True,
                )
                scenarios.append(
                    BindingScenario(
                        f"level 1, {vnic_type} port on {self.host}, network segments {described}, "
                        f"segments to bind {describe_segments([foreign])}",
                        port,
                        segments,
                        [foreign],
                        agents,
                        binding_levels=[{"bound_driver": "conformance-upper", "bound_segment": segments[0]}],
                        foreign=True,
                    )
                )
        for network_type in self.foreign_network_types:
            network_id = str(uuid.uuid4())
            segment = make_segment(network_type, DEFAULT_PHYSNET, 42, network_id=network_id)
            for vnic_type in self.vnic_types:
                port = make_port(
                    host=self.host, vnic_type=vnic_type, profile=self.binding_profile, network_id=network_id
                )
                scenarios.append(
                    BindingScenario(
                        f"level 0, {vnic_type} port on {self.host}, foreign segment "
                        f"{describe_segments([segment])}",
                        port,
                        [segment],
                        [segment],
                        agents,
                        foreign=True,
                    )
                )
        return scenarios

    # -- set-up ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def make_plugin(self, directory: str | os.PathLike[str]) -> Iterator[Ml2Plugin]:
        """The suite's plugin on a new SQLite file in ``directory``, agents registered; closed after."""
        path = Path(directory) / f"conformance-{uuid.uuid4().hex[:8]}.sqlite"
        plugin = Ml2Plugin(plugin_conf(**self.plugin_config(sqlite_url(path))))
        try:
            self.register_agents(plugin)
            yield plugin
        finally:
            plugin.close()
