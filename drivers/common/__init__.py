"""Helpers shared by the host-side packages (backends and the agent).

- :mod:`drivers.common.links`: the kernel's view of a network device
  (:class:`~drivers.common.links.Link`) and the netlink error type;
- :mod:`drivers.common.linkdump`: fast, hand-parsed rtnetlink link and
  FDB dumps, used by the Linux bridge and Open vSwitch backends.

Like every module under ``drivers/``, these import only ml2core's public API.
"""
