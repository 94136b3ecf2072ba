"""ml2core's own drivers pass the conformance suites vendors run (which proves the suites run)."""

from __future__ import annotations

from ml2core import constants
from ml2core.testing import MechanismDriverConformance, TypeDriverConformance


class TestOpenvswitchConformance(MechanismDriverConformance):
    driver_name = "openvswitch"


class TestLinuxbridgeConformance(MechanismDriverConformance):
    driver_name = "linuxbridge"


class TestSriovNicSwitchConformance(MechanismDriverConformance):
    driver_name = "sriovnicswitch"
    vnic_types = (constants.VNIC_DIRECT, constants.VNIC_DIRECT_PHYSICAL)


class TestVlanConformance(TypeDriverConformance):
    driver_name = "vlan"


class TestVxlanConformance(TypeDriverConformance):
    driver_name = "vxlan"


class TestGreConformance(TypeDriverConformance):
    driver_name = "gre"


class TestGeneveConformance(TypeDriverConformance):
    driver_name = "geneve"
