"""Hostile input: a world of two projects, junk strategies for every facade call, and the checks.

The world: project ``victim`` owns a private network (subnet, bound port)
and a shared network (subnet); project ``attacker`` owns a network (subnet,
port) and a port on the victim's shared network; an admin owns a provider
VLAN network and a stored segment range; an Open vSwitch agent runs on
``h1``. Strategies draw bodies whose keys are the resource's own (and
unknown ones) and whose values are plausible (IDs of the world, the other
project's included), malformed (wrong types, huge and control-character
strings, negative and overflowing numbers, NaN, nested junk) or ``None``.

The rule for naming the field (``check_rejection``): every error a call
raises for its input names what was wrong in ``exc.field``: an argument of
the call (``id``, ``filters``, ``body``…; the resource's own ID name such as
``network_id``; the resource's name such as ``network`` for the body as a
whole), an attribute of the resource (given, or required and missing), a
key given (unknown ones included; ``repr`` for a key that is no string), or
a path below one of these (``fixed_ips[0].ip_address``, ``filters[name]``,
``segments[1].provider:network_type``).
The facade's catch-all ``field="arguments"`` (an input the validation did
not foresee) does not count. Exempt: a ``NotAuthorized`` refusing the whole
call (one only an admin may make, or a change of a resource the caller sees
but does not own: no field is at fault, the message names the action), and
outcomes that depend on the state rather than on one field
(``ResourceExhausted``, ``Conflict`` without a field).
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from hypothesis import strategies as st

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import (
    Conflict,
    DatabaseError,
    InvalidInput,
    Ml2CoreError,
    NotAuthorized,
    NotFound,
    ResourceExhausted,
    RetryableError,
)
from ml2core.testing import register_ovs_agent

ADMIN = Context.admin()
ATTACKER = Context("attacker")
VICTIM = Context("victim")

#: What a non-admin must never see (the contract's "Contexts and policy").
ADMIN_ONLY_READ = (
    "provider:network_type",
    "provider:physical_network",
    "provider:segmentation_id",
    "segments",
    "binding:host_id",
    "binding:profile",
    "binding:vif_type",
    "binding:vif_details",
)
#: Facade calls only an admin may make at all.
ADMIN_ONLY_CALLS = frozenset(
    {
        "report_agent_state",
        "get_agents",
        "get_host_ports",
        "update_port_status",
        "explain_binding",
        "allocate_dynamic_segment",
        "release_dynamic_segment",
        "create_network_segment_range",
        "get_network_segment_range",
        "get_network_segment_ranges",
        "update_network_segment_range",
        "delete_network_segment_range",
    }
)
#: Every public method of the facade the hostile tests drive.
FACADE_CALLS = (
    "create_network",
    "get_network",
    "get_networks",
    "update_network",
    "delete_network",
    "create_subnet",
    "get_subnet",
    "get_subnets",
    "update_subnet",
    "delete_subnet",
    "create_port",
    "get_port",
    "get_ports",
    "update_port",
    "delete_port",
    "report_agent_state",
    "get_agents",
    "get_host_ports",
    "update_port_status",
    "explain_binding",
    "allocate_dynamic_segment",
    "release_dynamic_segment",
    "create_network_segment_range",
    "get_network_segment_range",
    "get_network_segment_ranges",
    "update_network_segment_range",
    "delete_network_segment_range",
    "subscribe",
)
ID_NAMES = {"network_id", "subnet_id", "port_id", "range_id", "segment_id", "agent_id"}

WORLD_GROUPS: dict[str, dict[str, Any]] = {
    "ml2": {
        "type_drivers": ["local", "flat", "vlan", "vxlan", "gre", "geneve"],
        "project_network_types": ["vxlan"],
        "mechanism_drivers": ["openvswitch"],
    },
    "ml2_type_flat": {"flat_networks": ["physnet1"]},
    "ml2_type_vlan": {"network_vlan_ranges": ["physnet1:100:199", "physnet2"]},
    "ml2_type_vxlan": {"vni_ranges": ["1000:1099"]},
    "ml2_type_gre": {"tunnel_id_ranges": ["1:100"]},
    "ml2_type_geneve": {"vni_ranges": ["1:100"]},
}


# -- the world -----------------------------------------------------------------------------


@dataclass
class World:
    plugin: Ml2Plugin
    ids: dict[str, str] = field(default_factory=dict)
    macs: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, plugin: Ml2Plugin) -> World:
        w = cls(plugin)
        register_ovs_agent(plugin, "h1", tunneling_ip="192.0.2.1")
        p = plugin
        w.ids["victim_net"] = p.create_network(VICTIM, {"name": "victim-private"})["id"]
        w.ids["victim_subnet"] = p.create_subnet(
            VICTIM, {"network_id": w.ids["victim_net"], "cidr": "10.0.0.0/24", "name": "victim-subnet"}
        )["id"]
        port = p.create_port(
            ADMIN,
            {
                "network_id": w.ids["victim_net"],
                "project_id": "victim",
                "binding:host_id": "h1",
                "name": "victim-port",
                "binding:profile": {"secret": "victim"},
            },
        )
        w.ids["victim_port"] = port["id"]
        w.macs.append(port["mac_address"])
        w.ips.append(port["fixed_ips"][0]["ip_address"])
        w.ids["victim_shared_net"] = p.create_network(
            ADMIN, {"name": "victim-shared", "project_id": "victim", "shared": True}
        )["id"]
        w.ids["victim_shared_subnet"] = p.create_subnet(
            VICTIM, {"network_id": w.ids["victim_shared_net"], "cidr": "10.1.0.0/24"}
        )["id"]
        w.ids["attacker_net"] = p.create_network(ATTACKER, {"name": "attacker-net"})["id"]
        w.ids["attacker_subnet"] = p.create_subnet(
            ATTACKER, {"network_id": w.ids["attacker_net"], "cidr": "10.0.0.0/24"}
        )["id"]
        port = p.create_port(ATTACKER, {"network_id": w.ids["attacker_net"], "name": "attacker-port"})
        w.ids["attacker_port"] = port["id"]
        w.macs.append(port["mac_address"])
        w.ids["attacker_port_on_shared"] = p.create_port(
            ATTACKER, {"network_id": w.ids["victim_shared_net"]}
        )["id"]
        w.ids["admin_vlan_net"] = p.create_network(
            ADMIN,
            {
                "provider:network_type": "vlan",
                "provider:physical_network": "physnet1",
                "provider:segmentation_id": 150,
            },
        )["id"]
        w.ids["range"] = p.create_network_segment_range(
            ADMIN, {"network_type": "vxlan", "minimum": 5000, "maximum": 5010, "name": "stored"}
        )["id"]
        w.ids["default_range"] = next(r["id"] for r in p.get_network_segment_ranges(ADMIN) if r["default"])
        w.ids["deleted"] = p.create_network(ATTACKER, {"name": "gone"})["id"]
        p.delete_network(ATTACKER, w.ids["deleted"])
        w.ids["dynamic_segment"] = p.allocate_dynamic_segment(
            ADMIN, w.ids["victim_net"], {"network_type": "vlan", "physical_network": "physnet1"}
        )["id"]
        w.ids["random"] = str(uuid.uuid4())
        return w

    def intact(self) -> bool:
        """Whether the world's resources all still exist (a hostile admin call may delete them)."""
        tables = {
            "ml2core_networks": ("victim_net", "victim_shared_net", "attacker_net", "admin_vlan_net"),
            "ml2core_subnets": ("victim_subnet", "victim_shared_subnet", "attacker_subnet"),
            "ml2core_ports": ("victim_port", "attacker_port", "attacker_port_on_shared"),
            "ml2core_network_segment_ranges": ("range",),
            "ml2core_network_segments": ("dynamic_segment",),
        }
        with self.plugin.engine.connect() as conn:
            for table, keys in tables.items():
                wanted = [self.ids[k] for k in keys]
                found = conn.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE id IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"ids": wanted},
                ).scalar()
                if found != len(wanted):
                    return False
        return True

    def victim_view(self) -> Any:
        """The admin view of what the victim owns (without timestamps), to see it untouched."""
        p = self.plugin

        def clean(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return sorted(
                ({k: v for k, v in i.items() if k not in ("updated_at", "created_at")} for i in items),
                key=lambda i: str(i.get("id")),
            )

        filters = {"project_id": ["victim"]}
        return (
            clean(p.get_networks(ADMIN, filters=filters)),
            clean(p.get_subnets(ADMIN, filters=filters)),
            clean(p.get_ports(ADMIN, filters=filters)),
        )

    def private_ids(self) -> list[str]:
        """IDs the attacker may never see in any answer."""
        return [self.ids[k] for k in ("victim_net", "victim_subnet", "victim_port")]


# -- strategies ----------------------------------------------------------------------------

_INTERESTING_STRINGS = [
    "",
    " ",
    "*",
    "%",
    "_",
    "\\",
    "'",
    '"',
    "'; DROP TABLE ml2core_networks; --",
    "\x00",
    "a\x00b",
    "\n",
    "\t",
    "\u202e",
    "\ud800",
    "a\udfffb",
    "\ud7ff",
    "ünïcödé",
    "名前",
    "🦄",
    "null",
    "None",
    "true",
    "false",
    "0",
    "-1",
    "1e400",
    "NaN",
    "physnet1",
    "physnet2",
    "vlan",
    "vxlan",
    "flat",
    "gre",
    "geneve",
    "local",
    "h1",
    "admin",
    "victim",
    "attacker",
    "10.0.0.0/24",
    "10.0.0.5",
    "::",
    "fa:16:3e:00:00:01",
    "compute:nova",
    "network:dhcp",
    "normal",
    "direct",
    "ACTIVE",
    "DOWN",
    "Open vSwitch agent",
]
_INTERESTING_INTS = [
    0,
    1,
    -1,
    67,
    68,
    99,
    100,
    199,
    200,
    1500,
    4094,
    4095,
    5000,
    5010,
    9000,
    2**16,
    2**24 - 1,
    2**24,
    2**31 - 1,
    2**31,
    2**32 - 1,
    2**32,
    2**63 - 1,
    2**63,
    2**64,
    2**70,
    -(2**63),
    -(2**70),
]


@functools.cache
def huge_strings() -> st.SearchStrategy[str]:
    return st.integers(256, 70_000).map(lambda n: "x" * n)


@functools.cache
def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=12),
        st.sampled_from(_INTERESTING_STRINGS),
        st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
        huge_strings(),
    )


