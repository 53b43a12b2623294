"""webhook endpoints take a rate limit, deliveries per second

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 14:10:00.000000

`rate_limit` is the endpoint's (None: no limit); `rate_next_at` is when its next delivery may
start, kept by every dispatcher's claim so that the limit holds across processes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: SQLite adds these columns in place.
    op.add_column("webhook_endpoints", sa.Column("rate_limit", sa.Integer(), nullable=True))
    op.add_column("webhook_endpoints", sa.Column("rate_next_at", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("rate_next_at")
        batch_op.drop_column("rate_limit")
