"""The ``ml2core`` operator CLI (console script ``ml2core``).

``openstack network …`` conventions: noun-verb commands, ``-f
table|json|yaml|value``, ``-c COLUMN``, ``--config-file``, ``--db-url``.
One module per concern:

- :mod:`~ml2core.cli.main`: argument parsing, dispatch, exit codes;
- :mod:`~ml2core.cli.output` and :mod:`~ml2core.cli.yamlout`: result shapes and formatters;
- :mod:`~ml2core.cli.session`: configuration, the plugin, finding resources by ID or name;
- one module per noun: ``networks``, ``subnets``, ``ports``, ``agents``,
  ``segment_ranges``, ``allocations``, ``db``, ``config_sample``, ``topology``;
- :mod:`~ml2core.cli.demo` (and ``demo_dataplane``): ``ml2core demo``.
"""
