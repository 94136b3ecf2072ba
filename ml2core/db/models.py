"""SQLAlchemy models of ml2core's tables (internal; drivers never see them).

Every table name starts with ``ml2core_`` so an embedding application can keep
its own tables in the same database. Unique keys that must hold across
concurrent controllers use ``''`` and ``0`` instead of NULL, because NULLs
never collide in a unique key on any of the three databases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAME_LEN = 255
ID_LEN = 36
PHYSNET_LEN = 64
TYPE_LEN = 32
HOST_LEN = 255

# A 64-bit integer everywhere; SQLite's INTEGER is already 64-bit.
BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


#: MariaDB's binary collation that does not pad: ``'a '`` and ``'a'`` differ, as on the others.
BYTE_COLLATION = "utf8mb4_nopad_bin"


def KeyString(length: int) -> sa.types.TypeEngine[str]:
    """A string compared byte for byte on every database.

    Every string column is one: MariaDB's default collation ignores case,
    accents and trailing spaces, so ``Proj-B``, ``prój-b`` and ``proj-b ``
    would see project ``proj-b``'s resources there and nowhere else, and
    ``physnet1`` and ``PHYSNET1`` would collide in a unique key.
    """
    return sa.String(length).with_variant(mysql.VARCHAR(length, collation=BYTE_COLLATION), "mysql", "mariadb")


naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=naming_convention)
    type_annotation_map = {dict[str, Any]: sa.JSON, list[Any]: sa.JSON}


class Network(Base):
    __tablename__ = "ml2core_networks"

    id: Mapped[str] = mapped_column(KeyString(ID_LEN), primary_key=True)
    project_id: Mapped[str] = mapped_column(KeyString(NAME_LEN), index=True)
    name: Mapped[str] = mapped_column(KeyString(NAME_LEN), default="")
    admin_state_up: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    shared: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[str] = mapped_column(KeyString(16), default="ACTIVE")
    mtu: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    segments: Mapped[list[NetworkSegment]] = relationship(
        back_populates="network",
        order_by="NetworkSegment.segment_index",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class NetworkSegment(Base):
    __tablename__ = "ml2core_network_segments"
    __table_args__ = (
        # Set only for dynamic segments ("<network>/<type>/<physnet>"), so two
        # controllers binding ports of one network cannot both create one.
        sa.UniqueConstraint("dynamic_key", name="uq_ml2core_network_segments_dynamic_key"),
        sa.Index(
            "ix_ml2core_network_segments_type_id", "network_type", "physical_network", "segmentation_id"
        ),
    )

    id: Mapped[str] = mapped_column(KeyString(ID_LEN), primary_key=True)
    network_id: Mapped[str] = mapped_column(
        KeyString(ID_LEN), sa.ForeignKey("ml2core_networks.id", ondelete="CASCADE"), index=True
    )
    network_type: Mapped[str] = mapped_column(KeyString(TYPE_LEN))
    physical_network: Mapped[str | None] = mapped_column(KeyString(PHYSNET_LEN), nullable=True)
    segmentation_id: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    is_dynamic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    segment_index: Mapped[int] = mapped_column(sa.Integer, default=0)
    dynamic_key: Mapped[str | None] = mapped_column(KeyString(NAME_LEN), nullable=True)

    network: Mapped[Network] = relationship(back_populates="segments")


class SegmentAllocation(Base):
    """One row per allocated ID; free IDs are never stored."""

    __tablename__ = "ml2core_segment_allocations"

    network_type: Mapped[str] = mapped_column(KeyString(TYPE_LEN), primary_key=True)
    physical_network: Mapped[str] = mapped_column(KeyString(PHYSNET_LEN), primary_key=True)
    segmentation_id: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=False)


class NetworkSegmentRange(Base):
    __tablename__ = "ml2core_network_segment_ranges"

    id: Mapped[str] = mapped_column(KeyString(ID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(KeyString(NAME_LEN), default="")
    network_type: Mapped[str] = mapped_column(KeyString(TYPE_LEN), index=True)
    physical_network: Mapped[str] = mapped_column(KeyString(PHYSNET_LEN), default="")
    minimum: Mapped[int] = mapped_column(BigInt)
    maximum: Mapped[int] = mapped_column(BigInt)
    shared: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    project_id: Mapped[str | None] = mapped_column(KeyString(NAME_LEN), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class Subnet(Base):
    __tablename__ = "ml2core_subnets"

    id: Mapped[str] = mapped_column(KeyString(ID_LEN), primary_key=True)
    network_id: Mapped[str] = mapped_column(
        KeyString(ID_LEN), sa.ForeignKey("ml2core_networks.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str] = mapped_column(KeyString(NAME_LEN), index=True)
    name: Mapped[str] = mapped_column(KeyString(NAME_LEN), default="")
    cidr: Mapped[str] = mapped_column(KeyString(64))
    ip_version: Mapped[int] = mapped_column(sa.Integer)
    gateway_ip: Mapped[str | None] = mapped_column(KeyString(64), nullable=True)
    enable_dhcp: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    ipv6_address_mode: Mapped[str | None] = mapped_column(KeyString(16), nullable=True)
    ipv6_ra_mode: Mapped[str | None] = mapped_column(KeyString(16), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    pools: Mapped[list[IpAllocationPool]] = relationship(
        order_by="IpAllocationPool.first_key", cascade="all, delete-orphan", passive_deletes=True
    )


class IpAllocationPool(Base):
    __tablename__ = "ml2core_ip_allocation_pools"

    id: Mapped[str] = mapped_column(KeyString(ID_LEN), primary_key=True)
    subnet_id: Mapped[str] = mapped_column(
        KeyString(ID_LEN), sa.ForeignKey("ml2core_subnets.id", ondelete="CASCADE"), index=True
    )
    first_ip: Mapped[str] = mapped_column(KeyString(64))
    last_ip: Mapped[str] = mapped_column(KeyString(64))
    # Fixed-width hex of the address: sorts like the number, on every database.
    first_key: Mapped[str] = mapped_column(KeyString(32))
    last_key: Mapped[str] = mapped_column(KeyString(32))


class Port(Base):
    __tablename__ = "ml2core_ports"
    __table_args__ = (sa.UniqueConstraint("network_id", "mac_address"),)

    id: Mapped[str] = mapped_column(KeyString(ID_LEN), primary_key=True)
    network_id: Mapped[str] = mapped_column(
        KeyString(ID_LEN), sa.ForeignKey("ml2core_networks.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str] = mapped_column(KeyString(NAME_LEN), index=True)
    name: Mapped[str] = mapped_column(KeyString(NAME_LEN), default="")
    mac_address: Mapped[str] = mapped_column(KeyString(32))
    device_id: Mapped[str] = mapped_column(KeyString(NAME_LEN), default="", index=True)
    device_owner: Mapped[str] = mapped_column(KeyString(NAME_LEN), default="")
    admin_state_up: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    status: Mapped[str] = mapped_column(KeyString(16), default="DOWN")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    binding: Mapped[PortBinding | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, uselist=False, lazy="joined"
    )
    fixed_ips: Mapped[list[IpAllocation]] = relationship(
        order_by="IpAllocation.ip_key",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )


class IpAllocation(Base):
    """One row per allocated address; free addresses are never stored."""

    __tablename__ = "ml2core_ip_allocations"

    subnet_id: Mapped[str] = mapped_column(
        KeyString(ID_LEN), sa.ForeignKey("ml2core_subnets.id", ondelete="CASCADE"), primary_key=True
    )
    ip_key: Mapped[str] = mapped_column(KeyString(32), primary_key=True)
    ip_address: Mapped[str] = mapped_column(KeyString(64))
    port_id: Mapped[str] = mapped_column(
        KeyString(ID_LEN), sa.ForeignKey("ml2core_ports.id", ondelete="CASCADE"), index=True
    )
    network_id: Mapped[str] = mapped_column(KeyString(ID_LEN), index=True)


class PortBinding(Base):
    __tablename__ = "ml2core_port_bindings"

    port_id: Mapped[str] = mapped_column(
        KeyString(ID_LEN), sa.ForeignKey("ml2core_ports.id", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(KeyString(HOST_LEN), default="", index=True)
    vnic_type: Mapped[str] = mapped_column(KeyString(64), default="normal")
    profile: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    vif_type: Mapped[str] = mapped_column(KeyString(64), default="unbound")
    vif_details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Bumped by every change of host, vnic type, profile or binding result;
    # a binding result commits only if the revision it started from is current.
    revision: Mapped[int] = mapped_column(sa.Integer, default=0)
    explanation: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)


class PortBindingLevel(Base):
    __tablename__ = "ml2core_port_binding_levels"

    port_id: Mapped[str] = mapped_column(
        KeyString(ID_LEN), sa.ForeignKey("ml2core_ports.id", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(KeyString(HOST_LEN), primary_key=True)
    level: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    driver: Mapped[str] = mapped_column(KeyString(64))
    segment_id: Mapped[str | None] = mapped_column(
        KeyString(ID_LEN),
        sa.ForeignKey("ml2core_network_segments.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )


class Agent(Base):
    __tablename__ = "ml2core_agents"
    __table_args__ = (sa.UniqueConstraint("agent_type", "host"),)

    id: Mapped[str] = mapped_column(KeyString(ID_LEN), primary_key=True)
    agent_type: Mapped[str] = mapped_column(KeyString(NAME_LEN))
    binary: Mapped[str] = mapped_column(KeyString(NAME_LEN), default="")
    host: Mapped[str] = mapped_column(KeyString(HOST_LEN), index=True)
    admin_state_up: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    configurations: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    heartbeat_timestamp: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
