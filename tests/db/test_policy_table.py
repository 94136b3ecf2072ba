"""The policy table, cell by cell, on SQLite, PostgreSQL and MariaDB (issue 23 item 7).

Every (resource, attribute, operation) of ``ml2core.policy.RULES`` is tried
by every kind of caller: an admin, the network's owner, the resource's
owner, another project that sees the network because it is shared, and
look-alikes of the network owner's project ID (case, accent, trailing
space), which must fare exactly like the other project. The expected
outcomes are written out by hand from Neutron's default policy
(``neutron/conf/policies/{network,subnet,port}.py``), not derived from
``RULES``; a refused call must change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ml2core import Context, policy
from ml2core.exceptions import NotAuthorized, NotFound

ADMIN = Context.admin()
NET_OWNER = Context("proj-a")
OWNER = Context("proj-b")
OTHER = Context("proj-c")
LOOK_ALIKES = {"PROJ-A": Context("PROJ-A"), "proj-a ": Context("proj-a "), "prój-a": Context("prój-a")}
CALLERS = {"admin": ADMIN, "net_owner": NET_OWNER, "owner": OWNER, "other": OTHER, **LOOK_ALIKES}
OK, DENIED, HIDDEN = "ok", "NotAuthorized", "NotFound"


def expected(allowed: set[str], hidden: set[str] = frozenset()) -> dict[str, str]:
    """Outcome per caller: look-alikes always fare like ``other``."""
    result = {}
    for name in CALLERS:
        kind = "other" if name in LOOK_ALIKES else name
        result[name] = OK if kind in allowed else HIDDEN if kind in hidden else DENIED
    return result


ALL = {"admin", "net_owner", "owner", "other"}


@pytest.fixture
def plugin(make_plugin):
    return make_plugin(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:100"]})


class Cloud:
    """A shared network owned by proj-a (an admin shared it), with a port of proj-b."""

    def __init__(self, plugin: Any) -> None:
        self.p = plugin
        self.net = plugin.create_network(ADMIN, {"project_id": "proj-a", "shared": True})
        self.subnet = plugin.create_subnet(NET_OWNER, {"network_id": self.net["id"], "cidr": "10.20.0.0/16"})
        self.private = plugin.create_network(NET_OWNER, {"name": "private"})
        self.n = 0

    def fresh_port(self) -> dict[str, Any]:
        return self.p.create_port(OWNER, {"network_id": self.net["id"], "name": "b"})

    def value(self, attribute: str) -> Any:
        self.n += 1
        return {
            "name": f"name{self.n}",
            "mac_address": f"fa:16:3e:00:{self.n // 256:02x}:{self.n % 256:02x}",
            "device_owner": "network:dhcp",
            "fixed_ips:subnet_id": [{"subnet_id": self.subnet["id"]}],
            "fixed_ips:ip_address": [{"subnet_id": self.subnet["id"], "ip_address": f"10.20.1.{self.n}"}],
            "binding:host_id": f"host{self.n}",
            "binding:profile": {"n": self.n},
            "binding:vnic_type": "direct" if self.n % 2 else "normal",
        }[attribute]


def outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except NotAuthorized:
        return DENIED
    except NotFound:
        return HIDDEN
    return OK


def body(cloud: Cloud, attribute: str) -> dict[str, Any]:
    key = attribute.split(":", maxsplit=1)[0] if attribute.startswith("fixed_ips") else attribute
    return {key: cloud.value(attribute)}


PORT_CREATE = {
    "name": ALL,
    "mac_address": {"admin", "net_owner"},
    "device_owner": {"admin", "net_owner"},
    "fixed_ips:subnet_id": ALL,
    "fixed_ips:ip_address": {"admin", "net_owner"},
    "binding:host_id": {"admin"},
    "binding:profile": {"admin"},
    "binding:vnic_type": ALL,
}
# Updating another project's port: only its owner (and an admin) may, and then only
# what the attribute's own rule allows the owner (who does not own the network).
PORT_UPDATE = {
    "name": {"admin", "owner"},
    "mac_address": {"admin"},
    "device_owner": {"admin"},
    "fixed_ips:subnet_id": {"admin", "owner"},
    "fixed_ips:ip_address": {"admin"},
    "binding:host_id": {"admin"},
    "binding:profile": {"admin"},
    "binding:vnic_type": {"admin", "owner"},
}
PORT_SEES = {"admin", "net_owner", "owner"}


@pytest.mark.parametrize("attribute", sorted(PORT_CREATE))
def test_port_create(plugin, attribute) -> None:
    cloud = Cloud(plugin)
    got = {}
    for name, ctx in CALLERS.items():
        before = len(plugin.get_ports(ADMIN))
        got[name] = outcome(
            lambda ctx=ctx: plugin.create_port(ctx, {"network_id": cloud.net["id"], **body(cloud, attribute)})
        )
        if got[name] != OK:
            assert len(plugin.get_ports(ADMIN)) == before
    assert got == expected(PORT_CREATE[attribute])


@pytest.mark.parametrize("attribute", sorted(PORT_UPDATE))
def test_port_update(plugin, attribute) -> None:
    cloud = Cloud(plugin)
    port = cloud.fresh_port()
    got = {}
    for name, ctx in CALLERS.items():
        before = plugin.get_port(ADMIN, port["id"])
        got[name] = outcome(lambda ctx=ctx: plugin.update_port(ctx, port["id"], body(cloud, attribute)))
        if got[name] != OK:
            assert plugin.get_port(ADMIN, port["id"]) == before
    assert got == expected(PORT_UPDATE[attribute], hidden=ALL - PORT_SEES)


def test_port_get_and_delete(plugin) -> None:
    cloud = Cloud(plugin)
    port = cloud.fresh_port()
    seen = {name: outcome(lambda ctx=ctx: plugin.get_port(ctx, port["id"])) for name, ctx in CALLERS.items()}
    assert seen == expected(PORT_SEES, hidden=ALL - PORT_SEES)
    deleted = {}
    for name, ctx in CALLERS.items():
        port = cloud.fresh_port()
        deleted[name] = outcome(lambda ctx=ctx, port=port: plugin.delete_port(ctx, port["id"]))
        if deleted[name] != OK:
            assert plugin.get_port(ADMIN, port["id"])["id"] == port["id"]
    # Neutron's delete_port: the network's owner may empty its network.
    assert deleted == expected({"admin", "net_owner", "owner"}, hidden=ALL - PORT_SEES)


def test_subnet_an_admin_made_for_another_project(plugin) -> None:
    """On proj-a's private network, a subnet an admin created for proj-b."""
    cloud = Cloud(plugin)
    sees = {"admin", "net_owner", "owner"}

    def make() -> dict[str, Any]:
        cloud.n += 1
        return plugin.create_subnet(
            ADMIN,
            {"network_id": cloud.private["id"], "cidr": f"10.{100 + cloud.n}.0.0/24", "project_id": "proj-b"},
        )

    subnet = make()
    seen = {n: outcome(lambda c=c: plugin.get_subnet(c, subnet["id"])) for n, c in CALLERS.items()}
    assert seen == expected(sees, hidden=ALL - sees)
    listed = {n: subnet["id"] in {s["id"] for s in plugin.get_subnets(c)} for n, c in CALLERS.items()}
    assert listed == {n: v == OK for n, v in expected(sees).items()}
    updated = {
        n: outcome(lambda c=c, n=n: plugin.update_subnet(c, subnet["id"], {"name": n}))
        for n, c in CALLERS.items()
    }
    assert updated == expected(sees, hidden=ALL - sees)
    deleted = {}
    for name, ctx in CALLERS.items():
        victim = make()
        deleted[name] = outcome(lambda ctx=ctx, victim=victim: plugin.delete_subnet(ctx, victim["id"]))
        if deleted[name] != OK:
            assert plugin.get_subnet(ADMIN, victim["id"])["id"] == victim["id"]
    assert deleted == expected(sees, hidden=ALL - sees)