@functools.cache
def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from(_INTERESTING_INTS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([math.nan, math.inf, -math.inf, 0.5, 1e300]),
        texts(),
        st.binary(max_size=8),
        st.sampled_from([object(), {1, 2}, frozenset(), (1,), b"\xff", 1j, Ellipsis, type]),
    )


@functools.cache
def junk() -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(
                st.one_of(st.text(max_size=6), st.sampled_from(_INTERESTING_STRINGS)), children, max_size=4
            ),
            st.tuples(children, children),
            st.dictionaries(st.integers(), children, max_size=2),
        ),
        max_leaves=8,
    )


def ids(world: World) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(sorted(world.ids.values())), junk())


def maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly plausible values, sometimes junk."""
    return st.one_of(values, values, values, junk())


@functools.cache
def ips() -> st.SearchStrategy[Any]:
    return st.sampled_from(
        [
            "10.0.0.1",
            "10.0.0.2",
            "10.0.0.5",
            "10.0.0.0",
            "10.0.0.255",
            "10.1.0.7",
            "10.9.0.1",
            "::1",
            "2001:db8::5",
            "300.1.1.1",
            "10.0.0.1/24",
            "",
            "fe80::1%eth0",
            "0.0.0.0",
            "255.255.255.255",
        ]
    )


def _values(world: World) -> dict[str, st.SearchStrategy[Any]]:
    """Plausible values per attribute name (every resource's)."""
    provider_type = st.sampled_from(["vlan", "vxlan", "flat", "gre", "geneve", "local", "bogus", ""])
    physnet = st.sampled_from(["physnet1", "physnet2", "physnet9", "", "x" * 65])
    seg_id = st.sampled_from([*_INTERESTING_INTS, "100", "0x10", " 150 "])
    segment = st.fixed_dictionaries(
        {},
        optional={
            "provider:network_type": maybe(provider_type),
            "provider:physical_network": maybe(physnet),
            "provider:segmentation_id": maybe(seg_id),
            "network_type": maybe(provider_type),
        },
    )
    pool = st.fixed_dictionaries({}, optional={"start": maybe(ips()), "end": maybe(ips()), "extra": junk()})
    fixed_ip = st.fixed_dictionaries(
        {},
        optional={
            "subnet_id": ids(world),
            "ip_address": maybe(st.sampled_from([*world.ips, "10.0.0.9"]) | ips()),
        },
    )
    boolish = st.sampled_from([True, False, "true", "false", "True", "yes", 1, 0, None])
    project = st.sampled_from(["attacker", "victim", "admin", "", "x" * 256, None])
    return {
        "name": texts(),
        "admin_state_up": boolish,
        "shared": boolish,
        "enable_dhcp": boolish,
        "start_flag": boolish,
        "project_id": project,
        "tenant_id": project,
        "mtu": st.sampled_from(_INTERESTING_INTS),
        "segments": st.lists(segment, max_size=3),
        "provider:network_type": provider_type,
        "provider:physical_network": physnet,
        "provider:segmentation_id": seg_id,
        "network_type": provider_type,
        "physical_network": physnet,
        "segmentation_id": seg_id,
        "minimum": seg_id,
        "maximum": seg_id,
        "network_id": ids(world),
        "cidr": st.sampled_from(
            [
                "10.0.0.0/24",
                "10.9.0.0/30",
                "10.9.0.0/31",
                "2001:db8::/64",
                "0.0.0.0/0",
                "10.0.0.1/24",
                "300.1.1.1/8",
                "::/0",
                "10.0.0.0/33",
                "",
                "fe80::/10",
                "10.1.0.0/16",
                "2001:db8::/127",
            ]
        ),
        "ip_version": st.sampled_from([4, 6, 5, "4", None, 4.0]),
        "gateway_ip": ips(),
        "allocation_pools": st.lists(pool, max_size=3),
        "ipv6_address_mode": st.sampled_from(["slaac", "dhcpv6-stateful", "dhcpv6-stateless", "bogus", None]),
        "ipv6_ra_mode": st.sampled_from(["slaac", "dhcpv6-stateful", "dhcpv6-stateless", "bogus", None]),
        "mac_address": st.sampled_from(
            [
                *world.macs,
                "fa:16:3e:00:00:01",
                "01:00:5e:00:00:01",
                "00:00:00:00:00:00",
                "zz",
                "FA-16-3E-AA-BB-CC",
                "fa16.3eaa.bbcc",
                "fa:16:3e:00:00:01:02",
            ]
        ),
        "fixed_ips": st.lists(fixed_ip, max_size=3),
        "device_id": texts(),
        "device_owner": st.sampled_from(["compute:nova", "network:dhcp", "network:router_interface", ""])
        | texts(),
        "binding:host_id": st.sampled_from(["h1", "h2", "", None]) | texts(),
        "binding:vnic_type": st.sampled_from(["normal", "direct", "macvtap", "baremetal", "bogus", None]),
        "binding:profile": st.dictionaries(st.text(max_size=5), junk(), max_size=3),
        "host": st.sampled_from(["h1", "h2", ""]) | texts(),
        "agent_type": st.sampled_from(["Open vSwitch agent", "Linux bridge agent", "NIC Switch agent", ""]),
        "binary": texts(),
        "topic": texts(),
        "configurations": st.dictionaries(
            st.sampled_from(["bridge_mappings", "tunnel_types", "tunneling_ip", "interface_mappings", "x"]),
            junk(),
            max_size=3,
        ),
    }


NETWORK_KEYS = [
    "name",
    "admin_state_up",
    "shared",
    "project_id",
    "tenant_id",
    "mtu",
    "segments",
    "provider:network_type",
    "provider:physical_network",
    "provider:segmentation_id",
]
SUBNET_KEYS = [
    "name",
    "network_id",
    "project_id",
    "tenant_id",
    "cidr",
    "ip_version",
    "gateway_ip",
    "allocation_pools",
    "enable_dhcp",
    "ipv6_address_mode",
    "ipv6_ra_mode",
]
PORT_KEYS = [
    "name",
    "network_id",
    "project_id",
    "tenant_id",
    "mac_address",
    "fixed_ips",
    "device_id",
    "device_owner",
    "admin_state_up",
    "binding:host_id",
    "binding:vnic_type",
    "binding:profile",
]
RANGE_KEYS = [
    "name",
    "network_type",
    "physical_network",
    "minimum",
    "maximum",
    "shared",
    "project_id",
    "tenant_id",
]
STATE_KEYS = ["host", "agent_type", "binary", "configurations", "start_flag", "topic", "admin_state_up"]
SEGMENT_KEYS = ["network_type", "physical_network", "segmentation_id"]
UNKNOWN_KEYS = [
    "id",
    "status",
    "binding:vif_type",
    "binding:vif_details",
    "created_at",
    "router:external",
    "default",
    "used",
    "alive",
    "",
    "x" * 300,
    "\x00",
]


_REMOVE = object()


def bases(world: World, resource: str) -> list[dict[str, Any]]:
    """Valid bodies of each kind, which ``body`` then damages in one or two places."""
    i = world.ids
    kinds: dict[str, list[dict[str, Any]]] = {
        "network": [
            {"name": "n"},
            {
                "provider:network_type": "vlan",
                "provider:physical_network": "physnet1",
                "provider:segmentation_id": 120,
            },
            {
                "segments": [
                    {"provider:network_type": "vxlan", "provider:segmentation_id": 1050},
                    {
                        "provider:network_type": "vlan",
                        "provider:physical_network": "physnet2",
                        "provider:segmentation_id": 7,
                    },
                ]
            },
            {"name": "m", "shared": True, "mtu": 1400, "admin_state_up": False},
        ],
        "subnet": [
            {"network_id": i["attacker_net"], "cidr": "10.5.0.0/24"},
            {
                "network_id": i["attacker_net"],
                "cidr": "2001:db8:1::/64",
                "ip_version": 6,
                "ipv6_address_mode": "slaac",
                "ipv6_ra_mode": "slaac",
            },
            {
                "network_id": i["attacker_net"],
                "cidr": "10.6.0.0/24",
                "gateway_ip": "10.6.0.254",
                "allocation_pools": [{"start": "10.6.0.10", "end": "10.6.0.20"}],
                "enable_dhcp": False,
            },
            {"name": "renamed", "gateway_ip": "10.0.0.1"},
        ],
        "port": [
            {"network_id": i["attacker_net"]},
            {"network_id": i["victim_shared_net"], "fixed_ips": [{"subnet_id": i["victim_shared_subnet"]}]},
            {
                "network_id": i["attacker_net"],
                "binding:host_id": "h1",
                "mac_address": "fa:16:3e:12:34:56",
                "fixed_ips": [{"ip_address": "10.0.0.50"}],
                "binding:vnic_type": "normal",
                "binding:profile": {"a": 1},
                "device_owner": "compute:nova",
                "device_id": "vm",
            },
            {"name": "renamed", "admin_state_up": False},
        ],
        "network_segment_range": [
            {"network_type": "vlan", "physical_network": "physnet1", "minimum": 300, "maximum": 310},
            {
                "network_type": "vxlan",
                "minimum": 6000,
                "maximum": 6010,
                "shared": False,
                "project_id": "attacker",
                "name": "r",
            },
            {"name": "renamed", "minimum": 5000, "maximum": 5020},
        ],
        "state": [
            {
                "host": "h9",
                "agent_type": "Open vSwitch agent",
                "binary": "b",
                "configurations": {"bridge_mappings": {"physnet1": "br"}, "tunnel_types": ["vxlan"]},
            },
        ],
        "segment": [
            {"network_type": "vlan", "physical_network": "physnet1"},
            {"network_type": "vxlan"},
            {"network_type": "vlan", "physical_network": "physnet2", "segmentation_id": 9},
        ],
    }
    return kinds[resource]


def body(world: World, keys: list[str], resource: str, envelope: str | None = None) -> st.SearchStrategy[Any]:
    """A request body: a valid one damaged in a place or two, a random one, an envelope, or junk.

    Damage: a key's value replaced by a plausible or a junk one, an unknown
    key added, a key removed.
    """
    values = _values(world)
    key = st.sampled_from(keys + UNKNOWN_KEYS)

    def value_for(k: str) -> st.SearchStrategy[Any]:
        return st.one_of(values[k], junk(), st.just(_REMOVE)) if k in values else junk()

    change = key.flatmap(lambda k: st.tuples(st.just(k), value_for(k)))

    def damage(base: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(base)
        for k, v in changes:
            if v is _REMOVE:
                result.pop(k, None)
            else:
                result[k] = v
        return result

    damaged = st.builds(
        damage, st.sampled_from(bases(world, resource)), st.lists(change, min_size=1, max_size=2)
    )
    shaped = st.lists(key, unique=True, max_size=6).flatmap(
        lambda chosen: st.fixed_dictionaries({k: maybe(values[k]) if k in values else junk() for k in chosen})
    )
    options = [damaged, damaged, damaged, shaped, shaped, junk()]
    if envelope is not None:
        options.append(damaged.map(lambda b: {envelope: b}))
    return st.one_of(*options)


@functools.cache
def contexts(admin_only: bool = False) -> st.SearchStrategy[Any]:
    """Mostly the attacking project (mostly an admin for admin-only calls), sometimes no context at all."""
    main = (
        [st.just(ADMIN)] * 3 + [st.just(ATTACKER)]
        if admin_only
        else [st.just(ATTACKER)] * 3 + [st.just(ADMIN)]
    )
    return st.one_of(
        *main,
        st.just(Context()),
        st.sampled_from([None, "admin", {"project_id": "attacker"}, object()]),
    )


def filters(world: World, keys: list[str]) -> st.SearchStrategy[Any]:
    values = _values(world)
    attr = st.sampled_from([*keys, "id", "status", "mtu", "binding:host_id", "binding:vif_type", "bogus"])
    one = st.one_of(ids(world), junk(), attr.flatmap(lambda k: values.get(k, junk())))
    return st.one_of(
        st.none(),
        st.dictionaries(attr, st.one_of(st.lists(one, max_size=3), one), max_size=3),
        junk(),
    )


def field_names(keys: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.lists(st.sampled_from([*keys, *ADMIN_ONLY_READ, "id", "bogus"]), max_size=4), junk()
    )


def sorts(keys: list[str]) -> st.SearchStrategy[Any]:
    pair = st.tuples(
        st.sampled_from([*keys, "id", "binding:host_id", "provider:network_type", "bogus"]) | junk(),
        st.sampled_from(["asc", "desc", True, False, "up"]) | junk(),
    )
    return st.one_of(st.none(), st.lists(pair, max_size=3), junk())


def limits() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.sampled_from(_INTERESTING_INTS), st.sampled_from(["5", "-1", "x"]), junk())


@dataclass
class Call:
    """One drawn facade call."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    @property
    def ctx(self) -> Any:
        return self.args[0] if self.method != "subscribe" else ADMIN

    def keys(self) -> set[str]:
        """Body keys (and the envelope's inner keys) the call was given."""
        found: set[str] = set()
        for value in [*self.args[1:], *self.kwargs.values()]:
            if isinstance(value, Mapping):
                for k, v in value.items():
                    found.add(k if isinstance(k, str) else repr(k))
                    if isinstance(v, Mapping):
                        found.update(kk if isinstance(kk, str) else repr(kk) for kk in v)
        return found

    def schema(self) -> set[str]:
        """The attributes of the resource the call is about (a required one may be missing)."""
        resource = self.method.split("_", 1)[-1].removesuffix("s")
        return {
            "network": set(NETWORK_KEYS),
            "subnet": set(SUBNET_KEYS),
            "port": set(PORT_KEYS),
            "network_segment_range": set(RANGE_KEYS),
            "agent_state": set(STATE_KEYS),
            "dynamic_segment": set(SEGMENT_KEYS),
        }.get(resource, set()) | {resource}

    def __repr__(self) -> str:
        shown = repr((self.args, self.kwargs))
        return f"{self.method}{shown[:600]}"


_CALLS: dict[tuple[int, str], st.SearchStrategy[Call]] = {}


def calls(world: World, method: str) -> st.SearchStrategy[Call]:
    """Arguments for one facade method, hostile in every position (built once per world)."""
    key = (id(world), method)
    if key not in _CALLS:
        _CALLS[key] = _calls(world, method)
    return _CALLS[key]


def _calls(world: World, method: str) -> st.SearchStrategy[Call]:
    c = contexts(method in ADMIN_ONLY_CALLS)
    net_keys, sub_keys, port_keys = NETWORK_KEYS, SUBNET_KEYS, PORT_KEYS

    def call(*parts: st.SearchStrategy[Any], **named: st.SearchStrategy[Any]) -> st.SearchStrategy[Call]:
        return st.tuples(st.tuples(*parts), st.fixed_dictionaries({}, optional=named)).map(
            lambda t: Call(method, t[0], t[1])
        )

    table: dict[str, Callable[[], st.SearchStrategy[Call]]] = {
        "create_network": lambda: call(c, body(world, net_keys, "network", "network")),
        "get_network": lambda: call(c, ids(world), fields=field_names(net_keys)),
        "get_networks": lambda: call(
            c,
            filters=filters(world, net_keys),
            fields=field_names(net_keys),
            sorts=sorts(net_keys),
            limit=limits(),
            marker=ids(world),
        ),
        "update_network": lambda: call(c, ids(world), body(world, net_keys, "network", "network")),
        "delete_network": lambda: call(c, ids(world)),
        "create_subnet": lambda: call(c, body(world, sub_keys, "subnet", "subnet")),
        "get_subnet": lambda: call(c, ids(world), fields=field_names(sub_keys)),
        "get_subnets": lambda: call(
            c,
            filters=filters(world, sub_keys),
            fields=field_names(sub_keys),
            sorts=sorts(sub_keys),
            limit=limits(),
            marker=ids(world),
        ),
        "update_subnet": lambda: call(c, ids(world), body(world, sub_keys, "subnet", "subnet")),
        "delete_subnet": lambda: call(c, ids(world)),
        "create_port": lambda: call(c, body(world, port_keys, "port", "port")),
        "get_port": lambda: call(c, ids(world), fields=field_names(port_keys)),
        "get_ports": lambda: call(
            c,
            filters=filters(world, port_keys),
            fields=field_names(port_keys),
            sorts=sorts(port_keys),
            limit=limits(),
            marker=ids(world),
        ),
        "update_port": lambda: call(c, ids(world), body(world, port_keys, "port", "port")),
        "delete_port": lambda: call(c, ids(world)),
        "report_agent_state": lambda: call(c, body(world, STATE_KEYS, "state")),
        "get_agents": lambda: call(
            c, filters=filters(world, ["host", "agent_type", "binary", "admin_state_up"])
        ),
        "get_host_ports": lambda: call(
            c, _values(world)["host"] | junk(), agent_type=_values(world)["agent_type"] | junk()
        ),
        "update_port_status": lambda: call(
            c,
            ids(world),
            st.sampled_from(["ACTIVE", "DOWN", "BUILD", "ERROR", "active", ""]) | junk(),
            _values(world)["host"] | junk(),
        ),
        "explain_binding": lambda: call(c, ids(world)),
        "allocate_dynamic_segment": lambda: call(c, ids(world), body(world, SEGMENT_KEYS, "segment")),
        "release_dynamic_segment": lambda: call(c, ids(world)),
        "create_network_segment_range": lambda: call(
            c, body(world, RANGE_KEYS, "network_segment_range", "network_segment_range")
        ),
        "get_network_segment_range": lambda: call(c, ids(world), fields=field_names(RANGE_KEYS)),
        "get_network_segment_ranges": lambda: call(
            c, filters=filters(world, [*RANGE_KEYS, "default"]), fields=field_names(RANGE_KEYS)
        ),
        "update_network_segment_range": lambda: call(
            c, ids(world), body(world, RANGE_KEYS, "network_segment_range", "network_segment_range")
        ),
        "delete_network_segment_range": lambda: call(c, ids(world)),
        "subscribe": lambda: call(
            st.sampled_from(["network", "subnet", "port", "agent", "router"]) | junk(),
            st.sampled_from(
                [
                    "after_create",
                    "after_update",
                    "after_delete",
                    "bound",
                    "binding_failed",
                    "status_changed",
                    "before_create",
                ]
            )
            | junk(),
            st.sampled_from([lambda *a: None, print]) | junk(),
        ),
    }
    return table[method]()


# -- checks --------------------------------------------------------------------------------


def parameter_names(fn: Callable[..., Any]) -> set[str]:
    return {p for p in inspect.signature(fn).parameters if p not in ("self", "ctx")}


def field_root(name: str) -> str:
    return re.split(r"[\[.]", name, maxsplit=1)[0]


def check_rejection(exc: BaseException, call: Call, allowed: set[str]) -> str | None:
    """Why ``exc`` breaks the contract for ``call`` (None if it is a proper rejection)."""
    if not isinstance(exc, Ml2CoreError):
        return f"foreign exception {type(exc).__module__}.{type(exc).__name__}: {exc}"
    if type(exc) is Ml2CoreError:
        return f"internal error: {exc}"
    if isinstance(exc, DatabaseError) and not isinstance(exc, RetryableError):
        return f"database error (an input the validation let through): {exc}"
    name = exc.field
    if isinstance(exc, NotAuthorized) and name is None:
        # The whole call is refused: one only an admin may make, or a change
        # of a resource the caller sees but does not own.
        if call.method in ADMIN_ONLY_CALLS and not (isinstance(call.ctx, Context) and call.ctx.is_admin):
            return None
        if call.method.startswith(("update_", "delete_")):
            return None
        return f"NotAuthorized without a field: {exc}"
    if isinstance(exc, ResourceExhausted | Conflict) and name is None:
        return None
    if isinstance(exc, InvalidInput | NotFound | NotAuthorized | Conflict | ResourceExhausted):
        if name is None:
            return f"{type(exc).__name__} names no field: {exc}"
        if name == "arguments":
            return f"the facade's catch-all answered (validation did not foresee this input): {exc}"
        names = allowed | call.keys() | call.schema() | ID_NAMES | {"context", "body"}
        if field_root(name) not in names and name not in names:
            return f"{type(exc).__name__} names {name!r}, which is neither an argument nor a key given: {exc}"
        return None
    return f"unexpected {type(exc).__name__}: {exc}"


def check_answer(result: Any, call: Call, world: World) -> str | None:
    """What a successful answer to a non-admin may not contain."""
    ctx = call.ctx
    if not isinstance(ctx, Context) or ctx.is_admin:
        return None
    items = result if isinstance(result, list) else [result] if isinstance(result, dict) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        shown = [k for k in ADMIN_ONLY_READ if k in item]
        if shown:
            return f"a non-admin sees {shown}"
    text = json.dumps(result, default=str)
    leaked = [i for i in world.private_ids() if i in text]
    if leaked and ctx.project_id != "victim":
        return f"{ctx!r} sees the victim's private resources {leaked}"
    return None
