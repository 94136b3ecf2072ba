"""A fake plugin client and a fake backend for agent tests (no kernel, no database)."""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from typing import Any

from ml2core import constants
from ml2core.dataplane import BackendDescription, DataplaneBackend, PortInfo, SyncReport
from ml2core.exceptions import DataplaneError, Ml2CoreError, PortNotFound

HOST = "compute1"


def port_info(port_id: str, status: str = "DOWN", *, admin_state_up: bool = True) -> PortInfo:
    """A minimal ``get_host_ports`` item."""
    return {
        "port": {"id": port_id, "status": status, "admin_state_up": admin_state_up, "network_id": "net"},
        "network": {"id": "net", "mtu": 1450},
        "segment": {"network_type": "vxlan", "physical_network": None, "segmentation_id": 1001},
        "tunnel_endpoints": [],
        "remote_ports": [],
    }


class FakeClient:
    """Implements ``HostClient`` on dicts; records every call; failures on demand."""

    def __init__(self, ports: Sequence[PortInfo] = ()) -> None:
        self.ports: dict[str, PortInfo] = {p["port"]["id"]: copy.deepcopy(p) for p in ports}
        self.reports: list[dict[str, Any]] = []
        self.updates: list[tuple[str, str, str]] = []
        self.fetches: list[tuple[str, str | None]] = []
        self.report_error: Ml2CoreError | None = None
        self.update_errors: dict[str, Ml2CoreError] = {}

    def report_state(self, state: dict[str, Any]) -> dict[str, Any]:
        if self.report_error is not None:
            raise self.report_error
        self.reports.append(copy.deepcopy(state))
        return {**state, "alive": True}

    def get_host_ports(self, host: str, agent_type: str | None = None) -> list[dict[str, Any]]:
        self.fetches.append((host, agent_type))
        return [copy.deepcopy(p) for p in self.ports.values()]

    def update_port_status(self, port_id: str, status: str, host: str) -> None:
        if port_id in self.update_errors:
            raise self.update_errors[port_id]
        if port_id not in self.ports:
            raise PortNotFound(port_id=port_id)
        self.updates.append((port_id, status, host))
        self.ports[port_id]["port"]["status"] = status


class FakeBackend(DataplaneBackend):
    """Realizes nothing: every listed port is ACTIVE unless told otherwise; a vendor-style backend."""

    name = "fake"
    agent_type = "Fake agent"

    def __init__(self) -> None:
        self.synced: list[list[str]] = []
        self.errors: dict[str, str] = {}
        self.fail_next: Exception | None = None
        self.sleep = 0.0
        self.initialized = 0
        self.closed = 0

    def initialize(self) -> None:
        self.initialized += 1

    def describe(self) -> BackendDescription:
        return BackendDescription(
            name=self.name,
            network_types=frozenset({constants.TYPE_VXLAN, constants.TYPE_FLAT}),
            vnic_types=frozenset({constants.VNIC_NORMAL}),
            vif_types=frozenset({constants.VIF_TYPE_TAP}),
            unavailable={constants.TYPE_GRE: "no gre here", constants.TYPE_GENEVE: "no geneve here"},
        )

    def agent_configurations(self) -> dict[str, Any]:
        return {"interface_mappings": {"physnet1": "eth1"}}

    def plug(self, port_info: PortInfo) -> None:
        raise DataplaneError(operation="plug", reason="not used")

    def unplug(self, port_id: str) -> None:
        raise DataplaneError(operation="unplug", reason="not used")

    def sync(self, port_infos: Sequence[PortInfo]) -> SyncReport:
        if self.sleep:
            time.sleep(self.sleep)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        ids = [info["port"]["id"] for info in port_infos]
        report = SyncReport(changes=0 if self.synced and self.synced[-1] == ids else len(ids))
        for info in port_infos:
            port = info["port"]
            up = port.get("admin_state_up", True) and port["id"] not in self.errors
            report.port_status[port["id"]] = "ACTIVE" if up else "DOWN"
        report.errors = {k: v for k, v in self.errors.items() if k in ids}
        self.synced.append(ids)
        return report

    def close(self) -> None:
        self.closed += 1
