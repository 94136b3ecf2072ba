"""Root of ml2core's migration history (branch label ``ml2core``).

Revision ID: ml2core_root
Revises:
"""

from __future__ import annotations

revision = "ml2core_root"
down_revision = None
branch_labels = ("ml2core",)
depends_on = None


def upgrade() -> None:
    pass
