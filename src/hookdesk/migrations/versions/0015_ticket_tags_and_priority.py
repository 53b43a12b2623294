"""tickets have tags and a priority (normal for tickets from before); the list sorts by activity

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_tags",
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ticket_tags_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_tags_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "tag", name=op.f("pk_ticket_tags")),
    )
    op.create_index("ix_ticket_tags_account_tag", "ticket_tags", ["account_id", "tag"])
    # Added in place: SQLite adds a column with a constant default without copying the table.
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.String(length=6), nullable=False, server_default="normal")
        )
    op.create_index("ix_tickets_account_updated", "tickets", ["account_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_account_updated", table_name="tickets")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("priority")
    op.drop_index("ix_ticket_tags_account_tag", table_name="ticket_tags")
    op.drop_table("ticket_tags")
