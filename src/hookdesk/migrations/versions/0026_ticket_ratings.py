"""ticket ratings: a client rates a resolved ticket, once per resolution

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_ratings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("after_reply", sa.Integer(), nullable=False),
        sa.Column("good", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ticket_ratings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_ratings_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_ratings")),
        sa.UniqueConstraint("ticket_id", "after_reply", name=op.f("uq_ticket_ratings_ticket_id")),
    )
    op.create_index(op.f("ix_ticket_ratings_account_id"), "ticket_ratings", ["account_id"])
    op.create_index(op.f("ix_ticket_ratings_ticket_id"), "ticket_ratings", ["ticket_id"])
    op.create_index(
        "ix_ticket_ratings_account_created", "ticket_ratings", ["account_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_ratings_account_created", table_name="ticket_ratings")
    op.drop_index(op.f("ix_ticket_ratings_ticket_id"), table_name="ticket_ratings")
    op.drop_index(op.f("ix_ticket_ratings_account_id"), table_name="ticket_ratings")
    op.drop_table("ticket_ratings")
