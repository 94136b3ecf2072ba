"""Every string column compared byte for byte on MariaDB (tenant isolation).

MariaDB's default collation (``utf8mb4_general_ci``) ignores case, accents
and trailing spaces, so ``Context("PROJ-B")`` matched project ``proj-b``'s
rows there. Converts every ml2core table to ``utf8mb4_nopad_bin``; on
PostgreSQL and SQLite strings already compare byte for byte. Expand-safe:
older code reads and writes the same values.

Revision ID: e0002_byte_ids
Revises: e0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0002_byte_ids"
down_revision = "e0001_initial"
branch_labels = None
depends_on = None

_TABLES = (
    "ml2core_networks",
    "ml2core_network_segments",
    "ml2core_segment_allocations",
    "ml2core_network_segment_ranges",
    "ml2core_subnets",
    "ml2core_ip_allocation_pools",
    "ml2core_ports",
    "ml2core_ip_allocations",
    "ml2core_port_bindings",
    "ml2core_port_binding_levels",
    "ml2core_agents",
)

# (table, column, referred table, on delete) of every foreign key, as e0001 made them.
_FOREIGN_KEYS = (
    ("ml2core_network_segments", "network_id", "ml2core_networks", "CASCADE"),
    ("ml2core_ports", "network_id", "ml2core_networks", "CASCADE"),
    ("ml2core_subnets", "network_id", "ml2core_networks", "CASCADE"),
    ("ml2core_ip_allocation_pools", "subnet_id", "ml2core_subnets", "CASCADE"),
    ("ml2core_ip_allocations", "subnet_id", "ml2core_subnets", "CASCADE"),
    ("ml2core_ip_allocations", "port_id", "ml2core_ports", "CASCADE"),
    ("ml2core_port_binding_levels", "segment_id", "ml2core_network_segments", "SET NULL"),
    ("ml2core_port_binding_levels", "port_id", "ml2core_ports", "CASCADE"),
    ("ml2core_port_bindings", "port_id", "ml2core_ports", "CASCADE"),
)


def _fk_name(table: str, column: str, referred: str) -> str:
    name = f"fk_{table}_{column}_{referred}"
    # The name SQLAlchemy's naming convention gave the one key longer than MariaDB's 64 characters.
    return name if len(name) <= 64 else "fk_ml2core_port_binding_levels_segment_id_ml2core_networ_3c22"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name not in ("mysql", "mariadb"):
        return
    # MariaDB refuses to change the collation of a column a foreign key uses, even
    # with FOREIGN_KEY_CHECKS off: drop the keys, convert, add them back. DDL is not
    # transactional there, so every step tolerates a run that stopped half-way.
    inspector = sa.inspect(bind)
    for table in sorted({fk[0] for fk in _FOREIGN_KEYS}):
        for fk in inspector.get_foreign_keys(table):
            op.drop_constraint(str(fk["name"]), table, type_="foreignkey")
    for table in _TABLES:
        op.execute(f"ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin")
    for table, column, referred, ondelete in _FOREIGN_KEYS:
        op.create_foreign_key(
            _fk_name(table, column, referred), table, referred, [column], ["id"], ondelete=ondelete
        )
