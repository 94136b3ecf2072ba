"""Alembic environment of the controller's own history.

Two things keep it apart from ml2core's history in the same database: its
own version table (``alembic_version``; ml2core uses
``ml2core_alembic_version``), and ``include_name``, which hides ml2core's
tables from ``alembic revision --autogenerate``.
"""

from __future__ import annotations

from alembic import context

from servers_app.migrations import VERSION_TABLE, include_name
from servers_app.models import Base

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    include_name=include_name,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
