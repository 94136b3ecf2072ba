"""Pure functions of an agent pass: the state report, and which port statuses to send.

Nothing here talks to the plugin or the kernel, so it is unit-tested on
plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ml2core import constants
from ml2core.dataplane import BackendDescription, PortInfo, SyncReport

__all__ = ["BINARY", "build_state", "describe_dict", "desired_statuses", "status_updates"]

#: The ``binary`` every report names.
BINARY = "ml2core-agent"


def describe_dict(description: BackendDescription) -> dict[str, Any]:
    """A backend's description as JSON-friendly data (sorted lists)."""
    return {
        "backend": description.name,
        "network_types": sorted(description.network_types),
        "vnic_types": sorted(description.vnic_types),
        "vif_types": sorted(description.vif_types),
        "unavailable": dict(sorted(description.unavailable.items())),
    }


def build_state(
    *,
    host: str,
    agent_type: str,
    backend_configurations: Mapping[str, Any],
    description: BackendDescription,
    tunnel_types: Sequence[str],
    tunneling_ip: str | None,
    left_out: Mapping[str, str],
    devices: int,
    start_flag: bool,
) -> dict[str, Any]:
    """The ``state`` given to ``HostClient.report_state``.

    ``configurations`` holds what the mechanism drivers read (the
    backend's mappings and switch facts, ``tunnel_types``, and
    ``tunneling_ip`` when there are tunnel types, which is what other
    hosts' ports get as this host's endpoint), ``devices`` (ports bound
    here at the last pass), and under ``dataplane`` the backend's
    description; wanted tunnel types the backend cannot realize are
    listed there as unavailable.
    """
    dataplane = describe_dict(description)
    for name, reason in left_out.items():
        dataplane["unavailable"].setdefault(name, reason)
    configurations: dict[str, Any] = dict(backend_configurations)
    configurations["tunnel_types"] = list(tunnel_types)
    if tunnel_types and tunneling_ip:
        configurations["tunneling_ip"] = tunneling_ip
    configurations["devices"] = devices
    configurations["dataplane"] = dataplane
    return {
        "host": host,
        "agent_type": agent_type,
        "binary": BINARY,
        "configurations": configurations,
        "start_flag": start_flag,
    }


def _port_id(info: PortInfo) -> str | None:
    port = info.get("port") if isinstance(info, Mapping) else None
    port_id = port.get("id") if isinstance(port, Mapping) else None
    return port_id if isinstance(port_id, str) else None


def desired_statuses(port_infos: Sequence[PortInfo], report: SyncReport) -> dict[str, str]:
    """Every listed port's status after ``report``: ``ACTIVE`` only when realized, up and error-free.

    A port the backend did not mention (it could not read its
    ``port_info``) or reported an error for is ``DOWN``.
    """
    result: dict[str, str] = {}
    for info in port_infos:
        port_id = _port_id(info)
        if port_id is None:
            continue
        status = report.port_status.get(port_id, constants.PORT_STATUS_DOWN)
        if port_id in report.errors or status != constants.PORT_STATUS_ACTIVE:
            status = constants.PORT_STATUS_DOWN
        result[port_id] = status
    return result


def status_updates(port_infos: Sequence[PortInfo], report: SyncReport) -> dict[str, str]:
    """The statuses to send: only those that differ from the plugin's view.

    The plugin's view is each port's ``status`` in ``port_infos`` (fetched
    at the start of this pass), so a restarted agent sends nothing for
    ports that are already right, and a status that did not stick (the
    call failed) is sent again next pass.
    """
    known = {}
    for info in port_infos:
        port_id = _port_id(info)
        if port_id is not None:
            known[port_id] = info["port"].get("status")
    return {
        port_id: status
        for port_id, status in desired_statuses(port_infos, report).items()
        if known.get(port_id) != status
    }
