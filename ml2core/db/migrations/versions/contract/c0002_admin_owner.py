"""Rewrite ``project_id = "admin"`` once more, after every controller is upgraded.

``e0003_admin_owner`` did it on expand; controllers of older releases that
ran beside it during a rolling upgrade kept storing ``"admin"``.

Revision ID: c0002_admin_owner
Revises: c0001_initial
"""

from __future__ import annotations

from alembic import op

revision = "c0002_admin_owner"
down_revision = "c0001_initial"
branch_labels = None
depends_on = "e0003_admin_owner"

TABLES = ("ml2core_networks", "ml2core_subnets", "ml2core_ports")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"UPDATE {table} SET project_id = '' WHERE project_id = 'admin'")
