"""saved replies: texts agents reuse, with placeholders

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_saved_replies_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_replies")),
    )
    op.create_index(op.f("ix_saved_replies_account_id"), "saved_replies", ["account_id"])
    op.create_index(
        "ix_saved_replies_account_created_us", "saved_replies", ["account_id", "created_us"]
    )


def downgrade() -> None:
    op.drop_index("ix_saved_replies_account_created_us", table_name="saved_replies")
    op.drop_index(op.f("ix_saved_replies_account_id"), table_name="saved_replies")
    op.drop_table("saved_replies")
