"""The host agent, ``ml2core-agent`` (console script ``drivers.agent:main``).

On each host it reports the host's state to the plugin, fetches the ports
bound there, has its dataplane backend ``sync`` the host to exactly those
ports, and reports each port ``ACTIVE`` or ``DOWN`` when that changed.
It reaches the plugin only through ``ml2core.api.HostClient``; the console
script wires in ``ml2core.LocalHostClient`` on the controllers' database.

- :mod:`drivers.agent.config`: ``[agent]`` options, ``--once``, ``--debug``;
- :mod:`drivers.agent.profiles`: backend loading, agent type and the
  ``configurations`` the mechanism drivers read;
- :mod:`drivers.agent.state`: the state report and the status diff (pure);
- :mod:`drivers.agent.loop`: :class:`Agent` (one pass, the loop);
- :mod:`drivers.agent.signals`: stopping cleanly on SIGTERM / SIGINT;
- :mod:`drivers.agent.cli`: :func:`main`.
"""

from __future__ import annotations

from drivers.agent.cli import main
from drivers.agent.loop import Agent, PassResult

__all__ = ["Agent", "PassResult", "main"]
