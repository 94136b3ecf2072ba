"""The record of VFs ml2core configured (a VF carries no mark of its own).

A JSON file ``<state_dir>/vfs.json``: ``{"<VF PCI address>": {"pf", "vf",
"port_id"}}``. Entries are written *before* a VF is configured and removed
only *after* it was reset, so after a crash the file may list more VFs
than were touched, never fewer; resetting an extra one is harmless.
Writes are atomic (temporary file + rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass

from ml2core.exceptions import DataplaneError

__all__ = ["StateFile", "VfRecord"]


@dataclass(frozen=True)
class VfRecord:
    """One VF ml2core configured, and for which port."""

    pf: str
    vf: int
    port_id: str


class StateFile:
    """Load and save the VF records of one host; raises ``DataplaneError`` on I/O errors."""

    def __init__(self, state_dir: str) -> None:
        self.path = os.path.join(state_dir, "vfs.json")

    def load(self) -> dict[str, VfRecord]:
        """The records by VF PCI address (empty when there is no file yet)."""
        try:
            with open(self.path) as handle:
                raw = json.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise DataplaneError(operation="read SR-IOV state", reason=f"{self.path}: {exc}") from exc
        return {address: VfRecord(**entry) for address, entry in raw.items()}

    def save(self, records: dict[str, VfRecord]) -> None:
        """Replace the file's content with ``records``."""
        directory = os.path.dirname(self.path)
        try:
            os.makedirs(directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".vfs-")
            with os.fdopen(fd, "w") as handle:
                json.dump({a: asdict(r) for a, r in sorted(records.items())}, handle, indent=1)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise DataplaneError(operation="write SR-IOV state", reason=f"{self.path}: {exc}") from exc
