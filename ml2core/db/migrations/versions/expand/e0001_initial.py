"""Initial schema: networks, segments, allocations, ranges, subnets, ports, bindings, agents.

Revision ID: e0001_initial
Revises: ml2core_root
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "e0001_initial"
down_revision = "ml2core_root"
branch_labels = ("expand",)
depends_on = None

# 64-bit everywhere; SQLite's INTEGER already is, and stays a rowid alias only as sole PK.
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def key_string(length: int) -> sa.types.TypeEngine[str]:
    """Compared byte for byte everywhere (MariaDB's default collation ignores case)."""
    return sa.String(length).with_variant(mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "ml2core_agents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agent_type", key_string(255), nullable=False),
        sa.Column("binary", sa.String(length=255), nullable=False),
        sa.Column("host", key_string(255), nullable=False),
        sa.Column("admin_state_up", sa.Boolean(), nullable=False),
        sa.Column("configurations", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_timestamp", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml2core_agents")),
        sa.UniqueConstraint("agent_type", "host", name=op.f("uq_ml2core_agents_agent_type")),
    )
    op.create_index(op.f("ix_ml2core_agents_host"), "ml2core_agents", ["host"])

    op.create_table(
        "ml2core_network_segment_ranges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("network_type", key_string(32), nullable=False),
        sa.Column("physical_network", key_string(64), nullable=False),
        sa.Column("minimum", BIGINT, nullable=False),
        sa.Column("maximum", BIGINT, nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml2core_network_segment_ranges")),
    )
    op.create_index(
        op.f("ix_ml2core_network_segment_ranges_network_type"),
        "ml2core_network_segment_ranges",
        ["network_type"],
    )
    op.create_index(
        op.f("ix_ml2core_network_segment_ranges_project_id"),
        "ml2core_network_segment_ranges",
        ["project_id"],
    )

    op.create_table(
        "ml2core_networks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("admin_state_up", sa.Boolean(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("mtu", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml2core_networks")),
    )
    op.create_index(op.f("ix_ml2core_networks_project_id"), "ml2core_networks", ["project_id"])

    op.create_table(
        "ml2core_segment_allocations",
        sa.Column("network_type", key_string(32), nullable=False),
        sa.Column("physical_network", key_string(64), nullable=False),
        sa.Column("segmentation_id", BIGINT, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint(
            "network_type",
            "physical_network",
            "segmentation_id",
            name=op.f("pk_ml2core_segment_allocations"),
        ),
    )
    op.create_table(
        "ml2core_network_segments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("network_id", sa.String(length=36), nullable=False),
        sa.Column("network_type", key_string(32), nullable=False),
        sa.Column("physical_network", key_string(64), nullable=True),
        sa.Column("segmentation_id", BIGINT, nullable=True),
        sa.Column("is_dynamic", sa.Boolean(), nullable=False),
        sa.Column("segment_index", sa.Integer(), nullable=False),
        sa.Column("dynamic_key", key_string(255), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["ml2core_networks.id"],
            name=op.f("fk_ml2core_network_segments_network_id_ml2core_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml2core_network_segments")),
        sa.UniqueConstraint("dynamic_key", name="uq_ml2core_network_segments_dynamic_key"),
    )
    op.create_index(
        "ix_ml2core_network_segments_type_id",
        "ml2core_network_segments",
        ["network_type", "physical_network", "segmentation_id"],
    )
    op.create_index(
        op.f("ix_ml2core_network_segments_network_id"), "ml2core_network_segments", ["network_id"]
    )

    op.create_table(
        "ml2core_ports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("network_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mac_address", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=255), nullable=False),
        sa.Column("device_owner", sa.String(length=255), nullable=False),
        sa.Column("admin_state_up", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["ml2core_networks.id"],
            name=op.f("fk_ml2core_ports_network_id_ml2core_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml2core_ports")),
        sa.UniqueConstraint("network_id", "mac_address", name=op.f("uq_ml2core_ports_network_id")),
    )
    op.create_index(op.f("ix_ml2core_ports_device_id"), "ml2core_ports", ["device_id"])
    op.create_index(op.f("ix_ml2core_ports_network_id"), "ml2core_ports", ["network_id"])
    op.create_index(op.f("ix_ml2core_ports_project_id"), "ml2core_ports", ["project_id"])

    op.create_table(
        "ml2core_subnets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("network_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("cidr", sa.String(length=64), nullable=False),
        sa.Column("ip_version", sa.Integer(), nullable=False),
        sa.Column("gateway_ip", sa.String(length=64), nullable=True),
        sa.Column("enable_dhcp", sa.Boolean(), nullable=False),
        sa.Column("ipv6_address_mode", sa.String(length=16), nullable=True),
        sa.Column("ipv6_ra_mode", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["ml2core_networks.id"],
            name=op.f("fk_ml2core_subnets_network_id_ml2core_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml2core_subnets")),
    )
    op.create_index(op.f("ix_ml2core_subnets_network_id"), "ml2core_subnets", ["network_id"])
    op.create_index(op.f("ix_ml2core_subnets_project_id"), "ml2core_subnets", ["project_id"])

    op.create_table(
        "ml2core_ip_allocation_pools",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subnet_id", sa.String(length=36), nullable=False),
        sa.Column("first_ip", sa.String(length=64), nullable=False),
        sa.Column("last_ip", sa.String(length=64), nullable=False),
        sa.Column("first_key", sa.String(length=32), nullable=False),
        sa.Column("last_key", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["subnet_id"],
            ["ml2core_subnets.id"],
            name=op.f("fk_ml2core_ip_allocation_pools_subnet_id_ml2core_subnets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml2core_ip_allocation_pools")),
    )
    op.create_index(
        op.f("ix_ml2core_ip_allocation_pools_subnet_id"),
        "ml2core_ip_allocation_pools",
        ["subnet_id"],
    )

    op.create_table(
        "ml2core_ip_allocations",
        sa.Column("subnet_id", sa.String(length=36), nullable=False),
        sa.Column("ip_key", sa.String(length=32), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.Column("port_id", sa.String(length=36), nullable=False),
        sa.Column("network_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["port_id"],
            ["ml2core_ports.id"],
            name=op.f("fk_ml2core_ip_allocations_port_id_ml2core_ports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subnet_id"],
            ["ml2core_subnets.id"],
            name=op.f("fk_ml2core_ip_allocations_subnet_id_ml2core_subnets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subnet_id", "ip_key", name=op.f("pk_ml2core_ip_allocations")),
    )
    op.create_index(op.f("ix_ml2core_ip_allocations_network_id"), "ml2core_ip_allocations", ["network_id"])
    op.create_index(op.f("ix_ml2core_ip_allocations_port_id"), "ml2core_ip_allocations", ["port_id"])

    op.create_table(
        "ml2core_port_binding_levels",
        sa.Column("port_id", sa.String(length=36), nullable=False),
        sa.Column("host", key_string(255), nullable=False),
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("driver", sa.String(length=64), nullable=False),
        sa.Column("segment_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["port_id"],
            ["ml2core_ports.id"],
            name=op.f("fk_ml2core_port_binding_levels_port_id_ml2core_ports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["ml2core_network_segments.id"],
            name=op.f("fk_ml2core_port_binding_levels_segment_id_ml2core_network_segments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("port_id", "host", "level", name=op.f("pk_ml2core_port_binding_levels")),
    )
    op.create_index(
        op.f("ix_ml2core_port_binding_levels_segment_id"),
        "ml2core_port_binding_levels",
        ["segment_id"],
    )

    op.create_table(
        "ml2core_port_bindings",
        sa.Column("port_id", sa.String(length=36), nullable=False),
        sa.Column("host", key_string(255), nullable=False),
        sa.Column("vnic_type", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("vif_type", sa.String(length=64), nullable=False),
        sa.Column("vif_details", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["port_id"],
            ["ml2core_ports.id"],
            name=op.f("fk_ml2core_port_bindings_port_id_ml2core_ports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("port_id", name=op.f("pk_ml2core_port_bindings")),
    )
    op.create_index(op.f("ix_ml2core_port_bindings_host"), "ml2core_port_bindings", ["host"])
