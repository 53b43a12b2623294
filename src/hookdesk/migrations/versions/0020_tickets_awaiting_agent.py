"""tickets know whether the client's message is the last one: the console's "waiting on us"

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 13:45:00.000000

Kept on the ticket rather than read from its last reply, so that the inbox filters and counts
these tickets without a subquery per ticket. Tickets from before take their last reply's author
(a category's automated reply counts as an answer for them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: SQLite adds a column with a constant default in place.
    op.add_column(
        "tickets",
        sa.Column("awaiting_agent", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        "UPDATE tickets SET awaiting_agent = COALESCE((SELECT r.is_client_reply FROM replies r"
        " WHERE r.ticket_id = tickets.id ORDER BY r.position DESC LIMIT 1), false)"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("awaiting_agent")
