"""Erasure of a note's text on request: when it was erased.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("text_erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("text_erased_at")
