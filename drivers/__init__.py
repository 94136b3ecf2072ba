"""Host-side dataplane: the backends that realize bound ports on a host, and the host agent.

One package per backend, each loaded by entry-point name from
``ml2core.dataplane`` and implementing
:class:`ml2core.dataplane.DataplaneBackend`:

- ``linuxbridge``: kernel bridges, VXLAN and 802.1Q devices (pyroute2);
- ``openvswitch``: ``br-int`` / ``br-tun`` / provider bridges (ovsdbapp)
  and their OpenFlow rules (``ovs-ofctl`` bundles);
- ``sriov``: SR-IOV virtual functions (sysfs + pyroute2).

Like a vendor's package, this code imports only ml2core's public API
(``ml2core``, ``ml2core.api``, ``ml2core.constants``,
``ml2core.exceptions``, ``ml2core.dataplane``); it never sees the database.
"""
