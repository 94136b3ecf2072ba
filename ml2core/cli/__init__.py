"""The ``ml2core`` operator CLI (console script ``ml2core``).

``openstack network …`` conventions: noun-verb commands, ``-f
table|json|yaml|value``, ``-c COLUMN``, ``--config-file``, ``--db-url``.
One module per concern:

- :mod:`~ml2core.cli.main`: argument parsing, dispatch, exit codes;
- :mod:`~ml2core.cli.output` and :mod:`~ml2core.cli.yamlout`: result shapes and formatters;
- :mod:`~ml2core.cli.session`: configuration, the plugin, finding resources by ID or name;
- one module per noun: ``networks``, ``subnets``, ``ports``, ``agents``,
  ``segment_ranges``, ``allocations``, ``db``, ``config_sample``, ``topology``
  (drawn by ``svg``); ``views``, ``explain`` and ``narrate`` are shared helpers;
- :mod:`~ml2core.cli.demo`: ``ml2core demo``, its cloud (``demo_cloud``), its
  story (``demo_story``) and, with ``--dataplane``, real packets
  (``demo_dataplane``, ``demo_agents``).
"""
