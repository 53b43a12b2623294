"""mail messages leased: a dispatcher claims a pending notification under a lease token

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 10:30:00.000000

Like a webhook delivery, a claimed message's `next_attempt_at` is the end of its lease and its
`lease_token` names the claim, so only that dispatcher records its attempt.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mail_messages") as batch_op:
        batch_op.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_messages") as batch_op:
        batch_op.drop_column("lease_token")
