"""Initial contract revision (nothing to remove yet).

Revision ID: c0001_initial
Revises: ml2core_root
"""

from __future__ import annotations

revision = "c0001_initial"
down_revision = "ml2core_root"
branch_labels = ("contract",)
depends_on = "e0001_initial"


def upgrade() -> None:
    pass
