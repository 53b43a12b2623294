"""teammates have a role and can be disabled or deleted; teammates from before are admins

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("teammates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="admin")
        )
        batch_op.add_column(sa.Column("disabled_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.BigInteger(), nullable=True))
    # New teammates get their role from hookdesk, not from the database.
    with op.batch_alter_table("teammates", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=sa.String(length=16), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("teammates", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("role")
