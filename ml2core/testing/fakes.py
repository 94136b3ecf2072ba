"""In-memory contexts for unit-testing mechanism drivers without a database.

Use these when the subject of a test is a driver's own decisions: what
``bind_port`` binds, continues or declines, and which ``vif_type`` and
``vif_details`` it sets. Nothing here touches a database, a plugin or a
host, so a test runs in well under a millisecond. To test a driver inside
the real framework (precommit/postcommit hooks, commit races, dynamic
segment reference counting), use a plugin on a database instead.

A typical test::

    from ml2core import constants
    from ml2core.testing.config import make_conf
    from ml2core.testing.fakes import FakePortContext, make_agent, make_port, make_segment

    def test_binds_vlan_segment_of_mapped_physnet() -> None:
        driver = MyDriver()
        driver.conf = make_conf()
        driver.initialize()
        segment = make_segment("vlan", "physnet1", 100)
        context = FakePortContext(
            make_port(host="compute1"),
            segments=[segment],
            agents=[make_agent(MY_AGENT_TYPE, "compute1",
                               configurations={"bridge_mappings": {"physnet1": "br-ex"}})],
        )
        driver.bind_port(context)
        assert context.bound_segment_id == segment["id"]
        assert context.bound_vif_type == constants.VIF_TYPE_OVS

A driver that declines leaves its reasons in ``context.decline_reasons``.
A hierarchical driver's ``continue_binding`` is in ``context.continued``;
``context.next_level("my-driver")`` gives the context the next level's
driver would see.

Unlike Neutron's (which accepts anything), :meth:`FakePortContext.set_binding`
and :meth:`FakePortContext.continue_binding` enforce ml2core's contract the
way the real context does: a ``segment_id`` that is not in
``segments_to_bind``, a second answer, a VIF type of ``unbound`` or
``binding_failed``, an unknown port status or an empty or id-less list of
next segments raise :class:`~ml2core.exceptions.InvalidInput`.
"""

from __future__ import annotations

from ml2core.testing.builders import make_agent, make_network, make_port, make_segment, make_subnet
from ml2core.testing.fake_network import FakeNetworkContext, FakeSubnetContext
from ml2core.testing.fake_port import (
    DEFAULT_DYNAMIC_ID_RANGES,
    ContinueBindingCall,
    FakePortContext,
    SetBindingCall,
)

__all__ = [
    "DEFAULT_DYNAMIC_ID_RANGES",
    "ContinueBindingCall",
    "FakeNetworkContext",
    "FakePortContext",
    "FakeSubnetContext",
    "SetBindingCall",
    "make_agent",
    "make_network",
    "make_port",
    "make_segment",
    "make_subnet",
]
