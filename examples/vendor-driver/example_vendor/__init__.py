"""Example vendor drivers for ml2core.

* ``example_tor`` (``ml2core.mechanism_drivers``): a top-of-rack switch
  that carries VXLAN networks in the fabric and hands each host a VLAN on
  its link (:mod:`example_vendor.tor`);
* ``example_label`` (``ml2core.type_drivers``): networks identified by a
  20-bit label (:mod:`example_vendor.label`).
"""

from __future__ import annotations

from oslo_config import cfg

__all__ = ["list_opts"]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """The drivers' options per group, for ``oslo-config-generator``."""
    from example_vendor import label, tor

    return [(tor.GROUP, list(tor.OPTS)), (label.GROUP, list(label.OPTS))]
