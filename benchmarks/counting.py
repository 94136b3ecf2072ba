"""Reading the allocation table directly, to check what the allocator did."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ml2core.db.models import SegmentAllocation

_T = SegmentAllocation.__table__


def allocated(engine: Engine, network_type: str) -> list[tuple[str, int]]:
    """Every allocated ``(physnet, id)`` of a type, as stored."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(_T.c.physical_network, _T.c.segmentation_id).where(_T.c.network_type == network_type)
        )
        return [(str(p), int(s)) for p, s in rows]


class RetryCounter(logging.Handler):
    """Counts ml2core's whole-operation retries (its DEBUG "retrying …" records)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("retrying"):
            self.count += 1

    @classmethod
    def install(cls) -> RetryCounter:
        handler = cls()
        logger = logging.getLogger("ml2core.db.errors")
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        return handler
