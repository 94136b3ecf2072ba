"""ml2core's in-tree type drivers: flat, vlan, vxlan, gre, geneve, local.

Loaded by entry-point name (``ml2core.type_drivers``); they import only
ml2core's public API, exactly as a vendor's type driver would.
"""
