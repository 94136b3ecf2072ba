"""Alembic environment for ml2core's own migration history.

ml2core keeps its version in ``ml2core_alembic_version`` so it can share a
database with an application that has its own alembic history.
"""

from __future__ import annotations

from alembic import context

from ml2core.db.migration import VERSION_TABLE
from ml2core.db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