def test_subnet_create(plugin) -> None:
    cloud = Cloud(plugin)
    on_shared, on_private = {}, {}
    for name, ctx in CALLERS.items():
        cloud.n += 1
        on_shared[name] = outcome(
            lambda ctx=ctx: plugin.create_subnet(
                ctx, {"network_id": cloud.net["id"], "cidr": f"10.{30 + cloud.n}.0.0/24"}
            )
        )
        on_private[name] = outcome(
            lambda ctx=ctx: plugin.create_subnet(
                ctx, {"network_id": cloud.private["id"], "cidr": f"10.{60 + cloud.n}.0.0/24"}
            )
        )
    assert on_shared == expected({"admin", "net_owner"})
    assert on_private == expected({"admin", "net_owner"}, hidden={"owner", "other"})


def test_network_get_update_delete(plugin) -> None:
    cloud = Cloud(plugin)
    shared_seen = {n: outcome(lambda c=c: plugin.get_network(c, cloud.net["id"])) for n, c in CALLERS.items()}
    assert shared_seen == expected(ALL)
    private_seen = {
        n: outcome(lambda c=c: plugin.get_network(c, cloud.private["id"])) for n, c in CALLERS.items()
    }
    assert private_seen == expected({"admin", "net_owner"}, hidden={"owner", "other"})
    renamed = {
        n: outcome(lambda c=c, n=n: plugin.update_network(c, cloud.net["id"], {"name": n}))
        for n, c in CALLERS.items()
    }
    assert renamed == expected({"admin", "net_owner"})
    for name, ctx in CALLERS.items():
        if name not in ("admin", "net_owner"):
            assert outcome(lambda ctx=ctx: plugin.delete_network(ctx, cloud.private["id"])) == HIDDEN
            assert (
                outcome(lambda ctx=ctx: plugin.update_network(ctx, cloud.net["id"], {"shared": False}))
                == DENIED
            )


def test_rules_table_lists_every_port_attribute_tried() -> None:
    """The table and these tests cover the same port attributes."""
    ruled = {r.attribute for r in policy.RULES if r.resource == "port" and "create" in r.operations}
    future = {"port_security_enabled", "allowed_address_pairs"}  # not port attributes yet
    assert ruled - {"*"} - future == set(PORT_CREATE) - {"name"}
