"""Dataplane sync benchmark: a host from nothing to N bound ports, and a sync that changes nothing.

For each backend (Linux bridge, Open vSwitch userspace datapath) and each
repetition, in a fresh network namespace (and a fresh private OVS):

- **cold**: a new backend's ``initialize()`` + first ``sync()`` of N ports
  (spread over M VXLAN networks with E remote endpoints each; the VMs'
  host-side veths exist beforehand, as a hypervisor would have made them);
- **no-op**: a second ``sync()`` of the same ports (must report 0 changes).

Beside each, measured in the same run on an identical fresh host, the naive
way: one ``ip`` / ``bridge`` / ``ovs-vsctl`` / ``ovs-ofctl`` process per
device or flow (building the same bridges, VXLAN devices, flood entries,
ports and flows), and for no-op one inspecting process per device.

Needs root and, for Open vSwitch, the ``openvswitch-switch`` binaries (the
system OVS service is never used). Not part of the test run::

    python benchmarks/dataplane_sync.py --reps 5 --json /tmp/dataplane.json

``run(reps)`` returns one dict per (backend, metric) for the project's
benchmark harness (``benchmarks/dataplane.py``): ``values`` are ml2core's
seconds per repetition, ``naive_values`` (also given as ``neutron_values``,
the harness's peer column) the naive way's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.linuxbridge import LinuxBridgeBackend
from drivers.openvswitch import OpenvswitchBackend
from ml2core.testing.config import make_conf
from ml2core.testing.netns import NetnsHost
from ml2core.testing.ovs_sandbox import OvsSandbox, ovs_unavailable

LOCAL_IP = "198.51.100.1"
MTU = 1450
NOTE = (
    "peer column = the naive way (one ip/bridge/ovs-vsctl/ovs-ofctl process per device or flow), "
    "measured in the same run on an identical host; not Neutron's agent"
)


# -- the workload ---------------------------------------------------------


def workload(ports: int, networks: int, endpoints: int) -> list[dict[str, Any]]:
    """``ports`` port_infos over ``networks`` VXLAN networks (VNI 1000+i), ``endpoints`` remote VTEPs each."""
    nets = [(str(uuid.uuid4()), 1000 + i) for i in range(networks)]
    remotes = [f"198.51.100.{10 + e}" for e in range(endpoints)]
    infos = []
    for i in range(ports):
        net_id, vni = nets[i % networks]
        infos.append(
            {
                "port": {
                    "id": str(uuid.uuid4()),
                    "network_id": net_id,
                    "mac_address": f"fa:16:3e:01:{i >> 8:02x}:{i & 0xFF:02x}",
                    "admin_state_up": True,
                },
                "network": {"id": net_id, "mtu": MTU},
                "segment": {"network_type": "vxlan", "physical_network": None, "segmentation_id": vni},
                "tunnel_endpoints": [
                    {"ip_address": ip, "host": ip, "udp_port": None, "tunnel_type": "vxlan"} for ip in remotes
                ],
            }
        )
    return infos


def tap(info: dict[str, Any]) -> str:
    """The port's host-side device."""
    return f"tap{info['port']['id'][:11]}"


def prepare_host(host: NetnsHost, infos: Sequence[dict[str, Any]]) -> None:
    """Underlay address and the VMs' host-side veths (down, unplugged); not timed."""
    lines = [
        "link add ul0 type veth peer name ul1",
        f"addr add {LOCAL_IP}/24 dev ul0",
        "link set ul0 up",
        "link set ul1 up",
    ]
    lines += [f"link add {tap(info)} type veth peer name v{n}" for n, info in enumerate(infos)]
    host.ip_batch(lines)


