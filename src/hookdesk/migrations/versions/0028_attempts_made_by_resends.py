"""attempts say whether a resend made them

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 14:40:00.000000

The event page marks the attempts made by a resend, outside the retry schedule; attempts from
before were not marked and count as the schedule's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: SQLite adds a column with a constant default in place.
    op.add_column(
        "attempts",
        sa.Column("resend", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("resend")
