"""The servers table.

Revision ID: 0001_servers
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_servers"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "servers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("network_id", sa.String(36), nullable=False),
        sa.Column("port_id", sa.String(36), nullable=True, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("vif_type", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("servers")
