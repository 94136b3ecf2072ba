"""A small compute controller that embeds ml2core next to its own tables.

* :mod:`servers_app.models`: the controller's own table (``servers``);
* :mod:`servers_app.migrations`: its own alembic history (version table
  ``alembic_version``), beside ml2core's (``ml2core_alembic_version``);
* :mod:`servers_app.api`: ml2core's exceptions as HTTP status codes;
* :mod:`servers_app.controller`: the controller: networks, subnets and
  ports through the ``Ml2Plugin`` facade, servers in its own table, kept in
  step through ml2core's events.
"""

from __future__ import annotations

from servers_app.api import Response, status_for
from servers_app.controller import ServerController
from servers_app.migrations import HEAD, upgrade

__all__ = ["HEAD", "Response", "ServerController", "status_for", "upgrade"]
