"""The OpenFlow rules of each bridge: pure computation from the plan and the switch's port numbers.

Pipeline (a simplified Neutron OVS agent):

* integration bridge (``fail_mode=secure``): ``NORMAL`` switching between
  access ports tagged with the network's local VLAN; frames from a provider
  bridge are accepted only for known provider VLANs (or untagged, flat)
  and retagged to the local VLAN; ports of administratively down VM ports
  drop everything.
* tunnel bridge (``fail_mode=secure``): table 0 sends frames from the
  integration bridge to table 2 and frames from tunnels to the table of
  their type (3 GRE, 4 VXLAN, 6 GENEVE). Table 2 strips the local VLAN,
  sets the tunnel key and replicates to every endpoint of the network;
  the type tables map the key back to the local VLAN. Anything else drops.
* provider bridges: frames from the integration bridge leave with the
  provider VLAN (or untagged, flat) for known local VLANs only.

Every flow carries a cookie: the top 16 bits say "ml2core" (so flows of
others are never touched), the rest is a hash of the flow's text, so an
unchanged flow keeps its cookie and only stale ones are replaced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from drivers.openvswitch.desired import TUNNEL_TYPES, OvsDesired, patch_port_names
from drivers.openvswitch.ovsdb import OvsState
from ml2core import constants

__all__ = ["COOKIE_MARK", "COOKIE_MASK", "TUNNEL_TABLES", "BridgeFlows", "cookie_of", "desired_flows"]

COOKIE_MARK = 0x4D4C << 48  # "ML"
COOKIE_MASK = 0xFFFF << 48
TUNNEL_TABLES = {constants.TYPE_GRE: 3, constants.TYPE_VXLAN: 4, constants.TYPE_GENEVE: 6}
FROM_INTEGRATION_TABLE = 2


def cookie_of(flow: str) -> int:
    """The cookie of ``flow`` (its text without cookie): mark + 48-bit hash."""
    digest = int(hashlib.sha256(flow.encode()).hexdigest()[:12], 16)
    return COOKIE_MARK | digest


@dataclass
class BridgeFlows:
    """The flows ml2core wants on one bridge, by cookie."""

    bridge: str
    flows: dict[int, str] = field(default_factory=dict)

    def add(self, flow: str) -> None:
        """Add one flow (text without cookie)."""
        self.flows[cookie_of(flow)] = flow


def _integration(desired: OvsDesired, state: OvsState, bridge: str, mappings: dict[str, str]) -> BridgeFlows:
    flows = BridgeFlows(bridge)
    flows.add("table=0,priority=0,actions=NORMAL")
    for port in desired.ports.values():
        ofport = state.ofport(port.tap)
        if not port.admin_state_up and ofport is not None:
            flows.add(f"table=0,priority=10,in_port={ofport},actions=drop")
    for physnet, provider in sorted(mappings.items()):
        ofport = state.ofport(patch_port_names(provider)[0])
        if ofport is None:
            continue
        flows.add(f"table=0,priority=2,in_port={ofport},actions=drop")
        for net in desired.networks.values():
            if net.physical_network != physnet:
                continue
            if net.network_type == constants.TYPE_VLAN:
                match = f"dl_vlan={net.segmentation_id}"
            elif net.network_type == constants.TYPE_FLAT:
                match = "vlan_tci=0x0000/0x1fff"
            else:
                continue
            flows.add(f"table=0,priority=3,in_port={ofport},{match},actions=mod_vlan_vid:{net.lvid},NORMAL")
    return flows


def _tunnel(desired: OvsDesired, state: OvsState, bridge: str, patch: str) -> BridgeFlows:
    flows = BridgeFlows(bridge)
    flows.add("table=0,priority=0,actions=drop")
    flows.add(f"table={FROM_INTEGRATION_TABLE},priority=0,actions=drop")
    for table in sorted(TUNNEL_TABLES.values()):
        flows.add(f"table={table},priority=0,actions=drop")
    patch_ofport = state.ofport(patch)
    if patch_ofport is None:
        return flows
    flows.add(f"table=0,priority=1,in_port={patch_ofport},actions=resubmit(,{FROM_INTEGRATION_TABLE})")
    for tunnel in desired.tunnels.values():
        ofport = state.ofport(tunnel.name)
        if ofport is not None:
            table = TUNNEL_TABLES[tunnel.tunnel_type]
            flows.add(f"table=0,priority=1,in_port={ofport},actions=resubmit(,{table})")
    for net in sorted(desired.networks.values(), key=lambda n: n.lvid):
        if net.network_type not in TUNNEL_TYPES:
            continue
        key = net.segmentation_id
        table = TUNNEL_TABLES[net.network_type]
        flows.add(
            f"table={table},priority=1,tun_id={key},actions=mod_vlan_vid:{net.lvid},output:{patch_ofport}"
        )
        outputs = sorted(p for p in (state.ofport(name) for name in net.tunnels) if p is not None)
        if outputs:
            out = ",".join(f"output:{p}" for p in outputs)
            flows.add(
                f"table={FROM_INTEGRATION_TABLE},priority=1,dl_vlan={net.lvid},"
                f"actions=strip_vlan,set_field:{key}->tun_id,{out}"
            )
    return flows


def _provider(desired: OvsDesired, state: OvsState, physnet: str, bridge: str) -> BridgeFlows:
    flows = BridgeFlows(bridge)
    ofport = state.ofport(patch_port_names(bridge)[1])
    if ofport is None:
        return flows
    flows.add(f"table=0,priority=2,in_port={ofport},actions=drop")
    for net in desired.networks.values():
        if net.physical_network != physnet:
            continue
        if net.network_type == constants.TYPE_VLAN:
            action = f"mod_vlan_vid:{net.segmentation_id}"
        elif net.network_type == constants.TYPE_FLAT:
            action = "strip_vlan"
        else:
            continue
        flows.add(f"table=0,priority=4,in_port={ofport},dl_vlan={net.lvid},actions={action},NORMAL")
    return flows


def desired_flows(
    desired: OvsDesired,
    state: OvsState,
    *,
    integration_bridge: str,
    tunnel_bridge: str | None,
    tun_patch_port: str,
    mappings: dict[str, str],
) -> list[BridgeFlows]:
    """The flows of every bridge ml2core programs (provider bridges that exist only)."""
    result = [_integration(desired, state, integration_bridge, mappings)]
    if tunnel_bridge is not None:
        result.append(_tunnel(desired, state, tunnel_bridge, tun_patch_port))
    for physnet, bridge in sorted(mappings.items()):
        if bridge in state.bridges:
            result.append(_provider(desired, state, physnet, bridge))
    return result
