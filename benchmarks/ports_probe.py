"""Fresh-process probe: ports created and bound per second, and SQL statements per port.

``python -m benchmarks.ports_probe --url URL --n 500`` prints ``RESULT {...}``.
Set-up as Neutron's ``bench_bind.py``: the ``openvswitch`` mechanism driver, a
live Open vSwitch agent on ``host-1``, one VXLAN network with one /16 subnet
(``enable_dhcp`` false), ports owned by ``compute:nova``. Two phases over N
ports each, every call through the facade with durable commits:

- ``update``: N unbound ports, then ``update_port(binding:host_id=host-1)``;
- ``create``: N ``create_port`` calls with ``binding:host_id`` set.

Every port is checked for ``binding:vif_type == ovs``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import sqlalchemy as sa

from benchmarks.plugin_setup import Ranges, make_plugin
from benchmarks.probe import emit
from ml2core import Context

WARMUP = 10
HOST = "host-1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    plugin = make_plugin(
        args.url,
        Ranges(vni="1:1000", vlan="physnet1:1:4094"),
        project_network_types=["vxlan"],
        mechanism_drivers=["openvswitch"],
    )
    admin = Context.admin()
    plugin.report_agent_state(
        admin,
        {
            "host": HOST,
            "agent_type": "Open vSwitch agent",
            "binary": "bench",
            "configurations": {
                "bridge_mappings": {"physnet1": "br-eth1"},
                "tunnel_types": ["vxlan"],
                "tunneling_ip": "192.0.2.1",
            },
        },
    )
    net = plugin.create_network(admin, {"name": "bench"})
    plugin.create_subnet(admin, {"network_id": net["id"], "cidr": "10.0.0.0/16", "enable_dhcp": False})
    body: dict[str, Any] = {"network_id": net["id"], "device_owner": "compute:nova"}
    for _ in range(WARMUP):
        plugin.create_port(admin, {**body, "binding:host_id": HOST})

    statements = [0]

    @sa.event.listens_for(plugin.engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        statements[0] += 1

    unbound = [plugin.create_port(admin, body)["id"] for _ in range(args.n)]
    lat_update: list[float] = []
    update_ok = 0
    sql0 = statements[0]
    start = time.perf_counter()
    for port_id in unbound:
        t0 = time.perf_counter()
        port = plugin.update_port(admin, port_id, {"binding:host_id": HOST})
        lat_update.append(time.perf_counter() - t0)
        update_ok += port["binding:vif_type"] == "ovs"
    update_s = time.perf_counter() - start
    sql_update = statements[0] - sql0

    lat_create: list[float] = []
    create_ok = 0
    sql0 = statements[0]
    start = time.perf_counter()
    for _ in range(args.n):
        t0 = time.perf_counter()
        port = plugin.create_port(admin, {**body, "binding:host_id": HOST})
        lat_create.append(time.perf_counter() - t0)
        create_ok += port["binding:vif_type"] == "ovs"
    create_s = time.perf_counter() - start
    sql_create = statements[0] - sql0
    plugin.close()

    def ms(value: float) -> float:
        return round(value * 1000, 2)

    emit(
        {
            "n": args.n,
            "update_bind_per_s": args.n / update_s,
            "update_bind_p50_ms": ms(statistics.median(lat_update)),
            "update_bound_ok": update_ok,
            "sql_per_update_bind": sql_update / args.n,
            "create_bound_per_s": args.n / create_s,
            "create_bound_p50_ms": ms(statistics.median(lat_create)),
            "create_bound_ok": create_ok,
            "sql_per_create_bound": sql_create / args.n,
            "create_first100_p50_ms": ms(statistics.median(lat_create[:100])),
            "create_last100_p50_ms": ms(statistics.median(lat_create[-100:])),
        }
    )


if __name__ == "__main__":
    main()