def _sh(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _networks(infos: Sequence[dict[str, Any]]) -> dict[str, tuple[int, list[str]]]:
    nets: dict[str, tuple[int, list[str]]] = {}
    for info in infos:
        remotes = [e["ip_address"] for e in info["tunnel_endpoints"]]
        nets.setdefault(info["network"]["id"], (info["segment"]["segmentation_id"], remotes))
    return nets


# -- Linux bridge ---------------------------------------------------------


def lb_ml2core(infos: list[dict[str, Any]]) -> tuple[float, float]:
    """(cold, no-op) seconds of the Linux bridge backend on a fresh host."""
    with NetnsHost("bench-lb") as host:
        prepare_host(host, infos)
        backend = LinuxBridgeBackend(make_conf(vxlan={"local_ip": LOCAL_IP}), netns=host.name)
        try:
            start = time.perf_counter()
            backend.initialize()
            first = backend.sync(infos)
            cold = time.perf_counter() - start
            start = time.perf_counter()
            again = backend.sync(infos)
            noop = time.perf_counter() - start
        finally:
            backend.close()
        if first.errors or again.changes:
            raise RuntimeError(f"linuxbridge sync went wrong: {first.errors or again}")
    return cold, noop


def lb_naive(infos: list[dict[str, Any]]) -> tuple[float, float]:
    """(cold, no-op) seconds of one ip/bridge process per device on a fresh host."""
    with NetnsHost("bench-lbn") as host:
        prepare_host(host, infos)
        nets = _networks(infos)
        ip = ("ip", "-n", host.name)

        def build() -> None:
            """The same end state, one process per step."""
            for net_id, (vni, remotes) in nets.items():
                br, vx = f"brq{net_id[:11]}", f"vxlan-{vni}"
                _sh(*ip, "link", "add", br, "mtu", str(MTU), "type", "bridge")
                _sh(*ip, "link", "set", br, "up")
                _sh(
                    *ip,
                    "link",
                    "add",
                    vx,
                    "mtu",
                    str(MTU),
                    "type",
                    "vxlan",
                    "id",
                    str(vni),
                    "local",
                    LOCAL_IP,
                    "dstport",
                    "4789",
                    "nolearning",
                )
                for remote in remotes:
                    _sh(
                        "bridge",
                        "-n",
                        host.name,
                        "fdb",
                        "append",
                        "00:00:00:00:00:00",
                        "dev",
                        vx,
                        "dst",
                        remote,
                    )
                _sh(*ip, "link", "set", vx, "master", br, "up")
            for info in infos:
                br = f"brq{info['network']['id'][:11]}"
                _sh(*ip, "link", "set", tap(info), "master", br, "mtu", str(MTU), "up")

        def check() -> None:
            """Look at every device once, one process each."""
            for net_id, (vni, _) in nets.items():
                _sh(*ip, "-d", "link", "show", "dev", f"brq{net_id[:11]}")
                _sh(*ip, "-d", "link", "show", "dev", f"vxlan-{vni}")
                _sh("bridge", "-n", host.name, "fdb", "show", "dev", f"vxlan-{vni}")
            for info in infos:
                _sh(*ip, "link", "show", "dev", tap(info))

        return _timed(build), _timed(check)


# -- Open vSwitch ---------------------------------------------------------


def ovs_ml2core(infos: list[dict[str, Any]]) -> tuple[float, float]:
    """(cold, no-op) seconds of the Open vSwitch backend on a fresh host and switch."""
    with NetnsHost("bench-ovs") as host, OvsSandbox(host) as sandbox:
        prepare_host(host, infos)
        backend = OpenvswitchBackend(
            make_conf(ovs={"local_ip": LOCAL_IP, "datapath_type": "netdev"}),
            ovsdb_connection=sandbox.db_connection,
            ovs_rundir=sandbox.rundir,
            netns=host.name,
        )
        try:
            start = time.perf_counter()
            backend.initialize()
            first = backend.sync(infos)
            cold = time.perf_counter() - start
            start = time.perf_counter()
            again = backend.sync(infos)
            noop = time.perf_counter() - start
        finally:
            backend.close()
        if first.errors or again.changes:
            raise RuntimeError(f"openvswitch sync went wrong: {first.errors or again}")
    return cold, noop


def ovs_naive(infos: list[dict[str, Any]]) -> tuple[float, float]:
    """(cold, no-op) seconds of one ovs-vsctl/ovs-ofctl/ip process per device or flow."""
    with NetnsHost("bench-ovsn") as host, OvsSandbox(host) as sandbox:
        prepare_host(host, infos)
        nets = _networks(infos)
        lvid = {net_id: n + 1 for n, net_id in enumerate(nets)}
        remotes = sorted({r for _, rs in nets.values() for r in rs})
        tun = {r: "vxlan-" + "".join(f"{int(o):02x}" for o in r.split(".")) for r in remotes}

        def build() -> None:
            """The same end state, one process per step."""
            for br in ("br-int", "br-tun"):
                sandbox.vsctl(
                    "add-br", br, "--", "set", "bridge", br, "datapath_type=netdev", "fail_mode=secure"
                )
            sandbox.vsctl(
                "add-port",
                "br-int",
                "patch-tun",
                "--",
                "set",
                "interface",
                "patch-tun",
                "type=patch",
                "options:peer=patch-int",
            )
            sandbox.vsctl(
                "add-port",
                "br-tun",
                "patch-int",
                "--",
                "set",
                "interface",
                "patch-int",
                "type=patch",
                "options:peer=patch-tun",
            )
            for remote, name in tun.items():
                sandbox.vsctl(
                    "add-port",
                    "br-tun",
                    name,
                    "--",
                    "set",
                    "interface",
                    name,
                    "type=vxlan",
                    "options:key=flow",
                    f"options:local_ip={LOCAL_IP}",
                    f"options:remote_ip={remote}",
                )
            for info in infos:
                name, net_id = tap(info), info["network"]["id"]
                _sh("ip", "-n", host.name, "link", "set", name, "mtu", str(MTU), "up")
                sandbox.vsctl(
                    "add-port",
                    "br-int",
                    name,
                    f"tag={lvid[net_id]}",
                    "--",
                    "set",
                    "interface",
                    name,
                    f"external_ids:iface-id={info['port']['id']}",
                    f"external_ids:attached-mac={info['port']['mac_address']}",
                )
            sandbox.ofctl("add-flow", "br-int", "table=0,priority=0,actions=NORMAL")
            sandbox.ofctl("add-flow", "br-tun", "table=0,priority=1,in_port=patch-int,actions=resubmit(,2)")
            for name in tun.values():
                sandbox.ofctl("add-flow", "br-tun", f"table=0,priority=1,in_port={name},actions=resubmit(,4)")
            outputs = ",".join(f"output:{name}" for name in tun.values())
            for net_id, (vni, _) in nets.items():
                sandbox.ofctl(
                    "add-flow",
                    "br-tun",
                    f"table=2,priority=1,dl_vlan={lvid[net_id]},"
                    f"actions=strip_vlan,set_field:{vni}->tun_id,{outputs}",
                )
                sandbox.ofctl(
                    "add-flow",
                    "br-tun",
                    f"table=4,priority=1,tun_id={vni},actions=mod_vlan_vid:{lvid[net_id]},output:patch-int",
                )

        def check() -> None:
            """Look at every device once, one process each."""
            for info in infos:
                sandbox.vsctl("--columns=name,ofport,external_ids", "list", "Interface", tap(info))
            for br in ("br-int", "br-tun"):
                sandbox.dump_flows(br)

        return _timed(build), _timed(check)


# -- running ----------------------------------------------------------------


BACKENDS: dict[str, tuple[Callable[[list[dict[str, Any]]], tuple[float, float]], ...]] = {
    "linuxbridge": (lb_ml2core, lb_naive),
    "openvswitch": (ovs_ml2core, ovs_naive),
}


def _record(
    backend: str, metric: str, values: list[float], naive: list[float], extra: dict[str, Any]
) -> dict[str, Any]:
    record: dict[str, Any] = {"metric": metric, "backend": backend, "unit": "s", "values": values, **extra}
    if naive:
        record["naive_values"] = naive
        record["neutron_values"] = naive
        record["note"] = NOTE
    return record


def run(
    reps: int = 3,
    *,
    ports: int = 200,
    networks: int = 50,
    endpoints: int = 2,
    backends: Sequence[str] = ("linuxbridge", "openvswitch"),
    naive: bool = True,
) -> list[dict[str, Any]]:
    """Measure each backend ``reps`` times; one dict per (backend, metric). Blocks for minutes.

    Raises ``PermissionError`` when not root. A backend whose tools are
    missing (Open vSwitch) gives a record with an ``error`` instead of values.
    """
    if os.geteuid() != 0:
        raise PermissionError("the dataplane benchmark needs root (network namespaces)")
    extra = {"ports": ports, "networks": networks, "endpoints": endpoints}
    records: list[dict[str, Any]] = []
    for name in backends:
        ours, theirs = BACKENDS[name]
        if name == "openvswitch" and (reason := ovs_unavailable()):
            for metric in (f"cold start to {ports} ports", f"no-change sync ({ports} ports)"):
                records.append({"metric": metric, "backend": name, "unit": "s", "error": reason, **extra})
            continue
        cold, noop, naive_cold, naive_noop = [], [], [], []
        for _ in range(reps):
            infos = workload(ports, networks, endpoints)
            c, n = ours(infos)
            cold.append(c)
            noop.append(n)
            if naive:
                c, n = theirs(infos)
                naive_cold.append(c)
                naive_noop.append(n)
        records.append(_record(name, f"cold start to {ports} ports", cold, naive_cold, extra))
        records.append(_record(name, f"no-change sync ({ports} ports)", noop, naive_noop, extra))
    return records


def _summary(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):8.3f} [{min(values):.3f}-{max(values):.3f}]"


