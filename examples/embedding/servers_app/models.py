"""The controller's own table, in the same database as ml2core's."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "Server"]


class Base(DeclarativeBase):
    """The controller's metadata: only its own tables (never ml2core's)."""


class Server(Base):
    """A server (VM) with one port.

    ``port_id`` is an ml2core port ID but deliberately not a foreign key:
    ml2core's tables are its own business (their schema may change between
    releases) and it deletes ports in its own transactions. The controller
    keeps the two in step through ml2core's events instead.
    """

    __tablename__ = "servers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    host: Mapped[str] = mapped_column(String(255))
    network_id: Mapped[str] = mapped_column(String(36))
    port_id: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True)
    #: BUILD until the port is up on its host, then ACTIVE; ERROR if it cannot bind.
    status: Mapped[str] = mapped_column(String(16), default="BUILD")
    vif_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
