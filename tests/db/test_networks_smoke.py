from __future__ import annotations

import pytest

from ml2core import Context
from ml2core.exceptions import VlanIdInUse


def test_vlan_provider_duplicate_is_in_use(make_plugin) -> None:
    plugin = make_plugin(ml2_type_vlan={"network_vlan_ranges": ["physnet1:100:199"]})
    admin = Context.admin()
    body = {
        "provider:network_type": "vlan",
        "provider:physical_network": "physnet1",
        "provider:segmentation_id": 4094,
    }
    net = plugin.create_network(admin, body)
    assert net["provider:segmentation_id"] == 4094
    with pytest.raises(VlanIdInUse):
        plugin.create_network(admin, body)
