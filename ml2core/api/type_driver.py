"""Type drivers: what a kind of network segment is and how its IDs are handed out."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar

from ml2core import constants
from ml2core.api import allocations
from ml2core.api.ranges import MAX_NETWORK_TYPE_LENGTH, IdRange, parse_physnet_mtus
from ml2core.exceptions import ConfigError, InvalidInput, NoNetworkAvailable

if TYPE_CHECKING:
    from oslo_config import cfg

    from ml2core.context import Context

__all__ = ["SegmentTypeDriver", "TypeDriver"]

PROVIDER_KEYS = ("network_type", "physical_network", "segmentation_id")


class TypeDriver(abc.ABC):
    """Manages one network type (``flat``, ``vlan`` …) and its segments.

    Loaded from the ``ml2core.type_drivers`` entry points. Before
    :meth:`initialize` the framework sets :attr:`conf` to the plugin's
    ``ConfigOpts``; register your own option group on it there.

    The methods that take a ``context`` run inside the database transaction
    of the network change (``context.session`` is set); they must not block
    on anything but the database, and a raise rolls the whole change back.
    """

    #: The plugin's configuration, set by the framework before ``initialize``.
    conf: cfg.ConfigOpts

    @abc.abstractmethod
    def get_type(self) -> str:
        """Return the network type this driver manages (``provider:network_type``)."""

    @abc.abstractmethod
    def initialize(self) -> None:
        """Prepare the driver once, when the plugin starts.

        Called after :attr:`conf` is set, outside any transaction. Parse and
        check options here and raise ``ConfigError`` naming the option and
        the entry. Must not need the database: start-up costs nothing.
        """

    @abc.abstractmethod
    def is_partial_segment(self, segment: dict[str, Any]) -> bool:
        """True if ``segment`` leaves something (an ID, a physnet) to allocate."""

    @abc.abstractmethod
    def validate_provider_segment(self, segment: dict[str, Any]) -> None:
        """Check a provider segment's attributes; raise ``InvalidInput`` naming the field.

        Called before the transaction; must not touch the database.
        """

    @abc.abstractmethod
    def reserve_provider_segment(
        self, context: Context, segment: dict[str, Any], filters: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Reserve a validated provider segment; return it completed.

        Inside the transaction. A fully specified segment that is taken
        raises the type's ``InUse`` error; a partial one gets a free ID or
        raises ``NoNetworkAvailable``. The returned dict has
        ``network_type``, ``physical_network``, ``segmentation_id`` and ``mtu``.
        """

    @abc.abstractmethod
    def allocate_tenant_segment(
        self, context: Context, filters: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Allocate a segment for a project network, or return ``None``.

        Inside the transaction. ``filters`` may carry ``project_id`` (whose
        own ranges are tried before shared ones). ``None`` means exhausted,
        or that this type has no project networks.
        """

    @abc.abstractmethod
    def release_segment(self, context: Context, segment: dict[str, Any]) -> None:
        """Give a segment's ID back. Inside the transaction; releasing a free ID is not an error."""

    @abc.abstractmethod
    def get_mtu(self, physical_network: str | None = None) -> int:
        """The largest MTU a network of this type (on ``physical_network``) can carry; 0 = unknown."""

    def configured_ranges(self) -> dict[str, list[IdRange]]:
        """Ranges from configuration, per physical network (``''`` for none).

        Shown as the read-only ``default`` network segment ranges. Types
        without IDs return ``{}``.
        """
        return {}

    def segmentation_id_bounds(self) -> tuple[int, int] | None:
        """The smallest and largest valid ID, or ``None`` for types without IDs."""
        return None

    def uses_physical_networks(self) -> bool:
        """True if segments of this type live on a physical network."""
        return False

    def physical_networks(self) -> list[str]:
        """The physical networks this type accepts, in configured order."""
        return []


def _normalize_physnet(segment: dict[str, Any]) -> str:
    value = segment.get("physical_network")
    return value or allocations.NO_PHYSNET


class SegmentTypeDriver(TypeDriver):
    """Base for types whose segments carry a numeric ID (VLAN, VXLAN, GRE, Geneve, vendors').

    A subclass states :attr:`network_type`, :attr:`min_id` / :attr:`max_id`,
    :attr:`physnet_based`, :attr:`mtu_overhead` and implements
    :meth:`load_ranges`; the base provides validation, reservation,
    allocation (through the core's sparse allocator) and release.
    """

    network_type: ClassVar[str]
    min_id: ClassVar[int] = 1
    max_id: ClassVar[int]
    #: True for types that live on a physical network (VLAN-like).
    physnet_based: ClassVar[bool] = False
    #: Bytes of encapsulation beyond the outer IP header (tunnels) or the
    #: physical MTU (physnet types); subtracted in :meth:`get_mtu`.
    mtu_overhead: ClassVar[int] = 0
    #: How error messages name the type ("VLAN", "VXLAN" …).
    display_name: ClassVar[str] = ""

    def __init__(self) -> None:
        self._ranges: dict[str, list[IdRange]] = {}
        self._physnet_mtus: dict[str, int] = {}

    # -- what a subclass provides ------------------------------------------------
    @abc.abstractmethod
    def load_ranges(self) -> dict[str, list[IdRange]]:
        """Parse the configured ranges (``{physnet or '': [IdRange]}``, ordered).

        Called by :meth:`initialize`; raise ``ConfigError`` on a bad entry.
        """

    def id_in_use_error(self, physical_network: str, segmentation_id: int) -> Exception:
        """The exception a taken fully specified ID raises (override for a type-specific class)."""
        from ml2core.exceptions import InUse

        return InUse(
            field="provider:segmentation_id",
            reason=f"{self._name} ID {segmentation_id} is in use",
        )

    # -- TypeDriver ------------------------------------------------------------
    @property
    def _name(self) -> str:
        return self.display_name or self.network_type.upper()

    def get_type(self) -> str:
        return self.network_type

    def initialize(self) -> None:
        """Parse the ranges (and, for physnet types, ``[ml2] physical_network_mtus``).

        A type name the database cannot store whole is refused here: MariaDB's
        duplicate-safe INSERT would cut it silently, and two such types
        would share their IDs.
        """
        if not 0 < len(self.network_type) <= MAX_NETWORK_TYPE_LENGTH:
            raise ConfigError(
                option="[ml2] type_drivers",
                entry=self.network_type,
                reason=f"a network type name has 1 to {MAX_NETWORK_TYPE_LENGTH} characters",
            )
        self._ranges = self.load_ranges()
        if self.physnet_based:
            self._physnet_mtus = parse_physnet_mtus(self.conf.ml2.physical_network_mtus)

    def configured_ranges(self) -> dict[str, list[IdRange]]:
        return {k: list(v) for k, v in self._ranges.items()}

    def segmentation_id_bounds(self) -> tuple[int, int]:
        return (self.min_id, self.max_id)

    def uses_physical_networks(self) -> bool:
        return self.physnet_based

    def physical_networks(self) -> list[str]:
        return [p for p in self._ranges if p] if self.physnet_based else []

    def is_partial_segment(self, segment: dict[str, Any]) -> bool:
        if segment.get("segmentation_id") is None:
            return True
        return self.physnet_based and not segment.get("physical_network")

    def validate_provider_segment(self, segment: dict[str, Any]) -> None:
        kind = f"{self._name} provider network"
        for key, value in segment.items():
            if key not in PROVIDER_KEYS and value not in (None, ""):
                raise InvalidInput(field=key, reason=f"{key} prohibited for {kind}")
        physnet = segment.get("physical_network")
        seg_id = segment.get("segmentation_id")
        if self.physnet_based:
            if physnet:
                if physnet not in self._ranges:
                    raise InvalidInput(
                        field="provider:physical_network",
                        reason=f"physical_network '{physnet}' unknown for {kind}",
                    )
            elif seg_id is not None:
                raise InvalidInput(
                    field="provider:physical_network",
                    reason=f"segmentation_id requires physical_network for {kind}",
                )
        elif physnet:
            raise InvalidInput(
                field="provider:physical_network",
                reason=f"provider:physical_network specified for {self._name} network",
            )
        if seg_id is not None:
            if isinstance(seg_id, bool) or not isinstance(seg_id, int):
                raise InvalidInput(field="provider:segmentation_id", reason="must be an integer")
            if not self.min_id <= seg_id <= self.max_id:
                raise InvalidInput(
                    field="provider:segmentation_id",
                    reason=f"segmentation_id out of range ({self.min_id} through {self.max_id})",
                )

    def _segment(self, physnet: str, seg_id: int) -> dict[str, Any]:
        return {
            "network_type": self.network_type,
            "physical_network": physnet or None,
            "segmentation_id": seg_id,
            "mtu": self.get_mtu(physnet or None),
        }

    def reserve_provider_segment(
        self, context: Context, segment: dict[str, Any], filters: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        physnet = _normalize_physnet(segment)
        seg_id = segment.get("segmentation_id")
        if not self.is_partial_segment(segment):
            assert isinstance(seg_id, int)
            if not allocations.claim_segment(context, self.network_type, physnet, seg_id):
                raise self.id_in_use_error(physnet, seg_id)
            return self._segment(physnet, seg_id)
        pools = allocations.candidate_pools(
            context,
            self,
            project_id=(filters or {}).get("project_id"),
            physical_network=physnet or None,
        )
        found = allocations.allocate_from(context, self.network_type, pools)
        if found is None:
            raise NoNetworkAvailable()
        return self._segment(*found)

    def allocate_tenant_segment(
        self, context: Context, filters: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        filters = filters or {}
        pools = allocations.candidate_pools(
            context,
            self,
            project_id=filters.get("project_id"),
            physical_network=filters.get("physical_network"),
        )
        found = allocations.allocate_from(context, self.network_type, pools)
        return None if found is None else self._segment(*found)

    def release_segment(self, context: Context, segment: dict[str, Any]) -> None:
        seg_id = segment.get("segmentation_id")
        if seg_id is None:
            return
        allocations.release_segment_id(context, self.network_type, _normalize_physnet(segment), int(seg_id))

    def get_mtu(self, physical_network: str | None = None) -> int:
        conf = self.conf
        mtus = [m for m in (int(conf.global_physnet_mtu),) if m > 0]
        if self.physnet_based:
            if physical_network in self._physnet_mtus:
                mtus.append(self._physnet_mtus[physical_network])
            return max(min(mtus) - self.encap_overhead(), 0) if mtus else 0
        if int(conf.ml2.path_mtu) > 0:
            mtus.append(int(conf.ml2.path_mtu))
        if not mtus:
            return 0
        ip_header = constants.IP_HEADER_LENGTH[int(conf.ml2.overlay_ip_version)]
        return max(min(mtus) - ip_header - self.encap_overhead(), 0)

    def encap_overhead(self) -> int:
        """Bytes :meth:`get_mtu` subtracts (:attr:`mtu_overhead`; override if configurable)."""
        return self.mtu_overhead
