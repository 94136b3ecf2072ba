"""Builders of the plain dicts drivers see: segments, agents, networks, subnets, ports.

Each returns a dict with the keys ml2core's own contexts and
``get_agents`` give (random UUIDs where an ID is not given), for use with
the fakes of :mod:`ml2core.testing.fakes` or on their own.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ml2core import constants
from ml2core.api import Segment

__all__ = ["make_agent", "make_network", "make_port", "make_segment", "make_subnet"]

_AGENT_BINARIES = {
    constants.AGENT_TYPE_OVS: "neutron-openvswitch-agent",
    constants.AGENT_TYPE_LINUXBRIDGE: "neutron-linuxbridge-agent",
    constants.AGENT_TYPE_NIC_SWITCH: "neutron-sriov-nic-agent",
}


def _new_id() -> str:
    return str(uuid.uuid4())


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# -- builders ---------------------------------------------------------------------------


def make_segment(
    network_type: str,
    physical_network: str | None = None,
    segmentation_id: int | None = None,
    *,
    segment_id: str | None = None,
    network_id: str | None = None,
    is_dynamic: bool = False,
) -> Segment:
    """A segment dict as drivers see it (a new UUID unless ``segment_id`` is given).

    ``make_segment("vlan", "physnet1", 100)``, ``make_segment("vxlan",
    segmentation_id=1001)``, ``make_segment("local")``. ``network_id`` is
    filled in by :class:`FakeNetworkContext` when left ``None``.
    """
    return {
        "id": segment_id or _new_id(),
        "network_id": network_id,
        "network_type": network_type,
        "physical_network": physical_network,
        "segmentation_id": segmentation_id,
        "is_dynamic": is_dynamic,
    }


def make_agent(
    agent_type: str,
    host: str = "host",
    *,
    alive: bool = True,
    configurations: Mapping[str, Any] | None = None,
    admin_state_up: bool = True,
    agent_id: str | None = None,
    binary: str | None = None,
    heartbeat_timestamp: str | None = None,
) -> dict[str, Any]:
    """An agent dict as ``PortContext.host_agents`` returns it.

    A live agent reported just now; a dead one (``alive=False``) last
    reported ten minutes ago, unless ``heartbeat_timestamp`` (ISO 8601) is
    given. ``binary`` defaults to Neutron's binary name for the known agent
    types. Example::

        make_agent(constants.AGENT_TYPE_OVS, "compute1",
                   configurations={"bridge_mappings": {"physnet1": "br-ex"},
                                   "tunnel_types": ["vxlan"]})
    """
    now = datetime.now(UTC)
    heartbeat = heartbeat_timestamp or _iso(now if alive else now - timedelta(minutes=10))
    started = _iso(now - timedelta(hours=1))
    return {
        "id": agent_id or _new_id(),
        "agent_type": agent_type,
        "binary": binary or _AGENT_BINARIES.get(agent_type, "ml2core-agent"),
        "host": host,
        "alive": alive,
        "admin_state_up": admin_state_up,
        "configurations": copy.deepcopy(dict(configurations or {})),
        "heartbeat_timestamp": heartbeat,
        "started_at": started,
        "created_at": started,
    }


def make_network(
    segments: Sequence[Segment] = (), *, network_id: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """A network dict (admin view) with Neutron's keys, describing ``segments``.

    One segment gives the ``provider:*`` keys, several give ``segments``, as
    the facade shows them. ``overrides`` replace any key.
    """
    network: dict[str, Any] = {
        "id": network_id or _new_id(),
        "name": "net",
        "project_id": "project",
        "admin_state_up": True,
        "shared": False,
        "status": constants.NET_STATUS_ACTIVE,
        "mtu": constants.DEFAULT_NETWORK_MTU,
    }
    provider = [
        {
            "provider:network_type": s.get("network_type"),
            "provider:physical_network": s.get("physical_network"),
            "provider:segmentation_id": s.get("segmentation_id"),
        }
        for s in segments
    ]
    if len(provider) == 1:
        network.update(provider[0])
    elif provider:
        network["segments"] = provider
    network.update(overrides)
    return network


def make_subnet(
    network_id: str,
    cidr: str = "10.0.0.0/24",
    *,
    subnet_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A subnet dict with Neutron's keys (IPv4 unless ``ip_version`` is overridden)."""
    subnet: dict[str, Any] = {
        "id": subnet_id or _new_id(),
        "name": "subnet",
        "project_id": "project",
        "network_id": network_id,
        "cidr": cidr,
        "ip_version": 4,
        "gateway_ip": None,
        "allocation_pools": [],
        "enable_dhcp": False,
        "ipv6_address_mode": None,
    }
    subnet.update(overrides)
    return subnet


def make_port(
    *,
    host: str = "",
    vnic_type: str = constants.VNIC_NORMAL,
    profile: Mapping[str, Any] | None = None,
    network_id: str | None = None,
    port_id: str | None = None,
    fixed_ips: Sequence[Mapping[str, Any]] = (),
    **overrides: Any,
) -> dict[str, Any]:
    """A port dict (admin view, ``binding:*`` included) with Neutron's keys.

    ``make_port(host="compute1", vnic_type="direct", profile={"pci_slot":
    "0000:03:10.1"})``. ``network_id`` is filled in by
    :class:`FakePortContext` when left ``None``; ``overrides`` replace any key.
    """
    port: dict[str, Any] = {
        "id": port_id or _new_id(),
        "name": "port",
        "project_id": "project",
        "network_id": network_id,
        "mac_address": "fa:16:3e:00:00:01",
        "fixed_ips": [dict(ip) for ip in fixed_ips],
        "device_id": "",
        "device_owner": "",
        "status": constants.PORT_STATUS_DOWN,
        "admin_state_up": True,
        "binding:host_id": host,
        "binding:vnic_type": vnic_type,
        "binding:profile": copy.deepcopy(dict(profile or {})),
        "binding:vif_type": constants.VIF_TYPE_UNBOUND,
        "binding:vif_details": {},
    }
    port.update(overrides)
    return port


# -- network and subnet contexts ---------------------------------------------------------
