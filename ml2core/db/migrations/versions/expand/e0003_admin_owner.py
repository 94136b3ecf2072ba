"""Resources an admin created without a project are owned by no project.

Older releases stored ``project_id = "admin"`` for them, which an ordinary
``Context("admin")`` could then see, change and delete. The owner is now
``""``, which no ``Context`` can carry. Rows of a real project named
``admin`` cannot be told apart from those and are rewritten too: admins
still manage them (the operator guide's upgrade notes say how to give them
back). Safe beside older code, whose admins are unaffected; the contract
revision ``c0002_admin_owner`` rewrites what older controllers wrote in the
meantime.

Revision ID: e0003_admin_owner
Revises: e0002_byte_ids
"""

from __future__ import annotations

from alembic import op

revision = "e0003_admin_owner"
down_revision = "e0002_byte_ids"
branch_labels = None
depends_on = None

TABLES = ("ml2core_networks", "ml2core_subnets", "ml2core_ports")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"UPDATE {table} SET project_id = '' WHERE project_id = 'admin'")
