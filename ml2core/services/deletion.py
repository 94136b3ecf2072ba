"""What goes with a network when it is deleted: its subnets and network-owned ports."""

from __future__ import annotations

from collections.abc import Callable

from ml2core.context import Context
from ml2core.core import Core


def delete_network_contents(core: Core, ctx: Context, network_id: str) -> list[Callable[[], None]]:
    """Delete a network's network-owned ports and its subnets inside ``ctx``'s transaction.

    Runs their ``delete_*_precommit`` hooks; returns the postcommit calls to
    make after the commit.
    """
    after: list[Callable[[], None]] = []
    ports = getattr(core, "ports", None)
    subnets = getattr(core, "subnets", None)
    if ports is not None:
        after += ports.delete_all_in_network(ctx, network_id)
    if subnets is not None:
        after += subnets.delete_all_in_network(ctx, network_id)
    return after