def print_table(records: Sequence[dict[str, Any]]) -> None:
    """One line per record: median [min-max] seconds for ml2core and the naive way, and their ratio."""
    header = ("backend", "metric", "ml2core s, median [min-max]", "naive s", "naive/ml2core")
    print(f"{header[0]:12} {header[1]:28} {header[2]:>30} {header[3]:>30} {header[4]:>14}")
    for rec in records:
        ours, naive = rec.get("values", []), rec.get("naive_values", [])
        ratio = f"{statistics.median(naive) / statistics.median(ours):.1f}x" if ours and naive else "n/a"
        line = (
            f"{rec['backend']:12} {rec['metric']:28} {_summary(ours):>30} {_summary(naive):>30} {ratio:>14}"
        )
        print(line + (f"  ({rec['error']})" if rec.get("error") else ""))


def main(argv: list[str] | None = None) -> int:
    """Command line entry: run, print the table, optionally write JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--ports", type=int, default=200, help="bound ports per host (default 200)")
    parser.add_argument(
        "--networks", type=int, default=50, help="VXLAN networks they spread over (default 50)"
    )
    parser.add_argument("--endpoints", type=int, default=2, help="remote tunnel endpoints (default 2)")
    parser.add_argument("--backends", default="linuxbridge,openvswitch", help="comma-separated")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive way")
    parser.add_argument("--json", type=Path, help="also write the records as JSON here")
    args = parser.parse_args(argv)
    records = run(
        args.reps,
        ports=args.ports,
        networks=args.networks,
        endpoints=args.endpoints,
        backends=[b for b in args.backends.split(",") if b],
        naive=not args.no_naive,
    )
    print_table(records)
    if args.json:
        args.json.write_text(json.dumps(records, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
