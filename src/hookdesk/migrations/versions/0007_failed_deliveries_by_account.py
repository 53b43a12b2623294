"""failed deliveries by account: the dashboard's 24-hour failure count reads them by index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FAILED = sa.text("status = 'failed'")


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_account_failed",
        "deliveries",
        ["account_id"],
        unique=False,
        postgresql_where=FAILED,
        sqlite_where=FAILED,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_deliveries_account_failed",
        table_name="deliveries",
        postgresql_where=FAILED,
        sqlite_where=FAILED,
    )
