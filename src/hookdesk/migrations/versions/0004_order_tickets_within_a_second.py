"""order tickets within a second

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 13:12:43.385710
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_us", sa.BigInteger(), nullable=True))
    op.execute("UPDATE tickets SET created_us = created_at * 1000000")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.alter_column("created_us", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_index(
            "ix_tickets_account_created_us", ["account_id", "created_us"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_account_created_us")
        batch_op.drop_column("created_us")
