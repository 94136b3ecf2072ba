"""Random create/update/move/delete/bind sequences across hosts whose agents come and go.

After every step: no orphan binding level, no dynamic segment without a
binding level, no allocated ID without a segment.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile

import sqlalchemy as sa
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import Ml2CoreError
from ml2core.testing import make_conf

ADMIN = Context.admin()
HOSTS = st.sampled_from(["h1", "h2", "h3", ""])


class BindingMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.tmp = tempfile.mkdtemp()
        conf = make_conf(
            ml2={
                "mechanism_drivers": ["tor", "openvswitch", "vlan_binder"],
                "project_network_types": ["vxlan"],
            },
            ml2_type_vxlan={"vni_ranges": ["1:4"]},
            ml2_type_vlan={"network_vlan_ranges": ["physnet1:10:13"]},
        )
        self.plugin = Ml2Plugin(conf, db_url=f"sqlite:///{os.path.join(self.tmp, 'db.sqlite')}")
        self.networks: list[str] = []
        self.ports: list[str] = []

    def teardown(self) -> None:
        if hasattr(self, "plugin"):
            self.plugin.close()

    @rule()
    def create_network(self) -> None:
        with contextlib.suppress(Ml2CoreError):
            self.networks.append(self.plugin.create_network(ADMIN, {})["id"])

    @precondition(lambda self: self.networks)
    @rule(data=st.data(), host=HOSTS, with_ip=st.booleans())
    def create_port(self, data, host, with_ip) -> None:
        net = data.draw(st.sampled_from(self.networks))
        body = {"network_id": net, "binding:host_id": host}
        if not with_ip:
            body["fixed_ips"] = []
        with contextlib.suppress(Ml2CoreError):
            self.ports.append(self.plugin.create_port(ADMIN, body)["id"])

    @precondition(lambda self: self.ports)
    @rule(data=st.data(), host=HOSTS, vnic=st.sampled_from(["normal", "direct"]))
    def move_port(self, data, host, vnic) -> None:
        port = data.draw(st.sampled_from(self.ports))
        with contextlib.suppress(Ml2CoreError):
            self.plugin.update_port(ADMIN, port, {"binding:host_id": host, "binding:vnic_type": vnic})

    @precondition(lambda self: self.ports)
    @rule(data=st.data())
    def delete_port(self, data) -> None:
        port = data.draw(st.sampled_from(self.ports))
        self.ports.remove(port)
        self.plugin.delete_port(ADMIN, port)

    @precondition(lambda self: self.networks)
    @rule(data=st.data())
    def delete_network(self, data) -> None:
        net = data.draw(st.sampled_from(self.networks))
        try:
            self.plugin.delete_network(ADMIN, net)
        except Ml2CoreError:
            return
        self.networks.remove(net)
        self.ports = [p for p in self.ports if self._exists(p)]

    def _exists(self, port: str) -> bool:
        return bool(self.plugin.get_ports(ADMIN, filters={"id": [port]}))

    @rule(host=st.sampled_from(["h1", "h2", "h3"]))
    def agent_reports(self, host) -> None:
        self.plugin.report_agent_state(
            ADMIN,
            {
                "host": host,
                "agent_type": "Open vSwitch agent",
                "configurations": {
                    "bridge_mappings": {"physnet1": "br-eth1"},
                    "tunnel_types": ["vxlan"],
                    "tunneling_ip": f"192.0.2.{host[1]}",
                },
            },
        )

    @rule(host=st.sampled_from(["h1", "h2", "h3"]))
    def agent_dies(self, host) -> None:
        old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1)
        with self.plugin.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE ml2core_agents SET heartbeat_timestamp = :t WHERE host = :h"),
                {"t": old, "h": host},
            )

    @precondition(lambda self: hasattr(self, "plugin"))
    @invariant()
    def consistent(self) -> None:
        with self.plugin.engine.connect() as conn:
            q = lambda sql: conn.execute(sa.text(sql)).scalar()  # noqa: E731
            assert (
                q(
                    "SELECT count(*) FROM ml2core_port_binding_levels l LEFT JOIN ml2core_ports p "
                    "ON p.id = l.port_id WHERE p.id IS NULL"
                )
                == 0
            )
            assert q("SELECT count(*) FROM ml2core_port_binding_levels WHERE segment_id IS NULL") == 0
            assert (
                q(
                    "SELECT count(*) FROM ml2core_network_segments s WHERE s.is_dynamic = 1 AND NOT EXISTS "
                    "(SELECT 1 FROM ml2core_port_binding_levels l WHERE l.segment_id = s.id)"
                )
                == 0
            )
            assert (
                q(
                    "SELECT count(*) FROM ml2core_segment_allocations a WHERE NOT EXISTS "
                    "(SELECT 1 FROM ml2core_network_segments s WHERE s.network_type = a.network_type "
                    "AND COALESCE(s.physical_network, '') = a.physical_network "
                    "AND COALESCE(s.segmentation_id, 0) = a.segmentation_id)"
                )
                == 0
            )
            bound_without_levels = q(
                "SELECT count(*) FROM ml2core_port_bindings b "
                "WHERE b.vif_type NOT IN ('unbound', 'binding_failed') AND NOT EXISTS "
                "(SELECT 1 FROM ml2core_port_binding_levels l WHERE l.port_id = b.port_id)"
            )
            assert bound_without_levels == 0


TestBindingSequences = BindingMachine.TestCase
