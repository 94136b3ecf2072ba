"""Constants shared by ml2core, its drivers and its users.

Names and values follow Neutron (``neutron_lib.constants`` and
``neutron_lib.api.definitions.portbindings``) so that configuration files and
driver code port over unchanged.
"""

from __future__ import annotations

from typing import Final

# Network types.
TYPE_FLAT: Final = "flat"
TYPE_VLAN: Final = "vlan"
TYPE_VXLAN: Final = "vxlan"
TYPE_GRE: Final = "gre"
TYPE_GENEVE: Final = "geneve"
TYPE_LOCAL: Final = "local"
TUNNEL_NETWORK_TYPES: Final = (TYPE_VXLAN, TYPE_GRE, TYPE_GENEVE)

# Segmentation ID bounds.
MIN_VLAN_TAG: Final = 1
MAX_VLAN_TAG: Final = 4094
MIN_VXLAN_VNI: Final = 1
MAX_VXLAN_VNI: Final = 2**24 - 1
MIN_GENEVE_VNI: Final = 1
MAX_GENEVE_VNI: Final = 2**24 - 1
MIN_GRE_ID: Final = 1
MAX_GRE_ID: Final = 2**32 - 1

# MTU arithmetic (bytes).
VXLAN_ENCAP_OVERHEAD: Final = 30
GRE_ENCAP_OVERHEAD: Final = 22
GENEVE_ENCAP_MIN_OVERHEAD: Final = 30
IP_HEADER_LENGTH: Final = {4: 20, 6: 40}
DEFAULT_NETWORK_MTU: Final = 1500

# VIF types.
VIF_TYPE_UNBOUND: Final = "unbound"
VIF_TYPE_BINDING_FAILED: Final = "binding_failed"
VIF_TYPE_DISTRIBUTED: Final = "distributed"
VIF_TYPE_OVS: Final = "ovs"
VIF_TYPE_VHOST_USER: Final = "vhostuser"
VIF_TYPE_BRIDGE: Final = "bridge"
VIF_TYPE_HW_VEB: Final = "hw_veb"
VIF_TYPE_HOSTDEV_PHY: Final = "hostdev_physical"
VIF_TYPE_MACVTAP: Final = "macvtap"
VIF_TYPE_TAP: Final = "tap"
VIF_TYPE_OTHER: Final = "other"

# VIF details keys.
VIF_DETAILS_PORT_FILTER: Final = "port_filter"
VIF_DETAILS_OVS_HYBRID_PLUG: Final = "ovs_hybrid_plug"
VIF_DETAILS_DATAPATH_TYPE: Final = "datapath_type"
VIF_DETAILS_BRIDGE_NAME: Final = "bridge_name"
VIF_DETAILS_CONNECTIVITY: Final = "connectivity"
VIF_DETAILS_VLAN: Final = "vlan"
VIF_DETAILS_VHOST_USER_SOCKET: Final = "vhostuser_socket"
VIF_DETAILS_VHOST_USER_MODE: Final = "vhostuser_mode"
VIF_DETAILS_VHOST_USER_OVS_PLUG: Final = "vhostuser_ovs_plug"

# Connectivity a mechanism driver provides (MechanismDriver.connectivity).
CONNECTIVITY_LEGACY: Final = "legacy"
CONNECTIVITY_L2: Final = "l2"
CONNECTIVITY_L3: Final = "l3"

# VNIC types.
VNIC_NORMAL: Final = "normal"
VNIC_DIRECT: Final = "direct"
VNIC_MACVTAP: Final = "macvtap"
VNIC_DIRECT_PHYSICAL: Final = "direct-physical"
VNIC_BAREMETAL: Final = "baremetal"
VNIC_VIRTIO_FORWARDER: Final = "virtio-forwarder"
VNIC_SMARTNIC: Final = "smart-nic"
VNIC_REMOTE_MANAGED: Final = "remote-managed"
VNIC_TYPES: Final = (
    VNIC_NORMAL,
    VNIC_DIRECT,
    VNIC_MACVTAP,
    VNIC_DIRECT_PHYSICAL,
    VNIC_BAREMETAL,
    VNIC_VIRTIO_FORWARDER,
    VNIC_SMARTNIC,
    VNIC_REMOTE_MANAGED,
)

# Agent types.
AGENT_TYPE_OVS: Final = "Open vSwitch agent"
AGENT_TYPE_LINUXBRIDGE: Final = "Linux bridge agent"
AGENT_TYPE_NIC_SWITCH: Final = "NIC Switch agent"

# Port, network and agent statuses.
PORT_STATUS_ACTIVE: Final = "ACTIVE"
PORT_STATUS_BUILD: Final = "BUILD"
PORT_STATUS_DOWN: Final = "DOWN"
PORT_STATUS_ERROR: Final = "ERROR"
PORT_STATUSES: Final = (PORT_STATUS_ACTIVE, PORT_STATUS_BUILD, PORT_STATUS_DOWN, PORT_STATUS_ERROR)
NET_STATUS_ACTIVE: Final = "ACTIVE"
NET_STATUS_DOWN: Final = "DOWN"

# Device owners.
DEVICE_OWNER_NETWORK_PREFIX: Final = "network:"
DEVICE_OWNER_DHCP: Final = "network:dhcp"
DEVICE_OWNER_ROUTER_INTF: Final = "network:router_interface"
DEVICE_OWNER_COMPUTE_PREFIX: Final = "compute:"

# IPv6 address modes.
IPV6_SLAAC: Final = "slaac"
DHCPV6_STATEFUL: Final = "dhcpv6-stateful"
DHCPV6_STATELESS: Final = "dhcpv6-stateless"
IPV6_MODES: Final = (IPV6_SLAAC, DHCPV6_STATEFUL, DHCPV6_STATELESS)

# Binding.
MAX_BINDING_LEVELS: Final = 10
DEFAULT_BASE_MAC: Final = "fa:16:3e:00:00:00"

# Event resources and events (Ml2Plugin.subscribe).
NETWORK: Final = "network"
SUBNET: Final = "subnet"
PORT: Final = "port"
AGENT: Final = "agent"
AFTER_CREATE: Final = "after_create"
AFTER_UPDATE: Final = "after_update"
AFTER_DELETE: Final = "after_delete"
BOUND: Final = "bound"
BINDING_FAILED: Final = "binding_failed"
STATUS_CHANGED: Final = "status_changed"
