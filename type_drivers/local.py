"""Local networks: confined to one host, no ID, nothing allocated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ml2core import constants
from ml2core.api import TypeDriver
from ml2core.exceptions import InvalidInput

if TYPE_CHECKING:
    from ml2core import Context


class LocalTypeDriver(TypeDriver):
    """Any number of local networks; they take no ID and no physnet."""

    def get_type(self) -> str:
        return constants.TYPE_LOCAL

    def initialize(self) -> None:
        """Nothing to configure."""

    def is_partial_segment(self, segment: dict[str, Any]) -> bool:
        return False

    def validate_provider_segment(self, segment: dict[str, Any]) -> None:
        for key, value in segment.items():
            if key != "network_type" and value is not None:
                raise InvalidInput(
                    field=f"provider:{key}", reason=f"{key} prohibited for local provider network"
                )

    def _segment(self) -> dict[str, Any]:
        return {
            "network_type": constants.TYPE_LOCAL,
            "physical_network": None,
            "segmentation_id": None,
            "mtu": 0,
        }

    def reserve_provider_segment(
        self, context: Context, segment: dict[str, Any], filters: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self._segment()

    def allocate_tenant_segment(
        self, context: Context, filters: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        return self._segment()

    def release_segment(self, context: Context, segment: dict[str, Any]) -> None:
        """Nothing was allocated."""

    def get_mtu(self, physical_network: str | None = None) -> int:
        return 0
