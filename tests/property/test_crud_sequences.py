"""Random create/update/delete sequences by several projects keep the database consistent.

After every step: no address allocated to nothing, no port without its
network, no project seeing another's resources; after every rejected call,
the ml2core tables are logically unchanged.
"""

from __future__ import annotations

import os
import tempfile

import sqlalchemy as sa
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import Ml2CoreError
from ml2core.testing import dump_tables, make_conf

PROJECTS = ["p1", "p2", "p3"]
CONTEXTS = st.sampled_from([Context(p) for p in PROJECTS] + [Context.admin()])
CIDRS = st.sampled_from(["10.0.0.0/29", "10.0.0.8/29", "10.1.0.0/30", "2001:db8::/64", "10.0.0.0/28"])


class CrudMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.tmp = tempfile.mkdtemp()
        conf = make_conf(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": ["1:6"]})
        self.plugin = Ml2Plugin(conf, db_url=f"sqlite:///{os.path.join(self.tmp, 'db.sqlite')}")
        self.ids: dict[str, list[str]] = {"network": [], "subnet": [], "port": []}

    def teardown(self) -> None:
        if hasattr(self, "plugin"):
            self.plugin.close()

    def _call(self, fn, *args):
        before = dump_tables(self.plugin.engine)
        try:
            return fn(*args)
        except Ml2CoreError:
            assert dump_tables(self.plugin.engine) == before, f"{fn.__name__} failed but changed the tables"
            return None

    def _any(self, kind: str, data: st.DataObject) -> str:
        choices = self.ids[kind] + ["00000000-0000-0000-0000-000000000000"]
        return data.draw(st.sampled_from(choices))

    @rule(ctx=CONTEXTS, shared=st.booleans(), name=st.text(max_size=8))
    def create_network(self, ctx, shared, name) -> None:
        net = self._call(self.plugin.create_network, ctx, {"name": name, "shared": shared})
        if net:
            self.ids["network"].append(net["id"])

    @rule(ctx=CONTEXTS, data=st.data())
    def delete_network(self, ctx, data) -> None:
        self._call(self.plugin.delete_network, ctx, self._any("network", data))

    @rule(ctx=CONTEXTS, data=st.data(), cidr=CIDRS)
    def create_subnet(self, ctx, data, cidr) -> None:
        subnet = self._call(
            self.plugin.create_subnet, ctx, {"network_id": self._any("network", data), "cidr": cidr}
        )
        if subnet:
            self.ids["subnet"].append(subnet["id"])

    @rule(ctx=CONTEXTS, data=st.data())
    def delete_subnet(self, ctx, data) -> None:
        self._call(self.plugin.delete_subnet, ctx, self._any("subnet", data))

    @rule(
        ctx=CONTEXTS,
        data=st.data(),
        owner=st.sampled_from(["compute:nova", "network:dhcp", ""]),
        ip=st.sampled_from([None, "10.0.0.2", "10.0.0.3", "10.0.0.9", "10.5.0.1"]),
    )
    def create_port(self, ctx, data, owner, ip) -> None:
        body = {"network_id": self._any("network", data), "device_owner": owner}
        if ip is not None:
            body["fixed_ips"] = [{"ip_address": ip}]
        port = self._call(self.plugin.create_port, ctx, body)
        if port:
            self.ids["port"].append(port["id"])

    @rule(ctx=CONTEXTS, data=st.data(), name=st.text(max_size=5))
    def update_port(self, ctx, data, name) -> None:
        self._call(self.plugin.update_port, ctx, self._any("port", data), {"name": name, "fixed_ips": []})

    @rule(ctx=CONTEXTS, data=st.data())
    def delete_port(self, ctx, data) -> None:
        self._call(self.plugin.delete_port, ctx, self._any("port", data))

    @precondition(lambda self: hasattr(self, "plugin"))
    @invariant()
    def consistent(self) -> None:
        with self.plugin.engine.connect() as conn:
            orphans = conn.execute(
                sa.text(
                    "SELECT count(*) FROM ml2core_ip_allocations a "
                    "LEFT JOIN ml2core_ports p ON p.id = a.port_id WHERE p.id IS NULL"
                )
            ).scalar()
            assert orphans == 0
            lost = conn.execute(
                sa.text(
                    "SELECT count(*) FROM ml2core_ports p "
                    "LEFT JOIN ml2core_networks n ON n.id = p.network_id WHERE n.id IS NULL"
                )
            ).scalar()
            assert lost == 0
            stray = conn.execute(
                sa.text(
                    "SELECT count(*) FROM ml2core_segment_allocations a LEFT JOIN ml2core_network_segments s "
                    "ON s.network_type = a.network_type AND s.segmentation_id = a.segmentation_id "
                    "WHERE s.id IS NULL"
                )
            ).scalar()
            assert stray == 0
        for project in PROJECTS:
            ctx = Context(project)
            for net in self.plugin.get_networks(ctx):
                assert net["project_id"] == project or net["shared"]
            for port in self.plugin.get_ports(ctx):
                owner = self.plugin.get_network(Context.admin(), port["network_id"])["project_id"]
                assert port["project_id"] == project or owner == project


TestCrudSequences = CrudMachine.TestCase
