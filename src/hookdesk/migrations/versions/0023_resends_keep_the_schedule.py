"""deliveries keep their retry schedule while a resend is queued or in flight

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 14:00:00.000000

A resend is an attempt outside the schedule: `resume_status` and `resume_at` hold the status and
next attempt it goes back to, `resend_count` how many of the delivery's attempts were resends.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: SQLite adds these columns in place.
    op.add_column("deliveries", sa.Column("resume_status", sa.String(length=16), nullable=True))
    op.add_column("deliveries", sa.Column("resume_at", sa.Double(), nullable=True))
    op.add_column(
        "deliveries",
        sa.Column("resend_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("resend_count")
        batch_op.drop_column("resume_at")
        batch_op.drop_column("resume_status")
