"""Alembic environment: runs on the connection ``app.migrate`` passes in (online mode only)."""

from __future__ import annotations

from alembic import context

from app.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
