"""mailbox leases: one dispatcher at a time reads an account's mailbox

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailbox_leases",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_mailbox_leases_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_mailbox_leases")),
    )


def downgrade() -> None:
    op.drop_table("mailbox_leases")
