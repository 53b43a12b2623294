"""ticket activities: who opened, assigned, resolved or reopened a ticket, for the console

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_activities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=8), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("teammate_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ticket_activities_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["teammates.id"],
            name=op.f("fk_ticket_activities_actor_id_teammates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["teammate_id"],
            ["teammates.id"],
            name=op.f("fk_ticket_activities_teammate_id_teammates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_activities_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_activities")),
    )
    op.create_index(op.f("ix_ticket_activities_account_id"), "ticket_activities", ["account_id"])
    op.create_index(op.f("ix_ticket_activities_ticket_id"), "ticket_activities", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_activities_ticket_id"), table_name="ticket_activities")
    op.drop_index(op.f("ix_ticket_activities_account_id"), table_name="ticket_activities")
    op.drop_table("ticket_activities")
