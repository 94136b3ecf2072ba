"""Extension drivers: extra attributes on networks, subnets and ports."""

from __future__ import annotations

import abc
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oslo_config import cfg

    from ml2core.context import Context

__all__ = ["ExtensionDriver"]


class ExtensionDriver(abc.ABC):
    """Adds attributes to resources, stored in the driver's own tables.

    Loaded from the ``ml2core.extension_drivers`` entry points. Before
    :meth:`initialize` the framework sets :attr:`conf` and :attr:`name`.

    ``process_*`` hooks run inside the transaction of the change
    (``context.session`` is set; write your tables through it) and must not
    block on anything but the database; raising rolls the change back and
    the caller gets ``ExtensionDriverError``. ``extend_*_dict`` hooks add the
    driver's attributes to a resource dict being returned; they run inside a
    read transaction and must be quick. Unlike Neutron, ``extend_*_dict``
    gets the caller's context and the result dict, never a database model.
    """

    #: The plugin's configuration, set by the framework before ``initialize``.
    conf: cfg.ConfigOpts
    #: The entry-point name this driver was loaded as.
    name: str = ""

    @abc.abstractmethod
    def initialize(self) -> None:
        """Prepare the driver once, when the plugin starts (outside any transaction)."""

    @property
    def extension_alias(self) -> str:
        """The API extension alias this driver implements ('' for none)."""
        return ""

    def extended_attributes(self, resource: str) -> Collection[str]:
        """Attribute names this driver accepts in request bodies of ``resource``.

        ``resource`` is ``network``, ``subnet`` or ``port``. Requests carrying
        an attribute no driver declares are refused with ``InvalidInput``.
        """
        return ()

    def process_create_network(self, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        """Store the driver's attributes from the request ``data``; add them to ``result``."""

    def process_update_network(self, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        """Update the driver's attributes from ``data``; reflect them in ``result``."""

    def process_create_subnet(self, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        """As :meth:`process_create_network`, for subnets."""

    def process_update_subnet(self, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        """As :meth:`process_update_network`, for subnets."""

    def process_create_port(self, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        """As :meth:`process_create_network`, for ports."""

    def process_update_port(self, context: Context, data: dict[str, Any], result: dict[str, Any]) -> None:
        """As :meth:`process_update_network`, for ports."""

    def extend_network_dict(self, context: Context, result: dict[str, Any]) -> None:
        """Add the driver's attributes to a network being returned."""

    def extend_subnet_dict(self, context: Context, result: dict[str, Any]) -> None:
        """Add the driver's attributes to a subnet being returned."""

    def extend_port_dict(self, context: Context, result: dict[str, Any]) -> None:
        """Add the driver's attributes to a port being returned."""
